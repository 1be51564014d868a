"""`newsbot migrate`: the data folder into PostgreSQL (bot/migrate.py does the copying)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from .migrate import MigrationError, migrate


def cmd_migrate(
    data_dir: Path,
    url: str | None,
    batch: int = 500,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Copy the data folder into NEWSBOT_DATABASE_URL; print a one-line summary."""
    if not url:
        print(
            "newsbot migrate copies the data folder into PostgreSQL:"
            " set NEWSBOT_DATABASE_URL=postgresql://user:password@host/db",
            file=err,
        )
        return 2
    try:
        summary = migrate(data_dir, url, batch=max(1, batch), stream=err)
    except MigrationError as e:
        print(f"newsbot migrate: {e}", file=err)
        return 1
    print(summary.line(), file=out)
    return 0
