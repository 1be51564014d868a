"""SQLite tables of bot.db for chats, their topics and the outbox (see subscriptions.py)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from storage import Database

from .stores import Batch, ChatInfo, Delivery, Followed, FollowError, Target

MAX_TOPICS = 20  # per chat: each topic costs matching work for every new article

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
    UNIQUE (chat_id, article_id)
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (state, chat_id, id);
"""


def _cursor_columns(db: sqlite3.Connection) -> None:
    """Version 2: the index's cursors are positions to the bot, not the index's docnos."""
    db.execute("ALTER TABLE topics RENAME COLUMN after_docno TO after_position")
    db.execute("ALTER TABLE deliveries RENAME COLUMN docno TO position")


MIGRATIONS = (_cursor_columns,)

_DELIVERY = "id, chat_id, thread_id, article_id, position, topic"
_CHAT = "chat_id, kind, language, digest_hour, digest_day, failures, paused_until"
_TOPIC = "id, chat_id, thread_id, text, signature, after_position"


# ---- the database ------------------------------------------------------------------------


class SubscriptionStore:
    """Chats, their topics and the outbox in bot.db; blocking, safe to share between threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.database = Database(self.path)
        self._db, self._lock = self.database.connection, self.database.lock
        self.database.schema(_SCHEMA, "subscriptions_version", MIGRATIONS)

    @classmethod
    def open(cls, data_dir: Path | str) -> SubscriptionStore:
        """Open (or create) the tables in data_dir/bot.db."""
        return cls(Path(data_dir) / "bot.db")

    def close(self) -> None:
        """Release the database."""
        self.database.close()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
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
            cur = db.execute(
                "INSERT INTO topics (chat_id, thread_id, text, signature, after_position, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (target.chat_id, target.thread_id, text, signature, after_position, now),
            )
            return Followed(
                cur.lastrowid, target.chat_id, target.thread_id, text, signature, after_position
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
            db.execute("UPDATE OR IGNORE topics SET signature=? WHERE id=?", (signature, topic_id))

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

    # ---- the outbox

    def cursor(self) -> int | None:
        """The last position matched against the topics (None before the first match)."""
        rows = self._rows("SELECT value FROM meta WHERE key='cursor'")
        return int(rows[0][0]) if rows else None

    def set_cursor(self, position: int) -> None:
        """Move the cursor without matching (nothing follows anything)."""
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (str(position),))

    def enqueue(
        self,
        matched: Sequence[tuple[int, str, Iterable[int]]],
        cursor: int,
        now: float | None = None,
    ) -> int:
        """Write the rows of matched (position, article id, topic ids) and the cursor, at once.

        A chat gets an article once whatever number of its topics caught it (the first it
        followed names it), and never twice: not for an edit, not after a preview.
        """
        now = time.time() if now is None else now
        added = 0
        with self._write() as db:
            for position, article_id, topic_ids in matched:
                ids = sorted(topic_ids)
                if not ids:
                    continue
                marks = ",".join("?" * len(ids))
                chosen: dict[int, tuple[int, str]] = {}
                for chat_id, thread_id, text, after in db.execute(
                    f"SELECT chat_id, thread_id, text, after_position FROM topics"
                    f" WHERE id IN ({marks}) ORDER BY id",
                    ids,
                ):
                    if position > after:  # followed before the article arrived
                        chosen.setdefault(chat_id, (thread_id, text))
                for chat_id, (thread_id, text) in chosen.items():
                    cur = db.execute(
                        "INSERT OR IGNORE INTO deliveries"
                        " (chat_id, thread_id, article_id, position, topic, state, created_at)"
                        " VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                        (chat_id, thread_id, article_id, position, text, now),
                    )
                    added += cur.rowcount
            db.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (str(cursor),))
        return added

    def record_shown(
        self, target: Target, items: Iterable[tuple[int, str]], topic: str, now: float | None = None
    ) -> None:
        """Remember previewed (position, article id): the chat has seen them."""
        now = time.time() if now is None else now
        with self._write() as db:
            db.executemany(
                "INSERT OR IGNORE INTO deliveries"
                " (chat_id, thread_id, article_id, position, topic, state, created_at, sent_at)"
                " VALUES (?, ?, ?, ?, ?, 'shown', ?, ?)",
                [
                    (target.chat_id, target.thread_id, aid, position, topic, now, now)
                    for position, aid in items
                ],
            )

    def reset_sending(self) -> int:
        """After a restart: rows left 'sending' by a killed process go out again."""
        with self._write() as db:
            return db.execute(
                "UPDATE deliveries SET state='pending' WHERE state='sending'"
            ).rowcount

    def due(
        self, now: float, today: str, hour: int, chats: int = 500, skip: Iterable[int] = ()
    ) -> list[Batch]:
        """Pending rows of up to `chats` chats that may get messages now, oldest chats first.

        Instant chats are due when not paused; digest chats once a day, from their hour on.
        A digest chat with nothing pending at its hour has its day done all the same.
        """
        skip = list(skip)
        with self._write() as db:
            db.execute(
                "UPDATE chats SET digest_day=? WHERE digest_hour IS NOT NULL AND digest_hour<=?"
                " AND coalesce(digest_day, '')<>? AND NOT EXISTS (SELECT 1 FROM deliveries d"
                " WHERE d.chat_id=chats.chat_id AND d.state='pending')",
                (today, hour, today),
            )
        not_skipped = f"AND d.chat_id NOT IN ({','.join('?' * len(skip))})" if skip else ""
        head = self._rows(
            f"SELECT {', '.join('c.' + c for c in _CHAT.split(', '))}, min(d.id) AS first"
            " FROM deliveries d JOIN chats c ON c.chat_id=d.chat_id"
            " WHERE d.state='pending' AND c.paused_until<=?"
            " AND (c.digest_hour IS NULL OR (c.digest_hour<=? AND coalesce(c.digest_day, '')<>?))"
            f" {not_skipped} GROUP BY d.chat_id ORDER BY first LIMIT ?",
            (now, hour, today, *skip, chats),
        )
        if not head:
            return []
        infos = {r[0]: ChatInfo(*r[:-1]) for r in head}
        marks = ",".join("?" * len(infos))
        rows = self._rows(
            f"SELECT {_DELIVERY} FROM deliveries WHERE state='pending'"
            f" AND chat_id IN ({marks}) ORDER BY id",
            list(infos),
        )
        grouped: dict[tuple[int, int], list[Delivery]] = {}
        for row in rows:
            d = Delivery(*row)
            grouped.setdefault((d.chat_id, d.thread_id), []).append(d)
        batches = [
            Batch(infos[chat], thread, tuple(items), infos[chat].digest_hour is not None)
            for (chat, thread), items in grouped.items()
        ]
        return sorted(batches, key=lambda b: b.rows[0].id)

    def mark(self, ids: Iterable[int], state: str, now: float | None = None) -> None:
        """Move outbox rows to a state ('sent' also records when)."""
        ids = list(ids)
        if not ids:
            return
        now = time.time() if now is None else now
        marks = ",".join("?" * len(ids))
        with self._write() as db:
            if state == "sent":
                db.execute(
                    f"UPDATE deliveries SET state='sent', sent_at=? WHERE id IN ({marks})",
                    (now, *ids),
                )
            else:
                db.execute(f"UPDATE deliveries SET state=? WHERE id IN ({marks})", (state, *ids))

    def delivered(self, chat_id: int, ids: Iterable[int], now: float | None = None) -> None:
        """Rows sent: marked so, and the chat's failures forgiven."""
        self.mark(ids, "sent", now)
        with self._write() as db:
            db.execute(
                "UPDATE chats SET failures=0, paused_until=0 WHERE chat_id=? AND failures>0",
                (chat_id,),
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
            ids = [r[0] for r in db.execute("SELECT id FROM topics WHERE chat_id=?", (chat_id,))]
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
            db.execute("UPDATE OR IGNORE topics SET chat_id=? WHERE chat_id=?", (new, old))
            dupes = [r[0] for r in db.execute("SELECT id FROM topics WHERE chat_id=?", (old,))]
            db.execute("DELETE FROM topics WHERE chat_id=?", (old,))
            db.execute("UPDATE OR IGNORE deliveries SET chat_id=? WHERE chat_id=?", (new, old))
            db.execute("DELETE FROM deliveries WHERE chat_id=?", (old,))
            db.execute(
                "UPDATE deliveries SET state='pending' WHERE chat_id=? AND state='sending'",
                (new,),
            )
        return dupes

    def purge(self, before: float) -> int:
        """Forget rows that were done with before a time (pending rows are kept)."""
        with self._write() as db:
            return db.execute(
                "DELETE FROM deliveries WHERE state NOT IN ('pending', 'sending') AND created_at<?",
                (before,),
            ).rowcount

    def counts(self) -> dict[str, int]:
        """Outbox rows by state."""
        return dict(self._rows("SELECT state, count(*) FROM deliveries GROUP BY state"))
