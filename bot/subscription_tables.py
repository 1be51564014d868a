"""The tables of chats, their topics and the outbox (bot.db or PostgreSQL), and their schema.

SubscriptionStore (subscription_store.py) writes what chats follow; Outbox (outbox_store.py)
writes what they are owed. Both open the tables through open_tables, on one database or
on a database each (two connections to bot.db); one schema version covers the four tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storage import Database, open_database

__all__ = ["MIGRATIONS", "SCHEMA", "open_tables"]

SCHEMA = """
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


def open_tables(target: Path | str | Database) -> Any:
    """The database at target (a path, a postgresql:// URL, or an open one lent) with the tables."""
    database = open_database(target)
    try:
        database.schema(SCHEMA, "subscriptions_version", MIGRATIONS)
    except BaseException:
        database.close()
        raise
    return database
