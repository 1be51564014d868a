"""One DatabaseError from both databases: damaged or refused is permanent, unreachable transient."""

import sqlite3
import threading

import pytest

from storage import (
    Database,
    DatabaseError,
    DatabaseUnavailable,
    Lent,
    SchemaError,
    contract,
    open_database,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS t (a INTEGER PRIMARY KEY);
"""


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path):
    target = (
        tmp_path / "x.db" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    )
    database = open_database(target)
    database.schema(SCHEMA, "v")
    yield database
    database.close()


def test_bad_sql_and_broken_constraints_are_database_errors_on_both(db):
    with pytest.raises(DatabaseError) as bad:
        db.rows("SELECT nothing FROM nowhere")
    assert not isinstance(bad.value, DatabaseUnavailable)
    assert bad.value.__cause__ is not None  # the driver's own error stays as the cause
    db.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(DatabaseError), db.transaction() as c:
        c.execute("INSERT INTO t VALUES (2)")
        c.execute("INSERT INTO t VALUES (1)")
    assert db.rows("SELECT a FROM t") == [(1,)]  # the whole transaction rolled back


def test_a_newer_schema_is_a_permanent_database_error(db):
    # contracted past the older code (storage.contract): an expansion alone is tolerated
    db.schema(SCHEMA, "w", [contract(lambda c: None)])
    with pytest.raises(SchemaError) as newer:
        db.schema(SCHEMA, "w")
    assert isinstance(newer.value, DatabaseError)
    assert not isinstance(newer.value, DatabaseUnavailable)


def test_sqlite_locked_past_its_timeout_is_unavailable(tmp_path):
    path = tmp_path / "x.db"
    holder = Database(path)
    holder.schema(SCHEMA, "v")
    waiter = Database(path, timeout=0.1)
    holding, done = threading.Event(), threading.Event()

    def hold():
        with holder.transaction() as c:  # BEGIN IMMEDIATE: the write lock from here
            c.execute("INSERT INTO t VALUES (1)")
            holding.set()
            done.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(10)
        with pytest.raises(DatabaseUnavailable) as locked:
            waiter.execute("INSERT INTO t VALUES (2)")
        assert isinstance(locked.value.__cause__, sqlite3.OperationalError)
    finally:
        done.set()
        thread.join()
        holder.close()
        waiter.close()


def test_a_damaged_sqlite_file_is_a_database_error(tmp_path):
    path = tmp_path / "x.db"
    path.write_bytes(b"not SQLite at all, " * 400)
    with pytest.raises(DatabaseError, match="not a database"):
        Database(path).schema(SCHEMA, "v")
    reader = Database(path, read_only=True)
    with pytest.raises(DatabaseError):
        reader.quick_check()
    reader.close()


def test_an_unreachable_postgres_is_unavailable():
    from storage.postgres import Database as PostgresDatabase

    # a port nothing listens on: the pool's first connection never comes
    with pytest.raises(DatabaseUnavailable):
        PostgresDatabase("postgresql://nobody@127.0.0.1:9/none", timeout=1).close()


def test_a_lent_database_stays_open_for_the_others(postgres_url):
    pool = open_database(postgres_url)
    lent = open_database(pool)
    assert isinstance(lent, Lent) and lent.owner is pool and lent.dialect == "postgres"
    lent.schema(SCHEMA, "v")
    lent.close()
    assert pool.one("SELECT count(*) FROM t") == (0,)  # still open
    pool.close()
    with pytest.raises(DatabaseUnavailable):  # the owner's close() closed it for everyone
        lent.one("SELECT 1")
