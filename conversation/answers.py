"""Result lists kept per question: ranked once, paged from here, under ids nobody can guess.

A question's list belongs to the chat that asked (the user, for inline queries): asked for
by another, it does not exist. Lists expire after KEEP_SECONDS; their buttons then say so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from index import SearchResult

__all__ = ["KEEP_SECONDS", "QID_CHARS", "Answers", "Kept", "Ranked"]

KEEP_SECONDS = 7 * 24 * 3600
QID_CHARS = 12  # 36^12: 62 bits, drawn from secrets
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_PURGE_EVERY = 100  # lists kept between two sweeps of the expired ones

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    qid TEXT PRIMARY KEY,
    owner INTEGER NOT NULL,               -- the chat that asked (the user, inline)
    created REAL NOT NULL,
    listing TEXT NOT NULL                 -- Kept as JSON
);
CREATE INDEX IF NOT EXISTS answers_created ON answers (created);
"""

# (article id, score, the other outlets of its story), best first
Ranked = tuple[str, float, tuple[str, ...]]


class _Database(Protocol):
    def schema(self, script: str, key: str) -> int: ...
    def execute(self, sql: str, args: Any = ()) -> Any: ...
    def one(self, sql: str, args: Any = ()) -> tuple | None: ...


@dataclass(frozen=True, slots=True)
class Kept:
    """A question's result list as kept: what was searched, what the search said, the order."""

    text: str  # the question as searched, outlet filters included
    cut: bool  # the question was cut to MAX_QUERY_CHARS
    result: SearchResult  # the first search: head, notes, total (its hits left out)
    ranked: tuple[Ranked, ...]
    complete: bool  # nothing more to rank: the search had no more, or the depth is reached


def _encode(kept: Kept) -> str:
    head = {
        f.name: getattr(kept.result, f.name)
        for f in dataclasses.fields(SearchResult)
        if f.name not in ("hits", "query", "offset")
    }
    head = {k: {"date": v.isoformat()} if isinstance(v, dt.date) else v for k, v in head.items()}
    return json.dumps(
        {
            "text": kept.text,
            "cut": kept.cut,
            "head": head,
            "ranked": [list(r) for r in kept.ranked],
            "complete": kept.complete,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _decode(data: str) -> Kept:
    raw = json.loads(data)
    known = {f.name for f in dataclasses.fields(SearchResult)}
    head = {
        k: dt.date.fromisoformat(v["date"]) if isinstance(v, dict) else v
        for k, v in raw["head"].items()
        if k in known  # a field a later version dropped
    }
    return Kept(
        text=raw["text"],
        cut=raw["cut"],
        result=SearchResult(query=raw["text"], hits=(), **head),
        ranked=tuple((str(i), float(s), tuple(a)) for i, s, a in raw["ranked"]),
        complete=raw["complete"],
    )


class Answers:
    """The kept lists, in the bot's database (bot.db, or the PostgreSQL replicas share)."""

    def __init__(
        self,
        database: _Database,
        keep: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.time,
    ):
        self.database = database
        self.keep_seconds = keep
        self.clock = clock
        self._kept = 0
        database.schema(_SCHEMA, "answers_version")

    def keep(self, owner: int, kept: Kept) -> str:
        """Keep a new list for its owner; returns its id."""
        qid = "".join(secrets.choice(_ALPHABET) for _ in range(QID_CHARS))
        now = self.clock()
        self.database.execute(
            "INSERT INTO answers (qid, owner, created, listing) VALUES (?, ?, ?, ?)",
            (qid, owner, now, _encode(kept)),
        )
        self._kept += 1
        if self._kept % _PURGE_EVERY == 1:
            self.database.execute(
                "DELETE FROM answers WHERE created < ?", (now - self.keep_seconds,)
            )
        return qid

    def update(self, qid: str, kept: Kept) -> None:
        """Replace a list (ranked further)."""
        self.database.execute("UPDATE answers SET listing = ? WHERE qid = ?", (_encode(kept), qid))

    def get(self, owner: int, qid: str) -> Kept | None:
        """The owner's list under this id; None when unknown, expired, or another's."""
        row = self.database.one(
            "SELECT listing FROM answers WHERE qid = ? AND owner = ? AND created >= ?",
            (qid, owner, self.clock() - self.keep_seconds),
        )
        return _decode(row[0]) if row else None
