"""`newsbot migrate`: copy an embedded data folder into PostgreSQL, resumably and once.

Rows are copied as they are (articles with their stored terms and numbers, so pyvi never
runs again and the folder's index segment stays valid), in batches of one transaction each.
A row already there is skipped (ON CONFLICT DO NOTHING), and the tables their stores mark
resumable go on after the highest key copied: a rerun, after a kill or a finished run,
doubles nothing. Which tables and how is each store's own word (Store.COPIED, ...).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.broadcast import Broadcasts
from bot.state import State
from bot.subscription_store import SubscriptionStore
from feeds import FeedRegistry
from index import Progress, Store
from storage import Database, lock_key, open_database

__all__ = ["TABLES", "MigrationError", "SearchLoader", "Summary", "Table", "migrate", "prepare"]

# The search engine's own bulk load (OpenSearch), given the filled store and a progress
# callback (articles done); returns the articles loaded. None: the embedded postings only.
SearchLoader = Callable[[Store, Callable[[int], None]], int]


class MigrationError(RuntimeError):
    """The data folder cannot be copied into this database (said why)."""


@dataclass(frozen=True, slots=True)
class Table:
    """A table copied as it is, from newsbot.db or bot.db."""

    file: str
    name: str
    order: str  # the columns rows are copied in the order of
    identity: str | None = None  # a generated id: PostgreSQL's next one must follow the copies
    resume: bool = False  # go on after the highest `order` key copied (batches commit in order)


TABLES = (
    *(Table("newsbot.db", *copied) for copied in Store.COPIED + FeedRegistry.COPIED),
    Table("bot.db", "chats", "chat_id"),
    Table("bot.db", "topics", "id", "id"),
    Table("bot.db", "deliveries", "id", "id"),
    Table("bot.db", "broadcasts", "id", "id"),
    Table("bot.db", "tokens", "token"),
    Table("bot.db", "chats_seen", "chat_id"),
    Table("bot.db", "languages", "chat_id"),
)
# tables that say a database is in use: migrating into one of those would mix two archives
_IN_USE = ("articles", "feeds", "chats", "topics", "deliveries")


@dataclass(frozen=True, slots=True)
class Summary:
    """Rows copied now, and rows found already there, per table."""

    copied: dict[str, int]
    present: dict[str, int]
    searched: int | None = None  # articles loaded into the search engine, when there is one

    def line(self) -> str:
        """One line: what was copied."""
        parts = [f"{self.copied[t]:,} {t}" for t in self.copied if self.copied[t]]
        again = sum(self.present.values())
        text = "migrated " + (", ".join(parts) if parts else "nothing new")
        if again:
            text += f" ({again:,} rows were already there)"
        if self.searched is not None:
            text += f"; {self.searched:,} articles loaded into the search engine"
        return text


def _open_tables(target: Path | str, articles: bool = True, bot: bool = True) -> None:
    """Create (or bring up to date) the stores' tables at a path or URL, as the bot would."""
    if articles:
        Store(target if isinstance(target, Path) else open_database(target)).close()
        FeedRegistry(target).close()
    if bot:
        for opener in (State, SubscriptionStore, Broadcasts):
            opener(target).close()


def prepare(url: str, load_search: SearchLoader | None = None) -> int | None:
    """Create or upgrade every table at url, and the search index: nothing is copied.

    What a deployment runs once before its replicas start, and before each upgrade's
    replicas (docs/operations.md, "Upgrades"). Returns the documents sent to search.
    """
    _open_tables(url)
    if load_search is None:
        return None
    store = Store(open_database(url))
    try:
        return load_search(store, lambda n: None)
    finally:
        store.close()


def migrate(
    data_dir: Path,
    url: str,
    *,
    batch: int = 500,
    stream: TextIO | None = None,
    load_search: SearchLoader | None = None,
) -> Summary:
    """Copy data_dir's newsbot.db and bot.db into the PostgreSQL database at url."""
    stream = stream or sys.stderr
    files = {name: data_dir / name for name in ("newsbot.db", "bot.db")}
    if not files["newsbot.db"].exists():
        raise MigrationError(f"nothing to migrate: {files['newsbot.db']} does not exist")
    has_bot = files["bot.db"].exists()
    # both sides at the latest schema, so that their columns are the same
    _open_tables(files["newsbot.db"], bot=False)
    if has_bot:
        _open_tables(files["bot.db"], articles=False)
    _open_tables(url)
    sources = {name: Database(path) for name, path in files.items() if path.exists()}
    target = open_database(url)
    try:
        _claim(sources["newsbot.db"], target)
        tables = [t for t in TABLES if t.file in sources]
        total = sum(_count(sources[t.file], t.name) for t in tables)
        progress = Progress(total, "rows", stream, label="migrate ")
        copied: dict[str, int] = {}
        present: dict[str, int] = {}
        for table in tables:
            copied[table.name], present[table.name] = _copy(
                sources[table.file], target, table, batch, progress
            )
        _copy_meta(sources, target)
        progress.close()
        searched = None
        if load_search is not None:
            searched = _load_search(url, load_search, stream)
        return Summary(copied, present, searched)
    finally:
        target.close()
        for db in sources.values():
            db.close()


def _claim(source: Database, target) -> None:
    """Mark the database as this data folder's copy, or refuse one that holds other data.

    The mark makes a rerun resume; the articles' database id is the folder's, so its index
    segment is valid for the copy (same article numbers, same terms) and is not rebuilt.
    """
    (source_id,) = source.one("SELECT value FROM meta WHERE key='database'")
    with target.transaction() as db:
        db.execute("SELECT pg_advisory_xact_lock(?)", (lock_key("newsbot migrate"),))
        row = db.execute("SELECT value FROM meta WHERE key='migrated_from'").fetchone()
        if row is not None and row[0] == source_id:
            return
        used = [t for t in _IN_USE if db.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()]
        if row is not None or used:
            raise MigrationError(
                f"the database already holds {', '.join(used) or 'another migration'}"
                " that are not this data folder's: migrate into an empty database"
            )
        db.execute("INSERT INTO meta VALUES ('migrated_from', ?)", (source_id,))
        db.execute("UPDATE meta SET value=? WHERE key='database'", (source_id,))


def _count(source: Database, table: str) -> int:
    return source.one(f"SELECT count(*) FROM {table}")[0]


def _columns(source: Database, table: str) -> list[str]:
    return [r[1] for r in source.rows(f"PRAGMA table_info({table})")]


def _copy(
    source: Database, target, table: Table, batch: int, progress: Progress
) -> tuple[int, int]:
    """Copy a table in batches of one transaction; (rows copied, rows already there)."""
    columns = _columns(source, table.name)
    names = ", ".join(columns)
    insert = (
        f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
        " ON CONFLICT DO NOTHING"
    )
    after = ""
    args: tuple = ()
    skipped = 0
    if table.resume:
        # batches commit in key order: resume after the highest one copied
        key = table.order
        (done,) = target.one(f"SELECT coalesce(max({key}), 0) FROM {table.name}")
        after, args = f"WHERE {key} > ?", (done,)
        skipped = source.one(f"SELECT count(*) FROM {table.name} WHERE {key} <= ?", args)[0]
        progress.update(skipped)
    copied = present = 0
    # read in batches: 150,000 articles never sit in memory at once
    cursor = source.connection.execute(
        f"SELECT {names} FROM {table.name} {after} ORDER BY {table.order}", args
    )
    while True:
        rows = cursor.fetchmany(batch)
        if not rows:
            break
        with target.transaction() as db:
            n = sum(db.execute(insert, row).rowcount for row in rows)
        copied += n
        present += len(rows) - n
        progress.update(len(rows), note=table.name)
    if table.identity is not None:
        _follow(source, target, table)
    return copied, present + skipped


def _follow(source: Database, target, table: Table) -> None:
    """Make PostgreSQL's next generated id follow every id SQLite ever gave (never reused)."""
    given = source.one("SELECT seq FROM sqlite_sequence WHERE name=?", (table.name,))
    (top,) = target.one(f"SELECT coalesce(max({table.identity}), 0) FROM {table.name}")
    last = max(top, given[0] if given else 0)
    if last > 0:
        target.execute(
            "SELECT setval(pg_get_serial_sequence(?, ?), ?)", (table.name, table.identity, last)
        )


def _copy_meta(sources: dict[str, Database], target) -> None:
    """The article store's change number and the outbox's cursor, as the folder had them."""
    keys = {"newsbot.db": ("seq",), "bot.db": ("cursor",)}
    with target.transaction() as db:
        for name, source in sources.items():
            for key in keys[name]:
                row = source.one("SELECT value FROM meta WHERE key=?", (key,))
                if row is not None:
                    db.execute(
                        "INSERT INTO meta VALUES (?, ?)"
                        " ON CONFLICT (key) DO UPDATE SET value=excluded.value",
                        (key, row[0]),
                    )


def _load_search(url: str, load_search: SearchLoader, stream: TextIO) -> int:
    """Bulk-load the search engine from the copied store's terms, with its own progress bar."""
    store = Store(open_database(url))
    try:
        progress = Progress(store.counts()["articles"], "articles", stream, label="search ")
        loaded = load_search(store, lambda n: progress.update(n))
        progress.close()
        return loaded
    finally:
        store.close()
