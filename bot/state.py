"""The bot's own small database (bot.db): article tokens, chats, languages.

The result lists of questions are kept in it too, by conversation.Answers (on .database).
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterable
from pathlib import Path

from storage import Database, open_database
from storage.unreachable import unreachable

from .parse import TOKEN

__all__ = ["State"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    article_id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS chats_seen (
    chat_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                   -- private, group, supergroup, channel
    first_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS languages (
    chat_id INTEGER PRIMARY KEY,          -- a chat, or a user (inline queries have no chat)
    lang TEXT NOT NULL
);
"""


class State:
    """Article tokens for deep links, the chats seen and their languages, across restarts."""

    def __init__(self, target: Path | str):
        # a path: bot.db; a postgresql:// URL: the database replicas share
        self.database = open_database(target)
        self.path = self.database.path
        self.database.schema(_SCHEMA, "schema_version")
        # both are read on every update: kept in memory, written through; with replicas
        # (PostgreSQL) another process may write them too, so languages are read each time
        self._shared = self.database.dialect == "postgres"
        self._languages = dict(self.database.rows("SELECT chat_id, lang FROM languages"))
        self._seen = {r[0] for r in self.database.rows("SELECT chat_id FROM chats_seen")}

    @classmethod
    def open(cls, data_dir: Path | str, url: str | Database | None = None) -> State:
        """Open (or create) bot.db in a data directory, or the tables at a PostgreSQL URL."""
        return cls(url or Path(data_dir) / "bot.db")

    def close(self) -> None:
        """Release the database."""
        self.database.close()

    def tokens(self, article_ids: Iterable[str]) -> list[str]:
        """Tokens for articles: the id itself when it is a valid payload, else a stored hash."""
        out, new = [], []
        for article_id in article_ids:
            if TOKEN.fullmatch(article_id):
                out.append(article_id)
                continue
            digest = hashlib.sha256(article_id.encode("utf-8")).digest()[:15]
            token = base64.urlsafe_b64encode(digest).decode("ascii")
            new.append((token, article_id))
            out.append(token)
        if new:
            with self.database.transaction() as db:
                db.executemany(
                    "INSERT INTO tokens (token, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    new,
                )
        return out

    def token(self, article_id: str) -> str:
        """The token of one article."""
        return self.tokens([article_id])[0]

    def article_id(self, token: str) -> str:
        """The article id behind a token (a token that was never hashed is the id)."""
        row = self.database.one("SELECT article_id FROM tokens WHERE token = ?", (token,))
        return row[0] if row else token

    # ---- chats and their languages

    def seen(self, chat_id: int, kind: str, now: float | None = None) -> bool:
        """Remember a chat that talked to the bot; True when it is new."""
        if chat_id in self._seen:
            return False
        added = self.database.execute(
            "INSERT INTO chats_seen VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (chat_id, kind, time.time() if now is None else now),
        ).rowcount
        self._seen.add(chat_id)
        return added == 1  # a replica may have seen it first

    def knows(self, chat_id: int) -> bool:
        """Whether the chat was seen before (in memory; asked of the database when shared)."""
        if chat_id in self._seen or not self._shared:
            return chat_id in self._seen
        try:
            row = self.database.one("SELECT 1 FROM chats_seen WHERE chat_id = ?", (chat_id,))
        except Exception as error:  # the database is away: noting the chat fails anyway
            if not unreachable(error):
                raise
            return False
        if row:
            self._seen.add(chat_id)
            return True
        return False

    def chats(self) -> list[tuple[int, str]]:
        """Every chat that ever talked to the bot: (chat id, kind)."""
        return self.database.rows("SELECT chat_id, kind FROM chats_seen ORDER BY chat_id")

    def forget_chat(self, chat_id: int) -> None:
        """Drop a chat that blocked or left the bot."""
        self.database.execute("DELETE FROM chats_seen WHERE chat_id = ?", (chat_id,))
        self._seen.discard(chat_id)

    def language(self, chat_id: int) -> str | None:
        """The language chosen with /lang for a chat or user, if any."""
        if self._shared:  # another replica may have taken the /lang
            try:
                row = self.database.one("SELECT lang FROM languages WHERE chat_id = ?", (chat_id,))
            except Exception as error:  # the database is away: what this replica last knew
                if not unreachable(error):
                    raise
                return self._languages.get(chat_id)
            if row:
                self._languages[chat_id] = row[0]
            return row[0] if row else None
        return self._languages.get(chat_id)

    def remembered_language(self, chat_id: int) -> str | None:
        """The /lang this process last knew for a chat, without asking the database."""
        return self._languages.get(chat_id)

    def set_language(self, chat_id: int, lang: str) -> None:
        """Keep a chat's (or user's) chosen language across restarts."""
        self.database.execute(
            "INSERT INTO languages VALUES (?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET lang = excluded.lang",
            (chat_id, lang),
        )
        self._languages[chat_id] = lang
