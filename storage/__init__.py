"""Persistence shared by index/ and bot/: SQLite or PostgreSQL behind narrow store Protocols."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from .sqlite import Database, Migration, SchemaError, contract

if TYPE_CHECKING:
    from . import postgres

__all__ = [
    "Database",
    "Migration",
    "SchemaError",
    "contract",
    "is_url",
    "lock_key",
    "open_database",
]


def lock_key(name: str) -> int:
    """The 64-bit PostgreSQL advisory lock key of a name (a hash: the name may be a secret)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def is_url(target: object) -> bool:
    """Whether a target names a PostgreSQL database (postgresql://...) rather than a file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def open_database(target: Path | str) -> Database | postgres.Database:
    """A postgresql:// URL's pool, or the SQLite file at a path."""
    if is_url(target):
        try:  # psycopg only when asked for
            from .postgres import Database as PostgresDatabase
        except ImportError as error:
            raise RuntimeError(
                "NEWSBOT_DATABASE_URL needs psycopg: pip install 'newsbot[postgres]'"
            ) from error

        return PostgresDatabase(str(target))
    return Database(Path(target))
