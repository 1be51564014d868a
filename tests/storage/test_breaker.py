"""The PostgreSQL breaker: a stopped server fails calls at once, its return closes it."""

from __future__ import annotations

import time

import pytest
from servers.postgres import PostgresServer

from storage import DatabaseError, DatabaseUnavailable
from storage.breaker import Breaker, Unreachable
from storage.postgres import Database
from storage.unreachable import unreachable


def _eventually(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_stopped_server_opens_the_breaker_and_its_return_closes_it():
    with PostgresServer() as server:
        database = Database(server.create_database(), timeout=5)
        try:
            assert database.one("SELECT 1") == (1,)
            server.halt()
            with pytest.raises(DatabaseUnavailable) as found:
                database.one("SELECT 1")
            assert unreachable(found.value)
            _eventually(lambda: database.breaker.opened is not None)
            with pytest.raises(DatabaseUnavailable) as found:  # not tried: at once
                database.one("SELECT 1")
            assert isinstance(found.value.__cause__, Unreachable)
            server.resume()
            _eventually(lambda: database.breaker.opened is None)
            assert database.one("SELECT 1") == (1,)
        finally:
            database.close()


def test_a_failed_statement_is_no_outage(postgres_url):
    database = Database(postgres_url)
    try:
        with pytest.raises(DatabaseError) as found:
            database.one("SELECT * FROM no_such_table")
        assert not unreachable(found.value) and database.breaker.opened is None
    finally:
        database.close()


def test_a_busy_pool_opens_nothing_when_the_server_answers():
    from psycopg_pool import PoolTimeout

    pings = []
    breaker = Breaker("test", lambda: pings.append(1))
    breaker.trip(PoolTimeout("busy"))
    _eventually(lambda: pings and not breaker._pinging)
    assert breaker.opened is None
    breaker.check()  # closed: no error
