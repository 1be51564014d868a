"""`newsbot migrate`: the data folder into PostgreSQL (app/migrate.py does the copying)."""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path
from typing import TextIO

from .migrate import MigrationError, SearchLoader, migrate, prepare
from .run_lock import LOCK_FILE


def cmd_migrate(
    data_dir: Path,
    url: str | None,
    batch: int = 500,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    load_search: SearchLoader | None = None,
) -> int:
    """Copy the data folder into NEWSBOT_DATABASE_URL; print a one-line summary."""
    if not url:
        return _no_url("newsbot migrate copies the data folder into PostgreSQL", err)
    # a bot running on the folder would keep writing bot.db behind the copy's back
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644) if data_dir.is_dir() else -1
    try:
        if fd >= 0:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"newsbot migrate: a `newsbot run` uses {data_dir}: stop it first", file=err)
                return 1
        summary = migrate(data_dir, url, batch=max(1, batch), stream=err, load_search=load_search)
    except MigrationError as e:
        print(f"newsbot migrate: {e}", file=err)
        return 1
    finally:
        if fd >= 0:
            os.close(fd)
    print(summary.line(), file=out)
    return 0


def cmd_schema(
    url: str | None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    load_search: SearchLoader | None = None,
) -> int:
    """`newsbot migrate --schema`: the tables (and the search index) created or upgraded."""
    if not url:
        return _no_url("newsbot migrate --schema prepares a PostgreSQL database", err)
    sent = prepare(url, load_search)
    search = "" if sent is None else f"; the search index is up to date ({sent:,} sent)"
    print(f"the tables are up to date{search}", file=out)
    return 0


def _no_url(what: str, err: TextIO) -> int:
    print(f"{what}: set NEWSBOT_DATABASE_URL=postgresql://user:password@host/db", file=err)
    return 2
