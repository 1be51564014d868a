"""The one way a store opens SQLite: WAL, one lock, transactions, a versioned schema."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import sqlite_errors
from .versions import Migration, upgrade, version_of

__all__ = ["Database"]


class Database:
    """One SQLite connection shared between threads, in WAL mode, with ordered migrations.

    sqlite3's errors leave it as storage.DatabaseError (storage/errors.py).
    """

    dialect = "sqlite"

    def __init__(self, path: Path | str, timeout: float = 30.0, read_only: bool = False):
        self.path = Path(path)
        self.lock = threading.RLock()
        with sqlite_errors():
            if read_only:  # `newsbot check`: look, never create or change
                target = f"file:{self.path}?mode=ro"
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                target = str(self.path)
            # isolation_level=None: transactions are explicit (transaction()), never implied
            self.connection = sqlite3.connect(
                target,
                check_same_thread=False,
                isolation_level=None,
                timeout=timeout,
                uri=read_only,
            )
            if not read_only:
                with self.lock:
                    # WAL: the bot keeps reading while `newsbot index` writes in another
                    # process; with NORMAL a killed process loses nothing, only a power cut
                    # the last commits
                    self.connection.execute("PRAGMA journal_mode=WAL")
                    self.connection.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the write lock from the first statement: all of the block or none of it."""
        with self.lock, sqlite_errors():
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
                self.connection.execute("COMMIT")
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise

    def execute(self, sql: str, args: Sequence = ()) -> sqlite3.Cursor:
        """Run one statement (outside a transaction it commits at once)."""
        with self.lock, sqlite_errors():
            return self.connection.execute(sql, args)

    def rows(self, sql: str, args: Sequence = ()) -> list[tuple]:
        """Every row of a query."""
        with self.lock, sqlite_errors():
            return self.connection.execute(sql, args).fetchall()

    def one(self, sql: str, args: Sequence = ()) -> tuple | None:
        """The first row of a query, or None."""
        with self.lock, sqlite_errors():
            return self.connection.execute(sql, args).fetchone()

    def quick_check(self) -> str:
        """SQLite's verdict on its own pages: "ok", or what is damaged."""
        (verdict,) = self.one("PRAGMA quick_check") or ("no verdict",)
        return verdict

    @contextmanager
    def advisory(self, name: str) -> Iterator[bool]:
        """Always True: an embedded database has one process (run.lock sees to it)."""
        yield True

    def schema(self, script: str, key: str, migrations: Sequence[Migration] = ()) -> int:
        """Create the tables, then bring an older schema up to date (versions.upgrade)."""
        with self.lock, sqlite_errors():
            self.connection.executescript(script)
            # the usual case, an up-to-date database, takes no write lock
            if version_of(self.connection, key) == len(migrations) + 1:
                return len(migrations) + 1
            with self.transaction() as db:
                return upgrade(db, key, migrations, str(self.path))
