#!/usr/bin/env bash
# Sets up a virtual environment, then runs the Telegram bot when TELEGRAM_BOT_TOKEN is set
# (in the environment, the project's .env or the data folder's .env) and otherwise the same
# conversation in this terminal, on the bundled sample when the index is empty.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
# the same settings the bot reads: one answer to "is there a token?"
if .venv/bin/python -c 'import sys; from app.settings import load_settings; sys.exit(0 if load_settings().token else 1)'; then
  exec .venv/bin/newsbot run "$@"
fi
exec .venv/bin/newsbot chat "$@"
