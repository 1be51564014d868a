"""The SQLite layer every store opens: migrations in order, transactions all or nothing."""

import pytest

from storage import Database, SchemaError, contract

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS t (a INTEGER);
"""


def test_a_new_database_starts_at_the_latest_version_and_runs_no_migration(tmp_path):
    ran = []
    db = Database(tmp_path / "x.db")
    assert db.schema(SCHEMA, "v", [lambda c: ran.append(2), lambda c: ran.append(3)]) == 3
    assert ran == []
    assert db.one("SELECT value FROM meta WHERE key='v'") == ("3",)
    assert db.one("PRAGMA journal_mode") == ("wal",)
    db.close()


def test_an_older_database_runs_the_missing_migrations_in_order(tmp_path):
    db = Database(tmp_path / "x.db")
    db.schema(SCHEMA, "v")
    db.execute("INSERT INTO t VALUES (1)")
    db.close()
    ran = []

    def add_b(c):
        ran.append("b")
        c.execute("ALTER TABLE t ADD COLUMN b TEXT")

    def fill_b(c):
        ran.append("fill")
        c.execute("UPDATE t SET b = 'x'")

    db = Database(tmp_path / "x.db")
    assert db.schema(SCHEMA, "v", [add_b, fill_b]) == 3
    assert ran == ["b", "fill"]
    assert db.rows("SELECT a, b FROM t") == [(1, "x")]
    db.close()


def test_a_failed_migration_leaves_the_old_version_whole(tmp_path):
    db = Database(tmp_path / "x.db")
    db.schema(SCHEMA, "v")
    db.close()

    def broken(c):
        c.execute("ALTER TABLE t ADD COLUMN b TEXT")
        raise RuntimeError("disk full")

    db = Database(tmp_path / "x.db")
    with pytest.raises(RuntimeError, match="disk full"):
        db.schema(SCHEMA, "v", [broken])
    assert db.one("SELECT value FROM meta WHERE key='v'") == ("1",)
    assert [r[1] for r in db.rows("PRAGMA table_info(t)")] == ["a"]
    db.close()


def test_a_newer_database_that_only_grew_is_opened_by_older_code(tmp_path):
    db = Database(tmp_path / "x.db")
    db.schema(SCHEMA, "v", [lambda c: c.execute("ALTER TABLE t ADD COLUMN b TEXT")])
    db.close()
    db = Database(tmp_path / "x.db")  # an older replica, during a rolling upgrade
    assert db.schema(SCHEMA, "v") == 2
    db.close()


def test_a_newer_database_that_contracted_is_refused_saying_what_to_do(tmp_path):
    db = Database(tmp_path / "x.db")
    db.schema(SCHEMA, "v", [lambda c: None, contract(lambda c: None)])
    db.close()
    db = Database(tmp_path / "x.db")
    for older in ([lambda c: None], []):  # code of schema 2, then of schema 1
        with pytest.raises(SchemaError, match="schema is 3.*needs code of schema 3") as e:
            db.schema(SCHEMA, "v", older)
        assert f"knows {len(older) + 1}. Install the version the other processes run" in str(
            e.value
        )
    db.close()


def test_a_transaction_is_all_or_nothing(tmp_path):
    db = Database(tmp_path / "x.db")
    db.schema(SCHEMA, "v")
    with pytest.raises(KeyError):
        with db.transaction() as c:
            c.execute("INSERT INTO t VALUES (1)")
            raise KeyError("stop")
    with db.transaction() as c:
        c.execute("INSERT INTO t VALUES (2)")
    assert db.rows("SELECT a FROM t") == [(2,)]
    db.close()
