"""The outbox: rows owed to chats (claimed, sent, purged), the cursor and each chat's pace.

The cursor is the last position matched, written with the rows it produced; a chat's pace
is its failures, its pause and the day of its last digest (columns of chats).

On SQLite one process sends (run.lock). On PostgreSQL every replica sends: a row is
claimed ('sending', claimed_by = the replica) with FOR UPDATE SKIP LOCKED, so two replicas
never claim one row, and a chat with a row in flight is not due elsewhere. Each replica
holds the advisory lock "outbox owner <n>" while it lives; the rows of an owner whose lock
is free again (it died, kill -9 included) go back to pending: the one message it had in
flight may repeat, as after a restart, and nothing it had marked sent does.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from storage import Database

from .stores import Batch, ChatInfo, Delivery
from .subscription_tables import open_tables

__all__ = ["RECOVER_SECONDS", "Outbox", "drop_rows", "matched_up_to", "move_rows", "owe_every_chat"]

RECOVER_SECONDS = 10.0  # how often a replica looks for the claims of dead ones

_DELIVERY = "id, chat_id, thread_id, article_id, position, topic"
_CHAT = "chat_id, kind, language, digest_hour, digest_day, failures, paused_until"
_CURSOR = (
    "INSERT INTO meta VALUES ('cursor', ?) ON CONFLICT (key) DO UPDATE SET value=excluded.value"
)


def matched_up_to(db) -> int | None:
    """The cursor read in a transaction: the last position matched (None before the first)."""
    row = db.execute("SELECT value FROM meta WHERE key='cursor'").fetchone()
    return int(row[0]) if row else None


def owe_every_chat(db, chats: Sequence[tuple[int, str]], article_id: str, now: float) -> None:
    """In a transaction: one pending row of article_id for each (chat id, kind), known or not.

    A chat that never followed a topic gets its row in chats (instant mode).
    """
    db.executemany("INSERT INTO chats (chat_id, kind) VALUES (?, ?) ON CONFLICT DO NOTHING", chats)
    db.executemany(
        "INSERT INTO deliveries (chat_id, thread_id, article_id, position, topic, state, created_at)"
        " VALUES (?, 0, ?, 0, '', 'pending', ?) ON CONFLICT DO NOTHING",
        [(chat_id, article_id, now) for chat_id, _ in chats],
    )


def drop_rows(db, chat_id: int) -> None:
    """In a transaction: what a dropped chat was owed is marked dropped, never sent."""
    db.execute(
        "UPDATE deliveries SET state='dropped' WHERE chat_id=? AND state IN ('pending', 'sending')",
        (chat_id,),
    )


def move_rows(db, old: int, new: int) -> None:
    """In a transaction: a migrated chat's rows go to its new id, those in flight pending again.

    An article the new chat was owed already keeps the new chat's row.
    """
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


class Outbox:
    """The articles owed to chats and their delivery; blocking, safe to share between threads."""

    def __init__(self, target: Path | str | Database):
        # a path: bot.db; a postgresql:// URL: the database replicas share; an open one: lent
        self.database = open_tables(target)
        self.shared = self.database.dialect == "postgres"
        self.owner = 0  # SQLite: the one process
        self._alive = None
        self._recovered = 0.0
        if self.shared:
            while self._alive is None:  # a random 31-bit number, held while this process lives
                self.owner = 1 + secrets.randbelow(2**31 - 1)
                self._alive = self.database.hold(f"outbox owner {self.owner}")

    @classmethod
    def open(cls, data_dir: Path | str, url: str | Database | None = None) -> Outbox:
        """Open (or create) the outbox in data_dir/bot.db, or at a PostgreSQL URL."""
        return cls(url or Path(data_dir) / "bot.db")

    def close(self) -> None:
        """Give up this process's claims to the other replicas, and release the database."""
        if self._alive is not None:
            self._alive.close()
            self._alive = None
        self.database.close()

    def _write(self) -> AbstractContextManager:
        return self.database.transaction()

    def _rows(self, sql: str, args: Sequence = ()) -> list[tuple]:
        return self.database.rows(sql, args)

    def cursor(self) -> int | None:
        """The last position matched against the topics (None before the first match)."""
        return matched_up_to(self.database)

    def set_cursor(self, position: int) -> None:
        """Move the cursor without matching (nothing follows anything)."""
        with self._write() as db:
            db.execute(_CURSOR, (str(position),))

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
                ).fetchall():
                    if position > after:  # followed before the article arrived
                        chosen.setdefault(chat_id, (thread_id, text))
                for chat_id, (thread_id, text) in chosen.items():
                    cur = db.execute(
                        "INSERT INTO deliveries"
                        " (chat_id, thread_id, article_id, position, topic, state, created_at)"
                        " VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING",
                        (chat_id, thread_id, article_id, position, text, now),
                    )
                    added += cur.rowcount
            db.execute(_CURSOR, (str(cursor),))
        return added

    def record_shown(self, target, items, topic: str, now: float | None = None) -> None:
        """Remember previewed (position, article id): the chat has seen them."""
        now = time.time() if now is None else now
        with self._write() as db:
            db.executemany(
                "INSERT INTO deliveries"
                " (chat_id, thread_id, article_id, position, topic, state, created_at, sent_at)"
                " VALUES (?, ?, ?, ?, ?, 'shown', ?, ?) ON CONFLICT DO NOTHING",
                [
                    (target.chat_id, target.thread_id, aid, position, topic, now, now)
                    for position, aid in items
                ],
            )

    def reset_sending(self) -> int:
        """Rows left 'sending' by a killed process go out again; returns how many.

        SQLite: every such row (called at start-up, the one process). PostgreSQL: the rows
        of replicas that are gone (their owner lock is free), never those of a live one.
        """
        if not self.shared:
            with self._write() as db:
                return db.execute(
                    "UPDATE deliveries SET state='pending', claimed_by=NULL WHERE state='sending'"
                ).rowcount
        released = 0
        owners = self._rows("SELECT DISTINCT claimed_by FROM deliveries WHERE state='sending'")
        for (owner,) in owners:
            if owner == self.owner:
                continue
            with self.database.advisory(f"outbox owner {owner}") as gone:
                if gone:
                    released += self.database.execute(
                        "UPDATE deliveries SET state='pending', claimed_by=NULL"
                        " WHERE state='sending' AND claimed_by IS NOT DISTINCT FROM ?",
                        (owner,),
                    ).rowcount
        return released

    def due(
        self, now: float, today: str, hour: int, chats: int = 500, skip: Iterable[int] = ()
    ) -> list[Batch]:
        """Pending rows of up to `chats` chats that may get messages now, oldest chats first.

        Instant chats are due when not paused; digest chats once a day, from their hour on.
        A digest chat with nothing pending at its hour has its day done all the same.
        """
        if self.shared and now - self._recovered >= RECOVER_SECONDS:
            self._recovered = now
            self.reset_sending()  # a replica died: its claims are due again
        skip = list(skip)
        with self._write() as db:
            db.execute(
                "UPDATE chats SET digest_day=? WHERE digest_hour IS NOT NULL AND digest_hour<=?"
                " AND coalesce(digest_day, '')<>? AND NOT EXISTS (SELECT 1 FROM deliveries d"
                " WHERE d.chat_id=chats.chat_id AND d.state='pending')",
                (today, hour, today),
            )
        not_skipped = f"AND d.chat_id NOT IN ({','.join('?' * len(skip))})" if skip else ""
        # replicas: a chat with a message in flight elsewhere waits, so it gets them in order
        busy = (
            " AND NOT EXISTS (SELECT 1 FROM deliveries s WHERE s.chat_id=d.chat_id"
            " AND s.state='sending')"
            if self.shared
            else ""
        )
        head = self._rows(
            f"SELECT {', '.join('c.' + c for c in _CHAT.split(', '))}, min(d.id) AS first"
            " FROM deliveries d JOIN chats c ON c.chat_id=d.chat_id"
            " WHERE d.state='pending' AND c.paused_until<=?"
            " AND (c.digest_hour IS NULL OR (c.digest_hour<=? AND coalesce(c.digest_day, '')<>?))"
            f" {not_skipped}{busy} GROUP BY c.chat_id ORDER BY first LIMIT ?",
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

    def claim(self, ids: Iterable[int]) -> list[int]:
        """Move pending rows to 'sending' for this process; returns the ids it got.

        A row another replica claimed (or sent) meanwhile is not among them: its sender
        has it. PostgreSQL skips rows locked by a claim in progress instead of waiting.
        """
        ids = list(ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        lock = " FOR UPDATE SKIP LOCKED" if self.shared else ""
        with self._write() as db:
            got = db.execute(
                "UPDATE deliveries SET state='sending', claimed_by=? WHERE id IN"
                f" (SELECT id FROM deliveries WHERE id IN ({marks}) AND state='pending'{lock})"
                " RETURNING id",
                (self.owner, *ids),
            ).fetchall()
        return sorted(r[0] for r in got)

    def mark(self, ids: Iterable[int], state: str, now: float | None = None) -> None:
        """Move outbox rows to a state ('sent' also records when).

        Back to 'pending' only from this process's claim: a row sent meanwhile, or claimed
        by another replica, stays as it is.
        """
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
            elif state == "pending":
                db.execute(
                    "UPDATE deliveries SET state='pending', claimed_by=NULL"
                    f" WHERE id IN ({marks}) AND (state='pending' OR (state='sending'"
                    " AND claimed_by IS NOT DISTINCT FROM ?))",
                    (*ids, self.owner),
                )
            else:
                db.execute(f"UPDATE deliveries SET state=? WHERE id IN ({marks})", (state, *ids))

    def delivered(self, chat_id: int, ids: Iterable[int], now: float | None = None) -> None:
        """Rows sent: marked so, and the chat's failures forgiven (one transaction)."""
        ids = list(ids)
        now = time.time() if now is None else now
        with self._write() as db:
            if ids:
                db.execute(
                    f"UPDATE deliveries SET state='sent', sent_at=? WHERE id IN"
                    f" ({','.join('?' * len(ids))})",
                    (now, *ids),
                )
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
