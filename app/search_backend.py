"""Which engine serves search: the embedded index, or OpenSearch when a URL is set."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from index import SearchIndex

from .article_store import article_store
from .settings import Settings

if TYPE_CHECKING:
    from index import Store as ArticleStore


def open_index(settings: Settings, data_dir: Path | None = None) -> SearchIndex:
    """The archive's index, ranked by OpenSearch when NEWSBOT_OPENSEARCH_URL is set.

    Its articles are in PostgreSQL when NEWSBOT_DATABASE_URL is set (app/article_store.py).
    """
    data_dir = data_dir or settings.data_dir
    store = article_store(settings.database)
    if not settings.opensearch_url:
        return SearchIndex.open(data_dir, store=store)
    # imported here: the embedded backend never loads the OpenSearch client
    from opensearchpy.exceptions import ConnectionError as Unreachable

    from search_backends.opensearch import OpenSearchStage, SearchUnavailable

    stage = OpenSearchStage(settings.opensearch_url, settings.opensearch_index)
    try:
        return SearchIndex.open(data_dir, first_stage=stage, store=store)
    except Unreachable as error:
        stage.close()
        if store is not None:
            store.close()
        raise SearchUnavailable(
            f"cannot reach OpenSearch at {settings.opensearch_url} ({error.error}):"
            " start it, or fix NEWSBOT_OPENSEARCH_URL"
        ) from error


class _Counted:
    """An article store whose live_docs() counts each document read (a bulk load's progress)."""

    def __init__(self, store: ArticleStore, progress: Callable[[int], None]):
        self._store, self._progress = store, progress

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def live_docs(self, *args, **kwargs) -> Iterator:
        for doc in self._store.live_docs(*args, **kwargs):
            self._progress(1)
            yield doc


def search_loader(
    settings: Settings,
) -> Callable[[ArticleStore, Callable[[int], None]], int] | None:
    """`newsbot migrate`'s bulk load of OpenSearch from the copied terms, when its URL is set."""
    if not settings.opensearch_url:
        return None
    url, name = settings.opensearch_url, settings.opensearch_index

    def load(store: ArticleStore, progress: Callable[[int], None]) -> int:
        from search_backends.opensearch import OpenSearchStage

        stage = OpenSearchStage(url, name)
        try:
            # the index follows the store's database id, which the migration kept: an index
            # already loaded from this data folder is only brought up to date
            return stage.sync(_Counted(store, progress))
        finally:
            stage.close()

    return load
