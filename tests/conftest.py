import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.append(
    str(Path(__file__).parent)
)  # appended: tests/index must not shadow the index package

from backend_kit import BACKENDS, Backend  # noqa: E402
from servers.postgres import PostgresServer  # noqa: E402

from index.search import SearchIndex  # noqa: E402


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL cluster for the session (tests/servers/postgres.py)."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server):
    """The postgresql:// URL of a new, empty database of its own for one test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
def database_target(request, tmp_path):
    """Where a store keeps its tables: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        return tmp_path / "state.db"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def opensearch_node(tmp_path_factory):
    """A one-node OpenSearch 2.19 cluster on loopback for the session, started on first use.

    The first run builds the launcher with Maven (tests/opensearch_node.py); the node stops
    when the session ends, or when this process dies (its stdin closes).
    """
    from opensearch_node import OpenSearchNode

    node = OpenSearchNode(tmp_path_factory.mktemp("opensearch")).start()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def opensearch_url(opensearch_node):
    """The URL of the session's OpenSearch node."""
    return opensearch_node.url


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

        from search_backends.opensearch import OpenSearchStage

        name = names.setdefault(Path(path).resolve(), fresh_index_name())
        return SearchIndex.open(path, first_stage=OpenSearchStage(url, name), **kw)

    yield open_
    if url is not None and names:
        from opensearchpy import OpenSearch

        client = OpenSearch(url)
        client.indices.delete(index=",".join(names.values()), ignore_unavailable=True)
        client.close()


@pytest.fixture(scope="module", params=BACKENDS)
def backend_name(request) -> str:
    """The backend of an end-to-end module's bots: its tests run once on each."""
    return request.param


@contextmanager
def _backend(name: str, request) -> Iterator[Backend]:
    """The embedded backend, or a new PostgreSQL database and OpenSearch index, dropped after."""
    if name == "embedded":
        yield Backend(name)
        return
    from opensearch_node import fresh_index_name
    from opensearchpy import OpenSearch

    server = request.getfixturevalue("postgres_server")  # one cluster and one node per session
    search = request.getfixturevalue("opensearch_url")
    url, index = server.create_database(), fresh_index_name()
    try:
        yield Backend(name, url, search, index)
    finally:
        server.drop_database(url)
        client = OpenSearch(search)
        client.indices.delete(index=index, ignore_unavailable=True)
        client.close()


@pytest.fixture(scope="module")
def backend_env(backend_name, request) -> Iterator[Backend]:
    """The backend of a module's bot (backend_kit.Backend: its .env, and its state to check)."""
    with _backend(backend_name, request) as backend:
        yield backend


@pytest.fixture
def own_backend(backend_name, request) -> Iterator[Backend]:
    """A backend of one test's own, apart from the module's bot (a database of its own)."""
    with _backend(backend_name, request) as backend:
        yield backend


@pytest.fixture(autouse=True)
def lexical_unless_a_test_asks(monkeypatch):
    """NEWSBOT_SEMANTIC=off for the processes and settings a test makes: the encoder costs
    seconds a process on shared cores. tests/embed and tests/app/test_cli_embed.py load it."""
    monkeypatch.setenv("NEWSBOT_SEMANTIC", "off")
