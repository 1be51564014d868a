#!/usr/bin/env bash
# Sets up a virtual environment, indexes the bundled sample when the index is empty, then
# runs the Telegram bot when TELEGRAM_BOT_TOKEN is set (in the environment or .env) and
# otherwise the same conversation in this terminal.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
token="${TELEGRAM_BOT_TOKEN:-}"
if [ -z "$token" ] && [ -f .env ]; then
  token=$(sed -n 's/^TELEGRAM_BOT_TOKEN=//p' .env | tail -n 1)
fi
if [ -n "$token" ]; then
  exec .venv/bin/newsbot run
fi
exec .venv/bin/newsbot chat
