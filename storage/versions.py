"""Schema versions: the one routine both databases bring an older schema up to date with.

A store's schema with n migrations is version n + 1, kept in the table meta(key, value)
under the store's key. A new database is recorded at the latest version; an older one runs
the migrations it lacks, in order, inside the caller's transaction; a newer one is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .errors import SchemaError

__all__ = ["Migration", "upgrade", "version_of"]

# brings a database from version n to n + 1, inside the upgrading transaction; it gets the
# transaction's connection (sqlite3.Connection, or postgres.Connection: the same `?` SQL)
Migration = Callable[[Any], None]


def version_of(db: Any, key: str) -> int | None:
    """The recorded version of a store's schema, or None for a new database."""
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return None if row is None else int(row[0])


def upgrade(db: Any, key: str, migrations: Sequence[Migration], where: str) -> int:
    """Record or bring up to date a schema's version inside db's transaction; the version."""
    version = len(migrations) + 1
    found = version_of(db, key)
    if found is None:
        db.execute("INSERT INTO meta VALUES (?, ?)", (key, str(version)))
        return version
    if found > version:
        raise SchemaError(f"database schema {found} is not {version}: {where}")
    for migrate in migrations[found - 1 :]:
        migrate(db)
    if found < version:
        db.execute("UPDATE meta SET value=? WHERE key=?", (str(version), key))
    return version
