"""Topics that chats follow, the outbox of articles owed to them, and who may change them.

Everything lives in bot.db next to State's tables::

    chats       one row per chat that follows something: language, digest hour, failures
    topics      what a chat follows (text as parsed), and the docno it was followed at
    deliveries  the outbox: one row per (chat, article id), ever; its state below
    meta        'cursor': the last docno matched against the topics

A row of the outbox moves like this (the Sender in outbox.py does the sending)::

    pending ──▶ sending ──▶ sent         'sending' is committed before the request, so a
       ▲           │                     kill leaves at most the message in flight to resend
       └───────────┘  retry later (RetryAfter, network, chat migrated)
    shown     shown as a preview when the topic was followed: never pushed
    failed    Telegram refused it for good (a BadRequest other than markup)
    dropped   the chat was dropped after repeated Forbidden

Matching reads new articles with ``index.topics.match_since`` (one TopicIndex for every
topic, never a search per topic) and writes their rows together with the advanced cursor in
one transaction: a kill either loses both (the articles are matched again) or neither.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from telegram import Bot, Chat, ChatMember, Message
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError

from index.models import Article, Excerpt
from index.outlets import resolve
from index.search import SearchIndex
from index.topics import (
    ArticleText,
    Topic,
    TopicError,
    TopicIndex,
    match_since,
    parse_topic,
    passage,
    recent_matches,
)

__all__ = [
    "MAX_FAILURES",
    "MAX_TOPICS",
    "Batch",
    "ChatInfo",
    "Delivery",
    "FollowError",
    "Followed",
    "SubscriptionStore",
    "Subscriptions",
    "Target",
    "TargetError",
    "digest_day",
    "explain",
    "may_change",
    "parse_hour",
    "resolve_channel",
]

log = logging.getLogger(__name__)

MAX_TOPICS = 20  # per chat: each topic costs matching work for every new article
MAX_FAILURES = 3  # Forbidden this many times in a row and the chat is dropped
PREVIEW = 3  # recent matches shown when a topic is followed
MATCH_BATCH = 500  # articles matched per transaction
KEEP_SECONDS = 30 * 86_400.0  # delivered rows are kept this long to refuse repeats
_PURGE_EVERY = 3_600.0

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
    after_docno INTEGER NOT NULL,         -- only articles after this one are new to it
    created_at REAL NOT NULL,
    UNIQUE (chat_id, thread_id, signature)
);
CREATE INDEX IF NOT EXISTS topics_chat ON topics (chat_id, id);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL DEFAULT 0,
    article_id TEXT NOT NULL,
    docno INTEGER NOT NULL,
    topic TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    sent_at REAL,
    UNIQUE (chat_id, article_id)
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (state, chat_id, id);
"""
SCHEMA_VERSION = 1

_DELIVERY = "id, chat_id, thread_id, article_id, docno, topic"
_CHAT = "chat_id, kind, language, digest_hour, digest_day, failures, paused_until"
_TOPIC = "id, chat_id, thread_id, text, signature, after_docno"


# ---- records -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """The chat a subscription command changes (a forum topic of it, when thread_id)."""

    chat_id: int
    kind: str
    thread_id: int = 0
    title: str | None = None  # set when a channel is managed from a private chat


@dataclass(frozen=True, slots=True)
class Followed:
    """One topic a chat follows."""

    id: int
    chat_id: int
    thread_id: int
    text: str
    signature: str
    after_docno: int


@dataclass(frozen=True, slots=True)
class ChatInfo:
    """How a following chat gets its articles."""

    chat_id: int
    kind: str
    language: str
    digest_hour: int | None
    digest_day: str | None
    failures: int
    paused_until: float


@dataclass(frozen=True, slots=True)
class Delivery:
    """One article owed to one chat: a row of the outbox."""

    id: int
    chat_id: int
    thread_id: int
    article_id: str
    docno: int
    topic: str


@dataclass(frozen=True, slots=True)
class Batch:
    """Pending rows of one chat (and forum topic), oldest first; digest when its hour came."""

    chat: ChatInfo
    thread_id: int
    rows: tuple[Delivery, ...]
    digest: bool


class FollowError(Exception):
    """A topic that cannot be added: ``duplicate`` (then ``existing``) or ``too_many``."""

    def __init__(self, code: str, existing: Followed | None = None):
        super().__init__(code)
        self.code = code
        self.existing = existing


class TargetError(Exception):
    """A chat whose topics this user may not change; ``code`` names why."""

    # not_admin, channel_unknown, not_channel, channel_not_admin, channel_bot_cannot_post

    def __init__(self, code: str, name: str = ""):
        super().__init__(code)
        self.code = code
        self.name = name


# ---- the database ------------------------------------------------------------------------


class SubscriptionStore:
    """Chats, their topics and the outbox in bot.db; blocking, safe to share between threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL survives a killed process; only a power cut may lose the last commits
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('subscriptions_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    @classmethod
    def open(cls, data_dir: Path | str) -> SubscriptionStore:
        """Open (or create) the tables in data_dir/bot.db."""
        return cls(Path(data_dir) / "bot.db")

    def close(self) -> None:
        """Release the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _rows(self, sql: str, args: Sequence = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # ---- chats and topics

    def follow(
        self,
        target: Target,
        language: str,
        text: str,
        signature: str,
        after_docno: int,
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
                "INSERT INTO topics (chat_id, thread_id, text, signature, after_docno, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (target.chat_id, target.thread_id, text, signature, after_docno, now),
            )
            return Followed(
                cur.lastrowid, target.chat_id, target.thread_id, text, signature, after_docno
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
        """The last docno matched against the topics (None before the first match)."""
        rows = self._rows("SELECT value FROM meta WHERE key='cursor'")
        return int(rows[0][0]) if rows else None

    def set_cursor(self, docno: int) -> None:
        """Move the cursor without matching (nothing follows anything)."""
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (str(docno),))

    def enqueue(
        self,
        matched: Sequence[tuple[int, str, Iterable[int]]],
        cursor: int,
        now: float | None = None,
    ) -> int:
        """Write the rows of matched (docno, article id, topic ids) and the cursor, at once.

        A chat gets an article once whatever number of its topics caught it (the first it
        followed names it), and never twice: not for an edit, not after a preview.
        """
        now = time.time() if now is None else now
        added = 0
        with self._write() as db:
            for docno, article_id, topic_ids in matched:
                ids = sorted(topic_ids)
                if not ids:
                    continue
                marks = ",".join("?" * len(ids))
                chosen: dict[int, tuple[int, str]] = {}
                for chat_id, thread_id, text, after in db.execute(
                    f"SELECT chat_id, thread_id, text, after_docno FROM topics"
                    f" WHERE id IN ({marks}) ORDER BY id",
                    ids,
                ):
                    if docno > after:  # followed before the article arrived
                        chosen.setdefault(chat_id, (thread_id, text))
                for chat_id, (thread_id, text) in chosen.items():
                    cur = db.execute(
                        "INSERT OR IGNORE INTO deliveries"
                        " (chat_id, thread_id, article_id, docno, topic, state, created_at)"
                        " VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                        (chat_id, thread_id, article_id, docno, text, now),
                    )
                    added += cur.rowcount
            db.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (str(cursor),))
        return added

    def record_shown(
        self, target: Target, items: Iterable[tuple[int, str]], topic: str, now: float | None = None
    ) -> None:
        """Remember previewed (docno, article id): the chat has seen them."""
        now = time.time() if now is None else now
        with self._write() as db:
            db.executemany(
                "INSERT OR IGNORE INTO deliveries"
                " (chat_id, thread_id, article_id, docno, topic, state, created_at, sent_at)"
                " VALUES (?, ?, ?, ?, ?, 'shown', ?, ?)",
                [
                    (target.chat_id, target.thread_id, aid, docno, topic, now, now)
                    for docno, aid in items
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


# ---- topics over the index ---------------------------------------------------------------


class Subscriptions:
    """Topics filed in one TopicIndex, matched against new articles into the outbox.

    Blocking (pyvi, SQLite): call it from a thread. One lock orders following against
    matching, so a topic followed while articles arrive misses none and gets no old one.
    """

    def __init__(self, index: SearchIndex, store: SubscriptionStore):
        self.index = index
        self.store = store
        self.topics: TopicIndex[int] = TopicIndex()
        self._lock = threading.Lock()
        self._purged = 0.0

    @classmethod
    def open(cls, index: SearchIndex, data_dir: Path | str) -> Subscriptions:
        """Open bot.db's tables and file every stored topic."""
        subscriptions = cls(index, SubscriptionStore.open(data_dir))
        if subscriptions.store.cursor() is None:
            # first start: the archive is not news to anyone, what arrives from now on is
            subscriptions.store.set_cursor(index.store.max_docno())
        subscriptions.load()
        return subscriptions

    def close(self) -> None:
        """Release the database."""
        self.store.close()

    def parse(self, text: str) -> Topic:
        """A topic as typed; TopicError when it cannot be followed."""
        return parse_topic(text)

    def load(self) -> int:
        """File every stored topic in the TopicIndex; returns how many."""
        n = 0
        for followed in self.store.topics():
            try:
                topic = self.parse(followed.text)
                if topic.signature != followed.signature:  # filed by an older topic language
                    self.store.resign(followed.id, topic.signature)
                self.topics.add(followed.id, topic)
                n += 1
            except TopicError as error:  # stored by an older analysis: keep it, skip matching
                log.warning("topic #%d %r no longer parses: %s", followed.id, followed.text, error)
        return n

    def follow(
        self, target: Target, text: str, language: str = "vi", preview: int = PREVIEW
    ) -> tuple[Followed, list[Article]]:
        """Follow a topic: the new row and its latest matches.

        Raises TopicError, FollowError, or UnknownSource for an outlet the archive lacks.
        """
        topic = self.parse(text)
        if topic.sources:
            resolve(topic.sources, self.index.store.source_names())
        with self._lock:
            # the cursor of the topic: articles after this one are new to it
            after = self.index.store.max_docno()
            followed = self.store.follow(target, language, topic.text, topic.signature, after)
            self.topics.add(followed.id, topic)
        recent = recent_matches(self.index.store, topic, limit=preview) if preview else []
        self.store.record_shown(target, [(d, a.id) for d, a in recent], topic.text)
        return followed, [a for _, a in recent]

    def unfollow(self, chat_id: int, which: str) -> list[Followed]:
        """Stop following by number (as listed), by topic, or 'all'; returns what went."""
        mine = self.store.topics(chat_id)
        which = " ".join(which.split())
        if which.lower() in ("all", "tất cả", "tat ca", "tatca", "*"):
            chosen = mine
        elif which.removeprefix("#").isdigit():
            n = int(which.removeprefix("#"))
            chosen = mine[n - 1 : n] if 1 <= n <= len(mine) else []
        else:
            try:
                signature = self.parse(which).signature
            except TopicError:
                signature = None
            chosen = [f for f in mine if f.signature == signature or f.text == which]
        with self._lock:
            gone = self.store.unfollow(f.id for f in chosen)
            for followed in gone:
                self.topics.remove(followed.id)
        return gone

    def match(self, limit: int = MATCH_BATCH, rounds: int = 20) -> int:
        """Match articles that arrived since the cursor; returns the outbox rows written."""
        added = 0
        with self._lock:
            cursor = self.store.cursor()
            if cursor is None:  # never opened with open(): start from now
                self.store.set_cursor(self.index.store.max_docno())
                return 0
            for _ in range(rounds):
                if not len(self.topics):
                    newest = self.index.store.max_docno()
                    if newest > cursor:
                        self.store.set_cursor(newest)
                    break
                found, moved = match_since(self.index.store, self.topics, cursor, limit)
                if moved == cursor:
                    break
                articles = self.index.store.articles(d for d, _ in found)
                rows = [(d, articles[d].id, keys) for d, keys in found if d in articles]
                added += self.store.enqueue(rows, moved)
                cursor = moved
        now = time.time()
        if now - self._purged > _PURGE_EVERY:
            self._purged = now
            self.store.purge(now - KEEP_SECONDS)
        return added

    def articles(self, rows: Iterable[Delivery]) -> dict[int, Article]:
        """The article of each row by row id: its live version, else the one matched."""
        out: dict[int, Article] = {}
        missing: list[Delivery] = []
        for row in rows:
            found = self.index.store.article(row.article_id)
            if found is None:
                missing.append(row)
            else:
                out[row.id] = found[1]
        if missing:
            old = self.index.store.articles(r.docno for r in missing)
            out.update({r.id: old[r.docno] for r in missing if r.docno in old})
        return out

    def refused(self, chat_id: int, pause: float) -> bool:
        """Count a Forbidden for the chat; True when it was dropped for it."""
        if self.store.refused(chat_id, pause) < MAX_FAILURES:
            return False
        self.drop(chat_id)
        return True

    def drop(self, chat_id: int) -> None:
        """Forget everything a chat follows."""
        with self._lock:
            for topic_id in self.store.drop(chat_id):
                self.topics.remove(topic_id)

    def move(self, old: int, new: int) -> None:
        """Carry a migrated group's topics and rows to its new id."""
        with self._lock:
            for topic_id in self.store.move(old, new):
                self.topics.remove(topic_id)


def explain(topic_text: str, article: Article) -> tuple[str | None, Excerpt | None]:
    """The alternative of a topic that caught an article, and the sentence it stands in."""
    try:
        topic = parse_topic(topic_text)
    except TopicError:
        return None, None
    clause = topic.matched(ArticleText.of_article(article))
    if clause is None:  # edited since it matched
        return None, None
    return clause.text, passage(article, clause)


# ---- who may change a chat's topics ------------------------------------------------------

_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def may_change(bot: Bot, message: Message) -> bool:
    """Whether the sender of a message may change its chat's topics."""
    chat = message.chat
    if chat.type in (ChatType.PRIVATE, ChatType.CHANNEL):
        return True  # a private chat is the user's; a channel post comes from its admins
    if message.sender_chat is not None:
        # anonymous admins post as the group itself; a linked channel posts as itself
        return message.sender_chat.id == chat.id
    user = message.from_user
    if user is None:
        return False
    try:
        member = await bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        log.warning("could not check the admins of chat %s: %s", chat.id, error)
        return False
    return member.status in _ADMINS


async def resolve_channel(bot: Bot, ref: str, user_id: int) -> Chat:
    """The channel behind @name or -100… when the user administers it and the bot may post."""
    try:
        chat = await bot.get_chat(int(ref) if ref.lstrip("-").isdigit() else ref)
    except (BadRequest, Forbidden):
        raise TargetError("channel_unknown", ref) from None
    name = f"@{chat.username}" if chat.username else (chat.title or ref)
    if chat.type != ChatType.CHANNEL:
        raise TargetError("not_channel", name)
    try:
        member = await bot.get_chat_member(chat.id, user_id)
        me = await bot.get_chat_member(chat.id, bot.id)
    except (BadRequest, Forbidden):
        raise TargetError("channel_bot_cannot_post", name) from None
    if member.status not in _ADMINS:
        raise TargetError("channel_not_admin", name)
    if not _can_post(me):
        raise TargetError("channel_bot_cannot_post", name)
    return chat


def _can_post(member: ChatMember) -> bool:
    return member.status == ChatMemberStatus.ADMINISTRATOR and bool(
        getattr(member, "can_post_messages", False)
    )


def digest_day(now: dt.datetime, hour: int) -> str | None:
    """The local day to count as done when a digest is set at `hour` (None: today is due)."""
    return now.date().isoformat() if now.hour >= hour else None


_HOUR = re.compile(r"(\d{1,2})(?:\s*(?:h|giờ|gio|:00|:))?", re.IGNORECASE)
_OFF = {"tat", "tắt", "off", "khong", "không", "ngay", "instant", "now"}


def parse_hour(text: str) -> int | None:
    """A digest hour 0-23 ("7", "7h", "07:00"), or None for off; ValueError for anything else."""
    text = " ".join(text.lower().split())
    if text in _OFF:
        return None
    m = _HOUR.fullmatch(text)
    if m is None or int(m.group(1)) > 23:
        raise ValueError(f"not an hour: {text!r}")
    return int(m.group(1))
