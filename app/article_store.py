"""Where the articles live: newsbot.db in the data folder, or PostgreSQL when a URL is set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from index import Store
from storage import open_database

if TYPE_CHECKING:
    from storage import Database

__all__ = ["article_store"]


def article_store(url: str | Database | None) -> Store | None:
    """The shared article store at NEWSBOT_DATABASE_URL (or on its open pool), else None.

    None: the data folder's own newsbot.db, which SearchIndex.open opens.
    """
    if not url:
        return None
    # opened here, at the edge: index/ takes the database and never imports its driver
    return Store(open_database(url))
