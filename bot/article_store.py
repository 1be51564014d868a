"""Where the articles live: newsbot.db in the data folder, or PostgreSQL when a URL is set."""

from __future__ import annotations

from pathlib import Path

from index import SearchIndex, Store
from storage import open_database

from .settings import Settings

__all__ = ["article_store", "open_search_index"]


def article_store(url: str | None) -> Store | None:
    """The shared article store at NEWSBOT_DATABASE_URL, or None for the data folder's own."""
    if not url:
        return None
    # opened here, at the edge: index/ takes the database and never imports its driver
    return Store(open_database(url))


def open_search_index(settings: Settings, data_dir: Path | None = None) -> SearchIndex:
    """The index of a data folder, its articles in PostgreSQL when NEWSBOT_DATABASE_URL is set.

    The postings stay in the data folder, built from the shared store's terms (no pyvi).
    """
    return SearchIndex.open(data_dir or settings.data_dir, store=article_store(settings.database))
