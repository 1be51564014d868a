"""The failures of both databases, one hierarchy whatever the driver said.

sqlite.Database and postgres.Database translate their driver's errors at the seam (the
original stays as ``__cause__``), so the stores' callers catch these and never import
sqlite3 or psycopg::

    RuntimeError
     └── DatabaseError          the database refused or failed a request
          ├── DatabaseUnavailable   transient: no connection, the pool's wait ran out,
          │                         the server restarting, SQLite locked past its timeout;
          │                         the same request may succeed later
          └── SchemaError           permanent: written by a newer version of newsbot

Errors in the caller's own SQL (a bad statement, a broken constraint) are DatabaseErrors
too: a bug or damaged data, which retrying does not mend.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["DatabaseError", "DatabaseUnavailable", "SchemaError", "sqlite_errors"]


class DatabaseError(RuntimeError):
    """The database refused or failed a request (its driver's error is the cause)."""


class DatabaseUnavailable(DatabaseError):
    """The database cannot be reached now (connection, pool timeout, lock): try again later."""


class SchemaError(DatabaseError):
    """The database was written by a newer version of newsbot."""


# SQLite's words for "another connection holds the lock": the same request may pass later
_BUSY = ("database is locked", "database table is locked", "database is busy")


@contextmanager
def sqlite_errors() -> Iterator[None]:
    """Raise sqlite3's errors of the block as DatabaseError (DatabaseUnavailable when busy)."""
    try:
        yield
    except sqlite3.Error as error:
        message = str(error) or type(error).__name__
        if isinstance(error, sqlite3.OperationalError) and message.startswith(_BUSY):
            raise DatabaseUnavailable(message) from error
        raise DatabaseError(message) from error
