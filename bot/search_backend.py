"""Which engine serves search: the embedded index, or OpenSearch when a URL is set."""

from __future__ import annotations

from pathlib import Path

from index import SearchIndex

from .settings import Settings


def open_index(settings: Settings, data_dir: Path | None = None) -> SearchIndex:
    """The archive's index, ranked by OpenSearch when NEWSBOT_OPENSEARCH_URL is set."""
    data_dir = data_dir or settings.data_dir
    if not settings.opensearch_url:
        return SearchIndex.open(data_dir)
    # imported here: the embedded backend never loads the OpenSearch client
    from opensearchpy.exceptions import ConnectionError as Unreachable

    from storage.opensearch import OpenSearchStage, SearchUnavailable

    stage = OpenSearchStage(settings.opensearch_url, settings.opensearch_index)
    try:
        return SearchIndex.open(data_dir, first_stage=stage)
    except Unreachable as error:
        stage.close()
        raise SearchUnavailable(
            f"cannot reach OpenSearch at {settings.opensearch_url} ({error.error}):"
            " start it, or fix NEWSBOT_OPENSEARCH_URL"
        ) from error
