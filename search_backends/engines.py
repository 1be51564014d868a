"""Which engine ranks a SearchIndex: the embedded postings, or an OpenSearch index.

The choice is made at the edge (app/ passes the settings' values); the OpenSearch client is
imported only when a URL is given, so the embedded engine never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from index import SearchIndex

if TYPE_CHECKING:
    from index import Encoder, Store

__all__ = ["open_search_index", "opensearch_loader"]


def open_search_index(
    data_dir: Path,
    store: Store | None = None,
    opensearch_url: str | None = None,
    opensearch_index: str = "newsbot",
    options: dict | None = None,
    encoder: Encoder | None = None,
) -> SearchIndex:
    """The index of a data folder, ranked by OpenSearch when a URL is given.

    The store (the articles, in PostgreSQL) is the index's from here: closed with it, or
    here when OpenSearch cannot be reached. options: OpenSearchStage's keyword arguments
    (auth, ca, shards, replicas, timeout).
    """
    if not opensearch_url:
        return SearchIndex.open(data_dir, store=store, encoder=encoder)
    from opensearchpy.exceptions import ConnectionError as Unreachable

    from .opensearch import OpenSearchStage, SearchUnavailable

    stage = OpenSearchStage(opensearch_url, opensearch_index, **(options or {}))
    try:
        return SearchIndex.open(data_dir, first_stage=stage, store=store, encoder=encoder)
    except Unreachable as error:
        stage.close()
        if store is not None:
            store.close()
        raise SearchUnavailable(
            f"cannot reach OpenSearch at {opensearch_url} ({error.error}):"
            " start it, or fix NEWSBOT_OPENSEARCH_URL"
        ) from error


class _Counted:
    """An article store whose live_docs() counts each document read (a bulk load's progress)."""

    def __init__(self, store: Store, progress: Callable[[int], None]):
        self._store, self._progress = store, progress

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def live_docs(self, *args, **kwargs) -> Iterator:
        for doc in self._store.live_docs(*args, **kwargs):
            self._progress(1)
            yield doc


def opensearch_loader(
    url: str, name: str, options: dict | None = None
) -> Callable[[Store, Callable[[int], None]], int]:
    """A bulk load of an OpenSearch index from a store's terms: `newsbot migrate`'s last step."""

    def load(store: Store, progress: Callable[[int], None]) -> int:
        from .opensearch import OpenSearchStage

        stage = OpenSearchStage(url, name, **(options or {}))
        try:
            # the index follows the store's database id, which the migration kept: an index
            # already loaded from this data folder is only brought up to date
            return stage.sync(_Counted(store, progress))
        finally:
            stage.close()

    return load
