#!/usr/bin/env bash
# Sets up a virtual environment with everything the tests need, lints, and runs every test.
set -euo pipefail
cd "$(dirname "$0")"
# the tests start a throwaway PostgreSQL server (tests/servers/postgres.py)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null \
    && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
.venv/bin/ruff check .
.venv/bin/python -m pytest -q "$@"
