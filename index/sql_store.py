"""Article storage: articles, their analyzed terms and the changes readers follow.

One SQL for SQLite (newsbot.db in the data folder) and PostgreSQL (a storage.open_database
URL, opened at the edge and passed in: index/ never imports a driver). Several processes may
share a PostgreSQL store, each with its own postings built from the stored terms.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from storage import Database

from .models import Article
from .stored_doc import StoredDoc, date_of, digest, pack_terms, unpack_terms
from .urls import web_url


def _add_image(db: sqlite3.Connection) -> None:
    """Schema 2: articles.image."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(articles)")}
    if "image" not in columns:
        db.execute("ALTER TABLE articles ADD COLUMN image TEXT")


MIGRATIONS = (_add_image,)  # MIGRATIONS[n - 1] brings schema n to n + 1
SCHEMA_VERSION = len(MIGRATIONS) + 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    docno INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: index segments cover docno ranges
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    url TEXT,
    published TEXT,
    source TEXT,
    category TEXT,
    digest TEXT NOT NULL,
    terms BLOB NOT NULL,        -- zlib("title terms\\nbody terms"), so pyvi never runs twice
    added_at REAL NOT NULL,
    deleted_seq INTEGER,        -- set when replaced or removed: the change number
    image TEXT                  -- the article's picture (schema 2)
);
CREATE UNIQUE INDEX IF NOT EXISTS articles_live_id ON articles(id) WHERE deleted_seq IS NULL;
CREATE INDEX IF NOT EXISTS articles_deleted ON articles(deleted_seq) WHERE deleted_seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
-- source filters (nguồn:vnexpress) list and pick outlets without reading every article
CREATE INDEX IF NOT EXISTS articles_source ON articles(source) WHERE deleted_seq IS NULL;
"""

# Newest first: by date where known, then by arrival. Said so, SQLite walks the index on
# published backwards (NULLs sort last there anyway); "published IS NULL, …" made it sort
# every live article, texts and all, for each call (seconds on 20,000 articles).
_NEWEST = "published DESC NULLS LAST, docno DESC"


class Store:
    """The article database; safe to share between threads (and, on PostgreSQL, processes)."""

    # how `newsbot migrate` copies these tables, in order: (table, ordered by, the integer
    # id a new row gets, resume after the highest one copied). Articles resume by number:
    # their batches commit in that order, and each holds its terms, so pyvi never reruns
    COPIED = (("articles", "docno", "docno", True),)

    def __init__(self, target: Path | Any):
        # a path: newsbot.db; otherwise an open Database (storage.open_database) to adopt
        self.database = Database(target) if isinstance(target, (str, Path)) else target
        self.path = self.database.path
        # several processes write one PostgreSQL store: each keeps its own postings, so
        # none may forget retired rows that another's segment still counts (purge_retired;
        # with OpenSearch, `newsbot purge` forgets those its index took out, never the newest)
        self.shared = self.database.dialect == "postgres"
        self.database.schema(_SCHEMA, "schema", MIGRATIONS)
        # a name for this database: index segments say which one they were built from
        self.database.execute(
            "INSERT INTO meta VALUES ('database', ?) ON CONFLICT (key) DO NOTHING",
            (uuid.uuid4().hex,),
        )
        self.database.execute("INSERT INTO meta VALUES ('seq', '0') ON CONFLICT (key) DO NOTHING")

    def close(self) -> None:
        """Close the connection."""
        self.database.close()

    def describe(self) -> str:
        """Where the articles live, for `newsbot stats` (a URL's password masked)."""
        name = "PostgreSQL" if self.shared else "SQLite"
        return f"{name} {self.path}"

    # ---- writing --------------------------------------------------------------------

    def digests(self, ids: Iterable[str]) -> dict[str, tuple[int, str]]:
        """Live docno and digest of each known id."""
        ids = list(ids)
        out: dict[str, tuple[int, str]] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for id_, docno, dig in self.database.rows(
                f"SELECT id, docno, digest FROM articles WHERE deleted_seq IS NULL AND id IN ({marks})",
                chunk,
            ):
                out[id_] = (docno, dig)
        return out

    def write(
        self, items: list[tuple[Article, list[str], list[str]]]
    ) -> tuple[list[int], list[int]]:
        """Insert analyzed articles in one transaction, retiring older versions of the same ids.

        Returns the new docnos (in order) and the docnos retired.
        """
        now = time.time()
        new_docnos: list[int] = []
        retired: list[int] = []
        with self.database.transaction() as db:
            seq = self._next_seq(db)  # first: it also orders concurrent writers (below)
            for article, title_terms, body_terms in items:
                old = db.execute(
                    "SELECT docno FROM articles WHERE id=? AND deleted_seq IS NULL",
                    (article.id,),
                ).fetchone()
                if old is not None:
                    db.execute("UPDATE articles SET deleted_seq=? WHERE docno=?", (seq, old[0]))
                    retired.append(old[0])
                cur = db.execute(
                    "INSERT INTO articles (id, title, body, url, published, source, category,"
                    " digest, terms, added_at, image) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                    " RETURNING docno",
                    (
                        article.id,
                        article.title,
                        article.body,
                        web_url(article.url),  # tg://, ftp: and huge URLs never link
                        article.published.isoformat() if article.published else None,
                        article.source,
                        article.category,
                        digest(article),
                        pack_terms(title_terms, body_terms),
                        now,
                        article.image,
                    ),
                )
                new_docnos.append(cur.fetchone()[0])
        return new_docnos, retired

    def remove(self, ids: Iterable[str]) -> list[int]:
        """Retire articles by id; returns the docnos retired."""
        with self.database.transaction() as db:
            seq = self._next_seq(db)
            retired = []
            for id_ in ids:
                row = db.execute(
                    "SELECT docno FROM articles WHERE id=? AND deleted_seq IS NULL", (id_,)
                ).fetchone()
                if row:
                    db.execute("UPDATE articles SET deleted_seq=? WHERE docno=?", (seq, row[0]))
                    retired.append(row[0])
        return retired

    @staticmethod
    def _next_seq(db) -> int:
        """The next change number, taken in one statement.

        On PostgreSQL the row stays locked until the transaction ends: a second writer waits
        here, so its docnos come after the first writer's commit and a reader that saw
        docno n never sees a smaller one arrive later (cursors stay sound).
        """
        (value,) = db.execute(
            "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
            " WHERE key='seq' RETURNING value"
        ).fetchone()
        return int(value)

    def purge_retired(self, below_docno: int, up_to_seq: int, everywhere: bool = False) -> int:
        """Forget retired rows that no index segment needs any more (everywhere: no data
        folder's segment counts any, as when every process searches OpenSearch)."""
        # a row retired while a segment was written may be in it: it stays until the next
        if self.shared and not everywhere:
            # another process's segment (its own data folder) may still count the row, and
            # takes it out by its stored terms: shared stores keep retired rows
            return 0
        cur = self.database.execute(
            "DELETE FROM articles WHERE deleted_seq IS NOT NULL AND docno < ? AND deleted_seq <= ?",
            (below_docno, up_to_seq),
        )
        return cur.rowcount

    # ---- reading --------------------------------------------------------------------

    def database_id(self) -> str:
        """The random name this database got when it was created."""
        (value,) = self.database.one("SELECT value FROM meta WHERE key='database'")
        return value

    def seq(self) -> int:
        """The number of the last change."""
        row = self.database.one("SELECT value FROM meta WHERE key='seq'")
        return int(row[0]) if row else 0

    def max_docno(self) -> int:
        """The highest docno ever given (0 when none)."""
        if self.shared:
            # the newest row is never purged (purge_retired), so the largest is the last given
            row = self.database.one("SELECT max(docno) FROM articles")
        else:
            row = self.database.one("SELECT seq FROM sqlite_sequence WHERE name='articles'")
        return int(row[0]) if row and row[0] is not None else 0

    def live_docs(self, after_docno: int = 0, batch: int = 2000) -> Iterator[StoredDoc]:
        """Live articles with docno above after_docno, in docno order, with their terms."""
        for docno, blob, published in self._live_rows("terms, published", after_docno, batch):
            title, body = unpack_terms(blob)
            yield StoredDoc(docno, title, body, date_of(published))

    def live_texts(
        self, after_docno: int = 0, batch: int = 500
    ) -> Iterator[tuple[int, str, str, str | None]]:
        """(docno, title, body, source) of live articles above after_docno, in docno order."""
        return self._live_rows("title, body, source", after_docno, batch)

    def _live_rows(self, columns: str, after_docno: int, batch: int) -> Iterator[tuple]:
        """(docno, *columns) of the live articles above after_docno, batch by batch."""
        last = after_docno
        while True:
            rows = self.database.rows(
                f"SELECT docno, {columns} FROM articles WHERE deleted_seq IS NULL"
                " AND docno > ? ORDER BY docno LIMIT ?",
                (last, batch),
            )
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def newest_texts(self, limit: int, offset: int = 0) -> list[tuple[int, str, str, str | None]]:
        """(docno, title, body, source) of live articles, newest first (date, then arrival)."""
        return self.database.rows(
            "SELECT docno, title, body, source FROM articles WHERE deleted_seq IS NULL"
            f" ORDER BY {_NEWEST} LIMIT ? OFFSET ?",
            (limit, offset),
        )

    def docnos_of_sources(self, sources: Iterable[str]) -> list[int]:
        """Live articles from these outlets (exact names, as stored)."""
        names = sorted(set(sources))
        if not names:
            return []
        marks = ",".join("?" * len(names))
        rows = self.database.rows(
            f"SELECT docno FROM articles WHERE deleted_seq IS NULL AND source IN ({marks})",
            names,
        )
        return [r[0] for r in rows]

    def source_names(self) -> list[str]:
        """Every outlet of the live archive, the one with most articles first."""
        rows = self.database.rows(
            "SELECT source FROM articles WHERE deleted_seq IS NULL AND source IS NOT NULL"
            " GROUP BY source ORDER BY count(*) DESC, source"
        )
        return [r[0] for r in rows]

    def retired_docs(self, after_seq: int = 0) -> Iterator[StoredDoc]:
        """Articles retired by changes after after_seq, with the terms to take out."""
        rows = self.database.rows(
            "SELECT docno, terms, published FROM articles WHERE deleted_seq > ? ORDER BY docno",
            (after_seq,),
        )
        for docno, blob, published in rows:
            title, body = unpack_terms(blob)
            yield StoredDoc(docno, title, body, date_of(published))

    def live_dates(self) -> Iterator[tuple[int, str | None]]:
        """(docno, published) of every live article."""
        rows = self.database.rows("SELECT docno, published FROM articles WHERE deleted_seq IS NULL")
        return iter(rows)

    def articles(self, docnos: Iterable[int]) -> dict[int, Article]:
        """Articles by docno."""
        docnos = list(docnos)
        out: dict[int, Article] = {}
        for i in range(0, len(docnos), 500):
            chunk = docnos[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.database.rows(
                "SELECT docno, id, title, body, url, published, source, category, image"
                f" FROM articles WHERE docno IN ({marks})",
                chunk,
            ):
                out[row[0]] = _article(row[1:])
        return out

    def headlines(self, docnos: Iterable[int]) -> dict[int, tuple[str, str | None]]:
        """Title and source of articles by docno (no bodies: cheap for many)."""
        return self._columns("title, source", docnos)

    def texts(self, docnos: Iterable[int]) -> dict[int, tuple[str, str]]:
        """Title and body of articles by docno (the passage ranking reads only these)."""
        return self._columns("title, body", docnos)

    def _columns(self, columns: str, docnos: Iterable[int]) -> dict[int, tuple]:
        """Two columns of articles by docno, 500 docnos a query (SQLite's bound on `?`)."""
        docnos = list(docnos)
        out: dict[int, tuple] = {}
        for i in range(0, len(docnos), 500):
            chunk = docnos[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for docno, a, b in self.database.rows(
                f"SELECT docno, {columns} FROM articles WHERE docno IN ({marks})", chunk
            ):
                out[docno] = (a, b)
        return out

    def article(self, article_id: str) -> tuple[int, Article] | None:
        """The live article with this id, and its docno."""
        row = self.database.one(
            "SELECT docno, id, title, body, url, published, source, category, image"
            " FROM articles WHERE id=? AND deleted_seq IS NULL",
            (article_id,),
        )
        return (row[0], _article(row[1:])) if row else None

    def latest(self, limit: int, after_docno: int = 0) -> list[tuple[int, Article]]:
        """The newest live articles: by date where known, then by arrival."""
        rows = self.database.rows(
            "SELECT docno, id, title, body, url, published, source, category, image FROM articles"
            " WHERE deleted_seq IS NULL AND docno > ?"
            f" ORDER BY {_NEWEST} LIMIT ?",
            (after_docno, limit),
        )
        return [(r[0], _article(r[1:])) for r in rows]

    def newest_docs(self, limit: int, offset: int = 0) -> list[StoredDoc]:
        """Live articles' terms, newest first (by date where known, then by arrival)."""
        rows = self.database.rows(
            "SELECT docno, terms, published FROM articles WHERE deleted_seq IS NULL"
            f" ORDER BY {_NEWEST} LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [StoredDoc(d, *unpack_terms(blob), date_of(p)) for d, blob, p in rows]

    def added_since(self, after_docno: int, limit: int = 1000) -> list[tuple[int, Article]]:
        """Live articles that arrived after a docno, oldest first."""
        rows = self.database.rows(
            "SELECT docno, id, title, body, url, published, source, category, image FROM articles"
            " WHERE deleted_seq IS NULL AND docno > ? ORDER BY docno LIMIT ?",
            (after_docno, limit),
        )
        return [(r[0], _article(r[1:])) for r in rows]

    def counts(self) -> dict:
        """Articles, sources, date range and undated articles of the live archive."""
        n, first, last, dated = self.database.one(
            "SELECT count(*), min(published), max(published), count(published) FROM articles"
            " WHERE deleted_seq IS NULL"
        )
        sources = self.database.rows(
            "SELECT coalesce(source, '?'), count(*) FROM articles WHERE deleted_seq IS NULL"
            " GROUP BY 1 ORDER BY 2 DESC"
        )
        return {
            "articles": n,
            "first": first,
            "last": last,
            "undated": n - dated,
            "sources": sources,
        }


def _article(row) -> Article:
    id_, title, body, url, published, source, category, image = row
    return Article(
        id=id_,
        title=title,
        body=body,
        url=url,
        published=date_of(published),
        source=source,
        category=category,
        image=image,
    )
