"""The bot's own small database (bot.db): question ids, article tokens, chats, languages."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterable
from pathlib import Path

from storage import Database

from .parse import TOKEN

__all__ = ["State"]

# Paging buttons of older questions stop working past this many newer questions.
KEEP_QUERIES = 200_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queries (
    qid INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL UNIQUE
);
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


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


class State:
    """Question ids for callback data and article tokens for deep links, kept across restarts."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.database = Database(self.path)
        self._db, self._lock = self.database.connection, self.database.lock
        with self._lock:
            self.database.schema(_SCHEMA, "schema_version")
            # both are read on every update: kept in memory, written through
            self._languages = dict(self._db.execute("SELECT chat_id, lang FROM languages"))
            self._seen = {r[0] for r in self._db.execute("SELECT chat_id FROM chats_seen")}

    @classmethod
    def open(cls, data_dir: Path | str) -> State:
        """Open (or create) bot.db in a data directory."""
        return cls(Path(data_dir) / "bot.db")

    def close(self) -> None:
        """Release the database."""
        self.database.close()

    def query_id(self, text: str) -> str:
        """A short id for a question (the same question always gets the same id)."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO queries (text) VALUES (?)", (text,))
            (qid,) = self._db.execute("SELECT qid FROM queries WHERE text = ?", (text,)).fetchone()
            if qid % 1000 == 0:
                self._db.execute("DELETE FROM queries WHERE qid <= ?", (qid - KEEP_QUERIES,))
        return _base36(qid)

    def query(self, qid: str) -> str | None:
        """The question behind an id, or None when unknown or expired."""
        try:
            number = int(qid, 36)
        except ValueError:
            return None
        with self._lock:
            row = self._db.execute("SELECT text FROM queries WHERE qid = ?", (number,)).fetchone()
        return row[0] if row else None

    def tokens(self, article_ids: Iterable[str]) -> list[str]:
        """Tokens for articles: the id itself when it is a valid payload, else a stored hash."""
        out = []
        with self._lock:
            for article_id in article_ids:
                if TOKEN.fullmatch(article_id):
                    out.append(article_id)
                    continue
                digest = hashlib.sha256(article_id.encode("utf-8")).digest()[:15]
                token = base64.urlsafe_b64encode(digest).decode("ascii")
                self._db.execute(
                    "INSERT OR IGNORE INTO tokens (token, article_id) VALUES (?, ?)",
                    (token, article_id),
                )
                out.append(token)
        return out

    def token(self, article_id: str) -> str:
        """The token of one article."""
        return self.tokens([article_id])[0]

    def article_id(self, token: str) -> str:
        """The article id behind a token (a token that was never hashed is the id)."""
        with self._lock:
            row = self._db.execute(
                "SELECT article_id FROM tokens WHERE token = ?", (token,)
            ).fetchone()
        return row[0] if row else token

    # ---- chats and their languages

    def seen(self, chat_id: int, kind: str, now: float | None = None) -> bool:
        """Remember a chat that talked to the bot; True when it is new."""
        if chat_id in self._seen:
            return False
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO chats_seen VALUES (?, ?, ?)",
                (chat_id, kind, time.time() if now is None else now),
            )
            self._seen.add(chat_id)
        return True

    def knows(self, chat_id: int) -> bool:
        """Whether the chat was seen before (in memory, no SQL)."""
        return chat_id in self._seen

    def chats(self) -> list[tuple[int, str]]:
        """Every chat that ever talked to the bot: (chat id, kind)."""
        with self._lock:
            return self._db.execute(
                "SELECT chat_id, kind FROM chats_seen ORDER BY chat_id"
            ).fetchall()

    def forget_chat(self, chat_id: int) -> None:
        """Drop a chat that blocked or left the bot."""
        with self._lock:
            self._db.execute("DELETE FROM chats_seen WHERE chat_id = ?", (chat_id,))
            self._seen.discard(chat_id)

    def language(self, chat_id: int) -> str | None:
        """The language chosen with /lang for a chat or user, if any."""
        return self._languages.get(chat_id)

    def set_language(self, chat_id: int, lang: str) -> None:
        """Keep a chat's (or user's) chosen language across restarts."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO languages VALUES (?, ?)", (chat_id, lang))
            self._languages[chat_id] = lang
