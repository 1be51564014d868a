"""Persistence shared by index/, feeds/ and bot/: SQLite or PostgreSQL behind one Database seam.

Each store (index.Store, feeds.FeedRegistry, bot's State, SubscriptionStore, Outbox, Broadcasts)
takes what open_database returns and writes one SQL for both. Every failure is a
DatabaseError (errors.py draws the hierarchy); DatabaseUnavailable is the transient kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DatabaseError, DatabaseUnavailable, SchemaError
from .locks import lock_key
from .sqlite import Database
from .versions import Migration, contract

if TYPE_CHECKING:
    from . import postgres

__all__ = [
    "Database",
    "DatabaseError",
    "DatabaseUnavailable",
    "Lent",
    "Migration",
    "SchemaError",
    "contract",
    "is_url",
    "lock_key",
    "open_database",
]


def is_url(target: object) -> bool:
    """Whether a target names a PostgreSQL database (postgresql://...) rather than a file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


class Lent:
    """An open database lent to one more store: its close() leaves the database open.

    app/backends.py's open_backends opens a PostgreSQL pool once and lends it to every
    store; the one who opened it closes it.
    """

    def __init__(self, database: Database | postgres.Database):
        self._database = database.owner if isinstance(database, Lent) else database

    @property
    def owner(self) -> Database | postgres.Database:
        """The database itself."""
        return self._database

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)

    def close(self) -> None:
        """Nothing: the database stays open for the others."""


def open_database(
    target: Path | str | Database | postgres.Database | Lent,
    *,
    pool_size: int = 10,
    timeout: float = 10.0,
) -> Any:
    """A postgresql:// URL's pool, the SQLite file at a path, or an open database lent.

    pool_size and timeout (seconds a call waits for a pooled connection): PostgreSQL only.
    """
    if isinstance(target, Path | str) and not is_url(target):
        return Database(Path(target))
    if not isinstance(target, str):
        return Lent(target)
    try:  # psycopg only when asked for
        from .postgres import Database as PostgresDatabase
    except ImportError as error:
        raise RuntimeError(
            "NEWSBOT_DATABASE_URL needs psycopg: pip install 'newsbot[postgres]'"
        ) from error
    return PostgresDatabase(target, max_size=pool_size, timeout=timeout)
