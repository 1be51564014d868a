"""Questions that a backend outage left unanswered, kept on the local disk until it is over.

A small SQLite file in the data folder (never PostgreSQL: it is what may be down). Each
update is kept once under its update_id, oldest first; it leaves when it has been answered.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from storage import Database

__all__ = ["MAX_SPOOLED", "Spool"]

MAX_SPOOLED = 10_000  # a day-long outage of a busy bot; past it the oldest are dropped

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS spooled (
    update_id INTEGER PRIMARY KEY,
    payload TEXT NOT NULL,
    noticed INTEGER NOT NULL DEFAULT 0,
    added REAL NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0
);
"""


class Spool:
    """The updates to process again once the backends answer: add(), due(), done()."""

    def __init__(self, path: Path):
        self.database = Database(path)
        self.database.schema(_SCHEMA, "spool_version")

    @classmethod
    def open(cls, data_dir: Path) -> Spool:
        """The spool of a data folder (spool.db)."""
        return cls(Path(data_dir) / "spool.db")

    def close(self) -> None:
        """Close the file."""
        self.database.close()

    def add(self, update_id: int, payload: dict, noticed: bool) -> None:
        """Keep an update (again: its tries count up, its notice is remembered)."""
        with self.database.transaction() as db:
            db.execute(
                "INSERT INTO spooled (update_id, payload, noticed, added) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (update_id) DO UPDATE SET tries = tries + 1,"
                " noticed = max(noticed, excluded.noticed)",
                (update_id, json.dumps(payload), int(noticed), time.time()),
            )
            (count,) = db.execute("SELECT count(*) FROM spooled").fetchone()
            if count > MAX_SPOOLED:
                db.execute(
                    "DELETE FROM spooled WHERE update_id IN"
                    " (SELECT update_id FROM spooled ORDER BY added LIMIT ?)",
                    (count - MAX_SPOOLED,),
                )

    def due(self, limit: int = 50) -> list[tuple[int, dict, bool]]:
        """The oldest kept updates: (update_id, payload, noticed)."""
        rows = self.database.rows(
            "SELECT update_id, payload, noticed FROM spooled ORDER BY added, update_id LIMIT ?",
            (limit,),
        )
        return [(uid, json.loads(payload), bool(noticed)) for uid, payload, noticed in rows]

    def done(self, update_id: int) -> None:
        """An update answered: it leaves the spool."""
        self.database.execute("DELETE FROM spooled WHERE update_id=?", (update_id,))

    def holds(self, update_id: int) -> bool:
        """Whether this update is kept."""
        return (
            self.database.one("SELECT 1 FROM spooled WHERE update_id=?", (update_id,)) is not None
        )

    def __len__(self) -> int:
        (count,) = self.database.one("SELECT count(*) FROM spooled")
        return count
