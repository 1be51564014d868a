"""Operator messages to every chat: their texts, queued in the delivery outbox (bot.db).

A broadcast is one row in `broadcasts` and one outbox row per chat whose article id is
`broadcast:<n>`: the sender sends it like an article (marked 'sending' before, 'sent'
after, paced and under the same rate limits), so a crash neither loses nor doubles it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from storage import Database

from .outbox_store import owe_every_chat
from .subscription_tables import open_tables

__all__ = ["MAX_BROADCAST", "PREFIX", "Broadcasts"]

PREFIX = "broadcast:"
MAX_BROADCAST = 3500  # UTF-16 units, as Telegram counts: room under its 4096

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS broadcasts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    author INTEGER NOT NULL,
    created_at REAL NOT NULL
);
"""


class Broadcasts:
    """Broadcast texts and their outbox rows; blocking, safe to share between threads."""

    def __init__(self, target: Path | str | Database):
        # the same file (or PostgreSQL database) as the outbox: one transaction writes the
        # text and every chat's row
        self.database = open_tables(target)
        self.path = self.database.path
        self.database.schema(_SCHEMA, "broadcasts_version")

    @classmethod
    def open(cls, data_dir: Path | str, url: str | Database | None = None) -> Broadcasts:
        """Open (or create) the broadcasts in data_dir/bot.db, or at a PostgreSQL URL."""
        return cls(url or Path(data_dir) / "bot.db")

    def close(self) -> None:
        """Release the database."""
        self.database.close()

    def recipients(self) -> list[tuple[int, str]]:
        """Every chat known to the bot: those that talked to it and those that follow topics."""
        rows = self.database.rows(
            "SELECT chat_id, kind FROM chats_seen UNION SELECT chat_id, kind FROM chats"
        )
        return sorted(dict(rows).items())

    def enqueue(
        self, text: str, author: int, chats: Iterable[tuple[int, str]], now: float | None = None
    ) -> int:
        """Queue a message for chats, at once; returns how many chats it goes to."""
        now = time.time() if now is None else now
        chats = list(chats)
        with self.database.transaction() as db:
            (number,) = db.execute(
                "INSERT INTO broadcasts (text, author, created_at) VALUES (?, ?, ?) RETURNING id",
                (text, author, now),
            ).fetchone()
            owe_every_chat(db, chats, f"{PREFIX}{number}", now)
        return len(chats)

    def text(self, article_id: str) -> str | None:
        """The text behind an outbox row's `broadcast:<n>`, or None."""
        number = article_id.removeprefix(PREFIX)
        if not number.isdigit():
            return None
        row = self.database.one("SELECT text FROM broadcasts WHERE id = ?", (int(number),))
        return row[0] if row else None
