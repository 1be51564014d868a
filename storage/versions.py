"""Schema versions: the one routine both databases bring an older schema up to date with.

A store's schema with n migrations is version n + 1, kept in the table meta(key, value)
under the store's key. A new database is recorded at the latest version; an older one runs
the migrations it lacks, in order, inside the caller's transaction; a newer one is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .errors import SchemaError

__all__ = ["Migration", "check_newer", "contract", "oldest_reader", "upgrade", "version_of"]

# brings a database from version n to n + 1, inside the upgrading transaction; it gets the
# transaction's connection (sqlite3.Connection, or postgres.Connection: the same `?` SQL)
Migration = Callable[[Any], None]


def version_of(db: Any, key: str) -> int | None:
    """The recorded version of a store's schema, or None for a new database."""
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return None if row is None else int(row[0])


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


def upgrade(db: Any, key: str, migrations: Sequence[Migration], where: str) -> int:
    """Record or bring up to date a schema's version inside db's transaction; the version.

    A newer schema that only expanded since this code's is left as it is (an older replica
    during a rolling upgrade); one contracted past it is refused, saying what to do.
    """
    version = len(migrations) + 1
    found = version_of(db, key)
    oldest = str(oldest_reader(migrations))
    if found is None:
        db.execute("INSERT INTO meta VALUES (?, ?)", (key, str(version)))
        _record_oldest(db, key, oldest)
        return version
    if found > version:
        check_newer(found, version, version_of(db, f"{key}:oldest"), key, where)
        return found
    for migrate in migrations[found - 1 :]:
        migrate(db)
    if found < version:
        db.execute("UPDATE meta SET value=? WHERE key=?", (str(version), key))
        _record_oldest(db, key, oldest)
    return version


def _record_oldest(db: Any, key: str, oldest: str) -> None:
    db.execute(
        "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (f"{key}:oldest", oldest),
    )
