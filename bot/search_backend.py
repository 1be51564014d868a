"""Which engine serves search: the embedded index, or OpenSearch when a URL is set."""

from __future__ import annotations

from pathlib import Path

from index import SearchIndex

from .settings import Settings


def open_index(settings: Settings, data_dir: Path | None = None) -> SearchIndex:
    """The archive's index, ranked by OpenSearch when NEWSBOT_OPENSEARCH_URL is set."""
    stage = None
    if settings.opensearch_url:
        # imported here: the embedded backend never loads the OpenSearch client
        from storage.opensearch import OpenSearchStage

        stage = OpenSearchStage(settings.opensearch_url, settings.opensearch_index)
    return SearchIndex.open(data_dir or settings.data_dir, first_stage=stage)
