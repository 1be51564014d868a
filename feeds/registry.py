"""The feeds to poll and their polling state, beside the articles (newsbot.db or PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from index import INVISIBLE, MAX_URL_CHARS, Article, Store, host, outlet_name
from storage import Database, is_url, open_database

from .fetch import FetchRefused, normalize_url, refuse_private

POLL_SECONDS = 900.0  # a healthy feed is polled every 15 minutes
MAX_BACKOFF_SECONDS = 6 * 3600.0
RETRY_SOON_SECONDS = 60.0  # entries were left over: come back for them soon
MAX_FEEDS = 1_000
MAX_ERROR_CHARS = 300
FORGET_SECONDS = 60 * 86_400.0  # entries gone from the feed this long are forgotten

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL UNIQUE,
    title TEXT,
    etag TEXT,
    last_modified TEXT,
    added_at REAL NOT NULL,
    last_checked REAL,
    last_ok REAL,
    failures INTEGER NOT NULL DEFAULT 0,
    next_check REAL NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS feed_items (
    feed_id INTEGER NOT NULL,
    entry_key TEXT NOT NULL,
    seen_at REAL NOT NULL,      -- last time the entry was in the feed
    PRIMARY KEY (feed_id, entry_key)
) WITHOUT ROWID;
"""


def _outlet_names(db) -> None:
    """Schema 2: articles filed under their feed's title get their outlet's name."""
    if db.execute("SELECT value FROM meta WHERE key='schema'").fetchone() is None:
        return  # no article store in this database
    titles = [r[0] for r in db.execute("SELECT DISTINCT title FROM feeds WHERE title IS NOT NULL")]
    for title in titles:
        rows = db.execute("SELECT docno, url FROM articles WHERE source=?", (title,)).fetchall()
        for docno, url in rows:
            name = outlet_name(url) or host(url) or title
            db.execute("UPDATE articles SET source=? WHERE docno=?", (name, docno))


MIGRATIONS = (_outlet_names,)  # MIGRATIONS[n - 1] brings schema n to n + 1

_COLUMNS = (
    "id, url, title, etag, last_modified, added_at, last_checked, last_ok, failures,"
    " next_check, last_error"
)


class FeedError(ValueError):
    """A feed URL that cannot be added, or a feed that is not known; the message says why."""


@dataclass(frozen=True, slots=True)
class Feed:
    """One registered feed and its polling state (times are Unix seconds)."""

    id: int
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    added_at: float
    last_checked: float | None
    last_ok: float | None
    failures: int
    next_check: float
    last_error: str | None


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll of one feed brought."""

    articles: tuple[Article, ...] = ()
    not_modified: bool = False
    error: str | None = None
    title: str | None = None
    etag: str | None = None  # validators to send next time (None: send none)
    last_modified: str | None = None
    entry_keys: tuple[str, ...] = ()  # entries handled, now or before: never fetched again
    complete: bool = True  # False: new entries were left for the next poll


def check_url(url: str) -> str:
    """The URL stripped, or FeedError if it is not an absolute http(s) URL of sane length.

    Invisible characters (U+200B, U+202E, NUL...) are dropped first: they would make the
    address shown differ from the address fetched.
    """
    url = INVISIBLE.sub("", url).strip()
    if not url:
        raise FeedError("the URL is empty")
    if len(url) > MAX_URL_CHARS:
        raise FeedError(f"the URL is over {MAX_URL_CHARS:,} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise FeedError("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as e:
        raise FeedError(f"not a valid URL: {e}") from None
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        raise FeedError("not an http:// or https:// URL")
    try:
        return normalize_url(url)  # HTTP://Host/x#top and http://host/x are one feed
    except ValueError as e:
        raise FeedError(f"not a valid URL: {e}") from None


class FeedRegistry:
    """The feeds to poll, kept in newsbot.db next to the articles; safe to share between threads."""

    # how `newsbot migrate` copies these tables: (table, ordered by, generated id, resume)
    COPIED = (("feeds", "id", "id", False), ("feed_items", "feed_id, entry_key", None, False))

    def __init__(self, target: Store | Path | str | Database, interval: float = POLL_SECONDS):
        if isinstance(target, Store):
            # beside the articles: newsbot.db (a connection of its own, below), or the
            # PostgreSQL database they are in (its pool, lent)
            target = target.database if target.shared else target.path
        elif isinstance(target, str) and not is_url(target):
            target = Path(target)
        self.interval = interval
        # A connection of its own: SQLite in WAL mode lets it, the Store's and other
        # processes work on the file at once. A postgresql:// URL (or its open pool, lent):
        # the replicas' database.
        self.database = open_database(target)
        self.database.schema(_SCHEMA, "feeds_version", MIGRATIONS)

    @classmethod
    def open(
        cls, data_dir: Path | str, interval: float = POLL_SECONDS, url: str | Database | None = None
    ) -> FeedRegistry:
        """The registry of the index in data_dir (its tables live in newsbot.db), or at a URL."""
        return cls(url or Path(data_dir) / "newsbot.db", interval)

    def close(self) -> None:
        """Close the connection."""
        self.database.close()

    def __enter__(self) -> FeedRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, url: str, now: float | None = None) -> Feed:
        """Register a feed, to be polled at once; FeedError if the URL is bad or known."""
        url = check_url(url)
        with self.database.transaction() as db:
            known = db.execute("SELECT id FROM feeds WHERE url=?", (url,)).fetchone()
            if known:
                raise FeedError(f"this feed is already registered as #{known[0]}")
            (count,) = db.execute("SELECT count(*) FROM feeds").fetchone()
            if count >= MAX_FEEDS:
                raise FeedError(f"there are already {MAX_FEEDS:,} feeds")
            (feed_id,) = db.execute(
                "INSERT INTO feeds (url, added_at, next_check) VALUES (?, ?, 0) RETURNING id",
                (url, time.time() if now is None else now),
            ).fetchone()
        found = self.get(feed_id)
        assert found is not None
        return found

    def remove(self, which: str | int) -> Feed:
        """Unregister a feed by number or URL; FeedError if there is none."""
        feed = self.find(which)
        if feed is None:
            raise FeedError(f"no feed {which}")
        with self.database.transaction() as db:
            db.execute("DELETE FROM feed_items WHERE feed_id=?", (feed.id,))
            db.execute("DELETE FROM feeds WHERE id=?", (feed.id,))
        return feed

    def find(self, which: str | int) -> Feed | None:
        """A feed by number ("3", "#3" or 3) or by URL."""
        if isinstance(which, int):
            return self.get(which)
        text = which.strip()
        if text.removeprefix("#").isdigit():
            return self.get(int(text.removeprefix("#")))
        return self._one("WHERE url=?", (text,))

    def get(self, feed_id: int) -> Feed | None:
        """A feed by number."""
        return self._one("WHERE id=?", (feed_id,))

    def list(self) -> list[Feed]:
        """Every feed, by number."""
        return self._many("ORDER BY id", ())

    def due(self, now: float) -> list[Feed]:
        """Feeds whose next check has come, longest waiting first.

        A healthy feed is also due once the interval in force now has passed since its
        last check: a shorter NEWSBOT_FEED_SECONDS holds from the next poll, not from the
        end of the schedule the old one set.
        """
        return self._many(
            "WHERE next_check <= ? OR (failures = 0 AND last_checked <= ?) ORDER BY next_check, id",
            (now, now - self.interval),
        )

    def failing(self) -> list[Feed]:
        """Feeds whose last poll failed."""
        return self._many("WHERE failures > 0 ORDER BY id", ())

    def seen(self, feed_id: int) -> set[str]:
        """Keys of the feed's entries already handled."""
        rows = self.database.rows("SELECT entry_key FROM feed_items WHERE feed_id=?", (feed_id,))
        return {r[0] for r in rows}

    def record(self, feed: Feed, result: PollResult, now: float) -> Feed | None:
        """Keep what a poll found: state, schedule, entries seen. Returns the updated feed."""
        with self.database.transaction() as db:
            if result.error is not None:
                failures = feed.failures + 1
                delay = min(self.interval * 2.0**failures, MAX_BACKOFF_SECONDS)
                db.execute(
                    "UPDATE feeds SET last_checked=?, failures=?, next_check=?, last_error=?"
                    " WHERE id=?",
                    (now, failures, now + delay, result.error[:MAX_ERROR_CHARS], feed.id),
                )
            else:
                delay = self.interval if result.complete else min(self.interval, RETRY_SOON_SECONDS)
                db.execute(
                    "UPDATE feeds SET last_checked=?, last_ok=?, failures=0, next_check=?,"
                    " last_error=NULL, etag=?, last_modified=?, title=coalesce(?, title)"
                    " WHERE id=?",
                    (
                        now,
                        now,
                        now + delay,
                        result.etag,
                        result.last_modified,
                        result.title,
                        feed.id,
                    ),
                )
                if not result.not_modified:
                    db.executemany(
                        "INSERT INTO feed_items VALUES (?, ?, ?) ON CONFLICT (feed_id, entry_key)"
                        " DO UPDATE SET seen_at=excluded.seen_at",
                        [(feed.id, key, now) for key in result.entry_keys],
                    )
                    # Only entries that left the feed long ago: a feed answering 304
                    # for weeks keeps its entries.
                    db.execute(
                        "DELETE FROM feed_items WHERE feed_id=? AND seen_at < ?",
                        (feed.id, now - FORGET_SECONDS),
                    )
        return self.get(feed.id)

    def set_title(self, feed_id: int, title: str | None) -> None:
        """Name a feed (an imported OPML title) until a poll brings the feed's own."""
        self.database.execute("UPDATE feeds SET title=? WHERE id=?", (title, feed_id))

    def adopt(
        self, entries: Iterable[tuple[str, str | None]], allow_private: bool = False
    ) -> tuple[int, int, list[tuple[str, str]]]:
        """Register (url, title) pairs, an OPML file's: how many were added, how many were
        known already, and the refused ones with why (a private address, the rule of every
        fetch, is refused before it is stored)."""
        added, known, refused = 0, 0, []
        for url, title in entries:
            try:
                refuse_private(url, allow_private)
                feed = self.add(url)
            except FetchRefused as e:
                refused.append((url, str(e)))
                continue
            except FeedError as e:
                if "already registered" in str(e):
                    known += 1
                else:
                    refused.append((url, str(e)))
                continue
            if title:
                self.set_title(feed.id, title)
            added += 1
        return added, known, refused

    def answered(self, feed_id: int, title: str | None, now: float) -> Feed | None:
        """A feed answered a check (``feeds add``): its own title, and when it last did."""
        self.database.execute(
            "UPDATE feeds SET title=coalesce(?, title), last_ok=? WHERE id=?",
            (title, now, feed_id),
        )
        return self.get(feed_id)

    def poll_now(self) -> int:
        """Make every feed due at once (``newsbot feeds poll --force``); returns how many."""
        return self.database.execute("UPDATE feeds SET next_check=0").rowcount

    def _one(self, where: str, args: tuple) -> Feed | None:
        found = self._many(where, args)
        return found[0] if found else None

    def _many(self, where: str, args: tuple) -> list[Feed]:
        rows = self.database.rows(f"SELECT {_COLUMNS} FROM feeds {where}", args)
        return [Feed(*row) for row in rows]
