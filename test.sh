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
# The OpenSearch tests build a one-class launcher from Maven Central (deploy/opensearch) and
# run it on Java 17: install both where missing (CI runs as root on Debian).
if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
    apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
fi
# The compose test (tests/test_compose.py) posts an update through Caddy, the reverse proxy
# deploy/compose.yaml puts in front of the replicas (Debian 12 packages it: caddy 2.6).
if ! command -v caddy >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null
fi
# tests/test_deploy.py verifies the systemd units with systemd-analyze (Debian: systemd)
if ! command -v systemd-analyze >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
fi
.venv/bin/python -m pytest -q "$@"
