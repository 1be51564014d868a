"""The one way a store opens SQLite: WAL, one lock, transactions, a versioned schema."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

# brings a database from version n to n + 1, inside the opening transaction
Migration = Callable[[sqlite3.Connection], None]


class SchemaError(RuntimeError):
    """The database was written by a newer version of newsbot that this one cannot work with."""


def contract(migrate: Migration) -> Migration:
    """Mark a migration that removes or changes what older code uses (a contraction).

    Migrations are expansions by default (a new table, a new column with a default): code
    one schema older keeps working on the result, so replicas can be upgraded one at a time.
    A contraction raises the oldest schema that can open the database to its own version.
    """
    migrate.contracts = True  # type: ignore[attr-defined]
    return migrate


def oldest_reader(migrations: Sequence[Migration]) -> int:
    """The oldest schema version whose code works on the latest one (see contract)."""
    last = [n + 2 for n, m in enumerate(migrations) if getattr(m, "contracts", False)]
    return last[-1] if last else 1


def check_newer(found: int, version: int, oldest: int | None, key: str, where: str) -> None:
    """Refuse a database whose schema is newer than this code and contracted past it."""
    if oldest is not None and oldest <= version:
        return  # only expanded since this code's schema: an older replica works on it
    raise SchemaError(
        f"{where}: its {key} schema is {found}, written by a newer newsbot, and needs code of"
        f" schema {oldest or found} or later; this newsbot knows {version}. Install the"
        " version the other processes run (pip install -U, or the new image) and start this"
        " one again (docs/operations.md, Upgrades)"
    )


class Database:
    """One SQLite connection shared between threads, in WAL mode, with ordered migrations."""

    dialect = "sqlite"

    def __init__(self, path: Path | str, timeout: float = 30.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        # isolation_level=None: transactions are explicit (transaction()), never implied
        self.connection = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=timeout
        )
        with self.lock:
            # WAL: the bot keeps reading while `newsbot index` writes in another process;
            # with NORMAL a killed process loses nothing, only a power cut the last commits
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the write lock from the first statement: all of the block or none of it."""
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
                self.connection.execute("COMMIT")
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise

    def execute(self, sql: str, args: Sequence = ()) -> sqlite3.Cursor:
        """Run one statement (outside a transaction it commits at once)."""
        with self.lock:
            return self.connection.execute(sql, args)

    def rows(self, sql: str, args: Sequence = ()) -> list[tuple]:
        """Every row of a query."""
        with self.lock:
            return self.connection.execute(sql, args).fetchall()

    def one(self, sql: str, args: Sequence = ()) -> tuple | None:
        """The first row of a query, or None."""
        with self.lock:
            return self.connection.execute(sql, args).fetchone()

    @contextmanager
    def advisory(self, name: str) -> Iterator[bool]:
        """Always True: an embedded database has one process (run.lock sees to it)."""
        yield True

    def schema(self, script: str, key: str, migrations: Sequence[Migration] = ()) -> int:
        """Create the tables, then bring an older schema up to date; returns the version.

        The version of a schema with n migrations is n + 1; it is kept in the table
        meta(key, value) under key. A new database is created at the latest version.
        """
        version = len(migrations) + 1
        with self.lock:
            self.connection.executescript(script)
            row = self.one("SELECT value FROM meta WHERE key=?", (key,))
            oldest = str(oldest_reader(migrations))
            if row is None:
                self.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, str(version)))
                self.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (f"{key}:oldest", oldest))
                return version
            found = int(row[0])
            if found > version:
                mark = self.one("SELECT value FROM meta WHERE key=?", (f"{key}:oldest",))
                check_newer(found, version, int(mark[0]) if mark else None, key, str(self.path))
                return found
            if found < version:
                with self.transaction() as db:
                    for migrate in migrations[found - 1 :]:
                        migrate(db)
                    db.execute("UPDATE meta SET value=? WHERE key=?", (str(version), key))
                    db.execute(
                        "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                        " SET value = excluded.value",
                        (f"{key}:oldest", oldest),
                    )
            return version
