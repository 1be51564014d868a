"""What chats follow: their topics and how they get articles (bot.db or PostgreSQL).

The outbox of articles owed to them is Outbox's (outbox_store.py), in the same tables
(subscription_tables.py); dropping or moving a chat takes its rows along in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from storage import Database, lock_key

from .outbox_store import drop_rows, matched_up_to, move_rows
from .stores import ChatInfo, Followed, FollowError, Target
from .subscription_tables import open_tables

__all__ = ["MATCH_LOCK", "MAX_TOPICS", "SubscriptionStore"]

MAX_TOPICS = 20  # per chat: each topic costs matching work for every new article
MATCH_LOCK = "newsbot match"  # the advisory lock of matching (one replica at a time)

_CHAT = "chat_id, kind, language, digest_hour, digest_day, failures, paused_until"
_TOPIC = "id, chat_id, thread_id, text, signature, after_position"


# ---- the database ------------------------------------------------------------------------


class SubscriptionStore:
    """Chats and the topics they follow; blocking, safe to share between threads."""

    def __init__(self, target: Path | str | Database):
        # a path: bot.db; a postgresql:// URL: the database replicas share; an open one: lent
        self.database = open_tables(target)
        self.path = self.database.path
        self.shared = self.database.dialect == "postgres"

    @classmethod
    def open(cls, data_dir: Path | str, url: str | Database | None = None) -> SubscriptionStore:
        """Open (or create) the tables in data_dir/bot.db, or at a PostgreSQL URL."""
        return cls(url or Path(data_dir) / "bot.db")

    def close(self) -> None:
        """Release the database."""
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
                after_position = max(after_position, matched_up_to(db) or 0)
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

    def drop(self, chat_id: int) -> list[int]:
        """Forget a chat's topics and mark what it was owed dropped; returns the topic ids."""
        with self._write() as db:
            rows = db.execute("SELECT id FROM topics WHERE chat_id=?", (chat_id,)).fetchall()
            ids = [r[0] for r in rows]
            db.execute("DELETE FROM topics WHERE chat_id=?", (chat_id,))
            drop_rows(db, chat_id)
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
            move_rows(db, old, new)
        return dupes
