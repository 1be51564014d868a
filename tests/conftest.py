import sys
from pathlib import Path

import pytest

sys.path.append(
    str(Path(__file__).parent)
)  # appended: tests/index must not shadow the index package

from servers.postgres import PostgresServer  # noqa: E402


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
