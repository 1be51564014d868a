"""Where the articles live: newsbot.db in the data folder, or PostgreSQL when a URL is set."""

from __future__ import annotations

from index import Store
from storage import open_database

__all__ = ["article_store"]


def article_store(url: str | None) -> Store | None:
    """The shared article store at NEWSBOT_DATABASE_URL, or None for the data folder's own."""
    if not url:
        return None
    # opened here, at the edge: index/ takes the database and never imports its driver
    return Store(open_database(url))
