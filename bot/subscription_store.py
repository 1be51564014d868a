"""The tables of chats, their topics and the outbox (see subscriptions.py): bot.db or PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from storage import Database, lock_key, open_database

from .outbox_store import OutboxTables
from .stores import ChatInfo, Followed, FollowError, Target

MAX_TOPICS = 20  # per chat: each topic costs matching work for every new article
MATCH_LOCK = "newsbot match"  # the advisory lock of matching (one replica at a time)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chats (
    chat_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                   -- private, group, supergroup, channel
    language TEXT NOT NULL DEFAULT 'vi',
    digest_hour INTEGER,                  -- NULL: every article at once
    digest_day TEXT,                      -- local date of the last digest
    failures INTEGER NOT NULL DEFAULT 0,  -- Forbidden in a row
    paused_until REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL DEFAULT 0, -- forum topic of a supergroup, 0 for none
    text TEXT NOT NULL,
    signature TEXT NOT NULL,
    after_position INTEGER NOT NULL,      -- the index's cursor when followed: later is new
    created_at REAL NOT NULL,
    UNIQUE (chat_id, thread_id, signature)
);
CREATE INDEX IF NOT EXISTS topics_chat ON topics (chat_id, id);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL DEFAULT 0,
    article_id TEXT NOT NULL,
    position INTEGER NOT NULL,            -- the article's cursor in the index (articles_since)
    topic TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    sent_at REAL,
    claimed_by INTEGER,                   -- the process sending it (PostgreSQL replicas)
    UNIQUE (chat_id, article_id)
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (state, chat_id, id);
"""


def _cursor_columns(db) -> None:
    """Version 2: the index's cursors are positions to the bot, not the index's docnos."""
    db.execute("ALTER TABLE topics RENAME COLUMN after_docno TO after_position")
    db.execute("ALTER TABLE deliveries RENAME COLUMN docno TO position")


def _claims(db) -> None:
    """Version 3: who claimed a row in flight (replicas share the outbox on PostgreSQL)."""
    db.execute("ALTER TABLE deliveries ADD COLUMN claimed_by BIGINT")


MIGRATIONS = (_cursor_columns, _claims)

_CHAT = "chat_id, kind, language, digest_hour, digest_day, failures, paused_until"
_TOPIC = "id, chat_id, thread_id, text, signature, after_position"


# ---- the database ------------------------------------------------------------------------


class SubscriptionStore(OutboxTables):
    """Chats, their topics and the outbox; blocking, safe to share between threads."""

    def __init__(self, target: Path | str):
        # a path: bot.db; a postgresql:// URL: the database replicas share
        self.database = open_database(target)
        self.path = self.database.path
        self.database.schema(_SCHEMA, "subscriptions_version", MIGRATIONS)
        self._start_outbox()

    @classmethod
    def open(cls, data_dir: Path | str, url: str | Database | None = None) -> SubscriptionStore:
        """Open (or create) the tables in data_dir/bot.db, or at a PostgreSQL URL."""
        return cls(url or Path(data_dir) / "bot.db")

    def close(self) -> None:
        """Release the database."""
        self._stop_outbox()
        self.database.close()

    def _write(self) -> AbstractContextManager:
        return self.database.transaction()

    def _rows(self, sql: str, args: Sequence = ()) -> list[tuple]:
        return self.database.rows(sql, args)

    # ---- chats and topics

    def follow(
        self,
        target: Target,
        language: str,
        text: str,
        signature: str,
        after_position: int,
        now: float | None = None,
    ) -> Followed:
        """File a topic for a chat; FollowError when it is already there or the chat is full."""
        now = time.time() if now is None else now
        with self._write() as db:
            if self.shared:
                # not while a replica matches without this topic: wait for it, then start
                # at its cursor, so the next match (with the topic filed) misses nothing
                db.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(MATCH_LOCK),))
                row = db.execute("SELECT value FROM meta WHERE key='cursor'").fetchone()
                after_position = max(after_position, int(row[0]) if row else 0)
            same = db.execute(
                f"SELECT {_TOPIC} FROM topics WHERE chat_id=? AND thread_id=? AND signature=?",
                (target.chat_id, target.thread_id, signature),
            ).fetchone()
            if same:
                raise FollowError("duplicate", Followed(*same))
            (count,) = db.execute(
                "SELECT count(*) FROM topics WHERE chat_id=?", (target.chat_id,)
            ).fetchone()
            if count >= MAX_TOPICS:
                raise FollowError("too_many")
            # a chat that asks again is alive: whatever failed before is forgiven
            db.execute(
                "INSERT INTO chats (chat_id, kind, language) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET kind=excluded.kind,"
                " language=excluded.language, failures=0, paused_until=0",
                (target.chat_id, target.kind, language),
            )
            (topic_id,) = db.execute(
                "INSERT INTO topics (chat_id, thread_id, text, signature, after_position, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (target.chat_id, target.thread_id, text, signature, after_position, now),
            ).fetchone()
            return Followed(
                topic_id, target.chat_id, target.thread_id, text, signature, after_position
            )

    def topics(self, chat_id: int | None = None) -> list[Followed]:
        """A chat's topics in the order they were followed (every chat's without chat_id)."""
        if chat_id is None:
            rows = self._rows(f"SELECT {_TOPIC} FROM topics ORDER BY id")
        else:
            rows = self._rows(
                f"SELECT {_TOPIC} FROM topics WHERE chat_id=? ORDER BY id", (chat_id,)
            )
        return [Followed(*r) for r in rows]

    def resign(self, topic_id: int, signature: str) -> None:
        """Give a stored topic today's signature (a clash with another keeps the old one)."""
        with self._write() as db:
            db.execute(
                "UPDATE topics SET signature=? WHERE id=? AND NOT EXISTS (SELECT 1 FROM topics t"
                " WHERE t.chat_id=topics.chat_id AND t.thread_id=topics.thread_id"
                " AND t.signature=?)",
                (signature, topic_id, signature),
            )

    def unfollow(self, ids: Iterable[int]) -> list[Followed]:
        """Forget topics by id; returns those that were there."""
        ids = list(ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        with self._write() as db:
            gone = db.execute(f"SELECT {_TOPIC} FROM topics WHERE id IN ({marks})", ids).fetchall()
            db.execute(f"DELETE FROM topics WHERE id IN ({marks})", ids)
        return [Followed(*r) for r in gone]

    def chat(self, chat_id: int) -> ChatInfo | None:
        """How a chat gets its articles, or None when it follows nothing yet."""
        rows = self._rows(f"SELECT {_CHAT} FROM chats WHERE chat_id=?", (chat_id,))
        return ChatInfo(*rows[0]) if rows else None

    def set_digest(
        self, target: Target, language: str, hour: int | None, done_today: str | None
    ) -> None:
        """Daily digest at an hour (None: at once); done_today skips a digest whose hour passed."""
        with self._write() as db:
            db.execute(
                "INSERT INTO chats (chat_id, kind, language) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id) DO NOTHING",
                (target.chat_id, target.kind, language),
            )
            db.execute(
                "UPDATE chats SET digest_hour=?, digest_day=? WHERE chat_id=?",
                (hour, done_today, target.chat_id),
            )

    def digest_done(self, chat_id: int, day: str) -> None:
        """The chat had its digest of this local day."""
        with self._write() as db:
            db.execute("UPDATE chats SET digest_day=? WHERE chat_id=?", (day, chat_id))

    def refused(self, chat_id: int, pause: float, now: float | None = None) -> int:
        """Count a Forbidden: the chat waits failures x pause seconds; returns its failures."""
        now = time.time() if now is None else now
        with self._write() as db:
            row = db.execute("SELECT failures FROM chats WHERE chat_id=?", (chat_id,)).fetchone()
            failures = (row[0] if row else 0) + 1
            db.execute(
                "UPDATE chats SET failures=?, paused_until=? WHERE chat_id=?",
                (failures, now + pause * failures, chat_id),
            )
        return failures

    def drop(self, chat_id: int) -> list[int]:
        """Forget a chat's topics and mark what it was owed dropped; returns the topic ids."""
        with self._write() as db:
            rows = db.execute("SELECT id FROM topics WHERE chat_id=?", (chat_id,)).fetchall()
            ids = [r[0] for r in rows]
            db.execute("DELETE FROM topics WHERE chat_id=?", (chat_id,))
            db.execute(
                "UPDATE deliveries SET state='dropped' WHERE chat_id=?"
                " AND state IN ('pending', 'sending')",
                (chat_id,),
            )
            db.execute("DELETE FROM chats WHERE chat_id=?", (chat_id,))
        return ids

    def move(self, old: int, new: int) -> list[int]:
        """A group became a supergroup: its topics and rows go to the new id.

        Returns topic ids dropped as duplicates of topics the new chat already had. Rows
        that were 'sending' are pending again: the new chat has not had them.
        """
        with self._write() as db:
            known = db.execute("SELECT 1 FROM chats WHERE chat_id=?", (new,)).fetchone()
            if known:
                db.execute("DELETE FROM chats WHERE chat_id=?", (old,))
            else:
                db.execute(
                    "UPDATE chats SET chat_id=?, kind='supergroup', failures=0, paused_until=0"
                    " WHERE chat_id=?",
                    (new, old),
                )
            # a topic the new chat already has stays behind, and is dropped as a duplicate
            db.execute(
                "UPDATE topics SET chat_id=? WHERE chat_id=? AND NOT EXISTS (SELECT 1 FROM topics t"
                " WHERE t.chat_id=? AND t.thread_id=topics.thread_id"
                " AND t.signature=topics.signature)",
                (new, old, new),
            )
            dupes = [
                r[0] for r in db.execute("SELECT id FROM topics WHERE chat_id=?", (old,)).fetchall()
            ]
            db.execute("DELETE FROM topics WHERE chat_id=?", (old,))
            db.execute(
                "UPDATE deliveries SET chat_id=? WHERE chat_id=? AND NOT EXISTS (SELECT 1"
                " FROM deliveries e WHERE e.chat_id=? AND e.article_id=deliveries.article_id)",
                (new, old, new),
            )
            db.execute("DELETE FROM deliveries WHERE chat_id=?", (old,))
            db.execute(
                "UPDATE deliveries SET state='pending', claimed_by=NULL"
                " WHERE chat_id=? AND state='sending'",
                (new,),
            )
        return dupes
