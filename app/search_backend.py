"""The search backend the settings name: the embedded index, or OpenSearch when a URL is set."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from index import SearchIndex
from search_backends import open_search_index, opensearch_loader

from .article_store import article_store
from .settings import Settings

if TYPE_CHECKING:
    from index import Store as ArticleStore
    from storage import Database

__all__ = ["open_index", "search_loader", "search_options"]


def open_index(
    settings: Settings,
    data_dir: Path | None = None,
    database: Database | None = None,
    semantic: bool = False,
    progress: TextIO | None = None,
) -> SearchIndex:
    """The archive's index, ranked by OpenSearch when NEWSBOT_OPENSEARCH_URL is set.

    Its articles are in PostgreSQL when NEWSBOT_DATABASE_URL is set (app/article_store.py),
    on the open database when one is given (app/backends.py lends its pool). semantic: load
    the encoder too (NEWSBOT_SEMANTIC), for what answers questions. progress: where a big
    OpenSearch load draws its bar (`newsbot index`).
    """
    store = article_store(database or settings.database)
    encoder = None
    if semantic and settings.semantic:
        from embed.encoder import load_encoder  # loads the model: only where it is used

        encoder = load_encoder(True)
    return open_search_index(
        data_dir or settings.data_dir,
        store,
        settings.opensearch_url,
        settings.opensearch_index,
        search_options(settings) | ({"progress": progress} if progress else {}),
        encoder=encoder,
    )


def search_loader(
    settings: Settings,
) -> Callable[[ArticleStore, Callable[[int], None]], int] | None:
    """`newsbot migrate`'s bulk load of OpenSearch from the copied terms, when its URL is set."""
    if not settings.opensearch_url:
        return None
    # a bulk load: longer requests than a reader's search
    options = search_options(settings) | {"timeout": max(60.0, settings.opensearch_timeout)}
    return opensearch_loader(settings.opensearch_url, settings.opensearch_index, options)


def search_options(settings: Settings) -> dict:
    """OpenSearchStage's keyword arguments from the settings: auth, CA, layout, timeout, pool."""
    password = settings.opensearch_password
    auth = None
    if settings.opensearch_user:
        auth = (settings.opensearch_user, password.get_secret_value() if password else "")
    return {
        "auth": auth,
        "ca": str(settings.opensearch_ca) if settings.opensearch_ca else None,
        "shards": settings.opensearch_shards,
        "replicas": settings.opensearch_replicas,
        "timeout": settings.opensearch_timeout,
        "pool": settings.opensearch_pool,
    }
