"""The search backend the settings name: the embedded index, or OpenSearch when a URL is set."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from index import SearchIndex
from search_backends import open_search_index, opensearch_loader

from .article_store import article_store
from .settings import Settings

if TYPE_CHECKING:
    from index import Store as ArticleStore
    from storage import Database

__all__ = ["open_index", "search_loader"]


def open_index(
    settings: Settings, data_dir: Path | None = None, database: Database | None = None
) -> SearchIndex:
    """The archive's index, ranked by OpenSearch when NEWSBOT_OPENSEARCH_URL is set.

    Its articles are in PostgreSQL when NEWSBOT_DATABASE_URL is set (app/article_store.py),
    on the open database when one is given (app/backends.py lends its pool).
    """
    store = article_store(database or settings.database)
    return open_search_index(
        data_dir or settings.data_dir, store, settings.opensearch_url, settings.opensearch_index
    )


def search_loader(
    settings: Settings,
) -> Callable[[ArticleStore, Callable[[int], None]], int] | None:
    """`newsbot migrate`'s bulk load of OpenSearch from the copied terms, when its URL is set."""
    if not settings.opensearch_url:
        return None
    return opensearch_loader(settings.opensearch_url, settings.opensearch_index)
