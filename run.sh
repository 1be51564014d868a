#!/usr/bin/env bash
# Sets up a virtual environment, then runs the Telegram bot when TELEGRAM_BOT_TOKEN is set
# (in the environment, the project's .env or the data folder's .env) and otherwise the same
# conversation in this terminal (on an empty index: the outlets' feeds, or the bundled sample).
set -euo pipefail
cd "$(dirname "$0")"
# Installed once, and again only when Python, pyproject.toml or the engine's C sources change
# (pip builds them: an update that changed one needs the new build): a restart is quick and
# does not print pip's and setuptools' messages again.
stamp=.venv/.installed
wanted="$(python3 --version 2>&1) $(cat pyproject.toml setup.py index/native/*.c | cksum)"
if [ ! -x .venv/bin/newsbot ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e .
  echo "$wanted" > "$stamp"
fi
# the same settings the bot reads: one answer to "is there a token?"
if .venv/bin/python -c 'import sys; from app.settings import load_settings; sys.exit(0 if load_settings().token else 1)'; then
  exec .venv/bin/newsbot run "$@"
fi
exec .venv/bin/newsbot chat "$@"
