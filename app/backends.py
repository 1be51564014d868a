"""open_backends(): each database and search backend of a process opened once, closed together.

On PostgreSQL (NEWSBOT_DATABASE_URL) the process opens one pool here and lends it to every
store (storage.open_database of an open database gives a storage.Lent); on SQLite each
store keeps its own connection to its file in the data folder. Everything opened goes on
one ExitStack: a failure part way closes what was already open, and close() closes it all,
newest first.
"""

from __future__ import annotations

from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from index import SearchIndex
from storage import open_database

from .search_backend import open_index
from .settings import Settings

if TYPE_CHECKING:
    from storage import Database

__all__ = ["Backends", "open_backends"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Backends:
    """A process's open backends: the index, and the database every store borrows (or None)."""

    index: SearchIndex
    database: Database | None  # None: each store opens its file in data_dir
    data_dir: Path
    stack: ExitStack

    def adopt(self, resource: T) -> T:
        """Close a resource (anything with close()) with the backends, before the older ones."""
        self.stack.enter_context(closing(resource))  # type: ignore[type-var]
        return resource

    def close(self) -> None:
        """Close everything opened, newest first."""
        self.stack.close()

    def __enter__(self) -> Backends:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_backends(
    settings: Settings,
    index: SearchIndex | None = None,
    data_dir: Path | None = None,
    semantic: bool = False,
) -> Backends:
    """The database (one pool on PostgreSQL) and the index ranked as the settings say.

    An index passed in (tests, a caller that shares it) stays the caller's to close.
    semantic: the index embeds questions too (NEWSBOT_SEMANTIC), for the bot.
    """
    data_dir = data_dir or settings.data_dir
    stack = ExitStack()
    try:
        database = None
        if settings.database:
            pool = open_database(
                settings.database,
                pool_size=settings.database_pool_size,
                timeout=settings.database_timeout,
            )
            database = stack.enter_context(closing(pool))
        if index is None:
            opened = open_index(settings, data_dir, database, semantic=semantic)
            index = stack.enter_context(closing(opened))
        return Backends(index, database, data_dir, stack)
    except BaseException:
        stack.close()
        raise
