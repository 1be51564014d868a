import sys
from pathlib import Path

sys.path.append(
    str(Path(__file__).parent)
)  # appended: tests/index must not shadow the index package

import pytest  # noqa: E402

from index.search import SearchIndex  # noqa: E402


@pytest.fixture(scope="session")
def opensearch_url(tmp_path_factory):
    """A one-node OpenSearch 2.19 cluster on loopback for the session, started on first use.

    The first run builds the launcher with Maven (tests/opensearch_node.py); the node stops
    when the session ends, or when this process dies (its stdin closes).
    """
    from opensearch_node import OpenSearchNode

    node = OpenSearchNode(tmp_path_factory.mktemp("opensearch")).start()
    try:
        yield node.url
    finally:
        node.stop()


@pytest.fixture(params=["embedded", "opensearch"])
def backend(request):
    """Which engine ranks: the embedded one, or a real OpenSearch node (one per session)."""
    return request.param


@pytest.fixture
def open_index(backend, request):
    """SearchIndex.open for the backend under test; one OpenSearch index per data folder."""
    url = request.getfixturevalue("opensearch_url") if backend == "opensearch" else None
    names: dict[Path, str] = {}

    def open_(path, **kw) -> SearchIndex:
        if url is None:
            return SearchIndex.open(path, **kw)
        from opensearch_node import fresh_index_name

        from storage.opensearch import OpenSearchStage

        name = names.setdefault(Path(path).resolve(), fresh_index_name())
        return SearchIndex.open(path, first_stage=OpenSearchStage(url, name), **kw)

    yield open_
    if url is not None and names:
        from opensearchpy import OpenSearch

        client = OpenSearch(url)
        client.indices.delete(index=",".join(names.values()), ignore_unavailable=True)
        client.close()
