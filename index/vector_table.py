"""Passage vectors in a shared article database: a replica keeps no vector file.

On PostgreSQL (several replicas, often with OpenSearch as their first stage) the vectors
live beside the articles: one embedder (`newsbot embed`, or the worker of whichever bot
holds the advisory lock) writes each batch in one transaction, so a batch is stored whole
or not at all. Every replica keeps the leads in memory (the dense candidate source reads
them all, about 400 bytes an article), loading only the batches stored since its last look,
and fetches a question's candidates' windows in one query when it ranks them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .embedding import DIM
from .vectors import Vectors, quantise

__all__ = ["VectorTable"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS passage_vectors (
    docno INTEGER NOT NULL,
    part INTEGER NOT NULL,      -- 0 the article's lead, 1.. its passage windows
    codes BLOB NOT NULL,        -- int8 x 384: the vector over its largest component x 127
    scale REAL NOT NULL,        -- that component / 127
    PRIMARY KEY (docno, part)
);
CREATE TABLE IF NOT EXISTS passage_vectors_done (
    docno INTEGER NOT NULL,
    tier INTEGER NOT NULL,      -- 0 its lead is stored, 1 its windows too
    batch INTEGER NOT NULL,     -- the batch that stored it: replicas load newer ones only
    PRIMARY KEY (docno, tier)
);
CREATE INDEX IF NOT EXISTS passage_vectors_done_batch ON passage_vectors_done(batch);
"""
_LOCK = "newsbot embedding"


class VectorTable:
    """VectorFiles' contract over the article database (storage.open_database's)."""

    def __init__(self, database: Any):
        self.database = database
        database.schema(_SCHEMA, "vectors")
        self._leads = Vectors.empty()
        self._batch = 0  # the newest batch loaded

    def describe(self) -> str:
        """Where the vectors are, for messages."""
        return f"the database's passage_vectors table ({self.database.path})"

    # ---- writing --------------------------------------------------------------------

    @contextmanager
    def lock(self, wait: bool = True) -> Iterator[bool]:
        """One embedder for the whole cluster (an advisory lock): True when held; waited for
        (another replica's batch takes seconds) unless wait is False."""
        while True:
            with self.database.advisory(_LOCK) as held:
                if held or not wait:
                    yield held
                    return
            time.sleep(0.5)

    def append(self, rows, vectors: np.ndarray, done: Iterable[tuple[int, int]]) -> int:
        """Store one batch in one transaction: rows are (docno, part) pairs; its number."""
        codes, scales = quantise(vectors)
        rows = np.asarray(rows, np.int64).reshape(-1, 2)
        with self.database.transaction() as db:
            (last,) = db.execute(
                "SELECT COALESCE(MAX(batch), 0) FROM passage_vectors_done"
            ).fetchone()
            batch = int(last) + 1
            db.executemany(
                "INSERT INTO passage_vectors VALUES (?, ?, ?, ?) ON CONFLICT (docno, part)"
                " DO UPDATE SET codes = excluded.codes, scale = excluded.scale",
                [
                    (int(d), int(p), codes[i].tobytes(), float(scales[i]))
                    for i, (d, p) in enumerate(rows.tolist())
                ],
            )
            db.executemany(
                "INSERT INTO passage_vectors_done VALUES (?, ?, ?) ON CONFLICT (docno, tier)"
                " DO UPDATE SET batch = excluded.batch",
                [(int(d), int(t), batch) for d, t in done],
            )
        return batch

    def tidy(self, alive: np.ndarray | None, most: int = 16) -> None:
        """Nothing to merge: rows are the table's (compact() drops retired articles')."""

    def remove_leftovers(self) -> int:
        """Nothing is left half written: a batch is one transaction."""
        return 0

    def compact(self, alive: np.ndarray | None = None, seqs: list[int] | None = None) -> int:
        """Delete the vectors of articles no longer live; the rows kept."""
        with self.database.transaction() as db:
            for table in ("passage_vectors", "passage_vectors_done"):
                db.execute(
                    f"DELETE FROM {table} WHERE docno NOT IN"
                    " (SELECT docno FROM articles WHERE deleted_seq IS NULL)"
                )
            (kept,) = db.execute("SELECT COUNT(*) FROM passage_vectors").fetchone()
        return int(kept)

    def drop(self) -> int:
        """Delete every vector (`newsbot check --repair`: they are embedded again); the rows."""
        with self.database.transaction() as db:
            (n,) = db.execute("SELECT COUNT(*) FROM passage_vectors").fetchone()
            db.execute("DELETE FROM passage_vectors")
            db.execute("DELETE FROM passage_vectors_done")
        return int(n)

    # ---- reading --------------------------------------------------------------------

    def tiers(self) -> dict[int, int]:
        """The highest tier done of each docno."""
        out: dict[int, int] = {}
        for d, t in self.database.rows("SELECT docno, tier FROM passage_vectors_done"):
            out[d] = max(out.get(d, -1), t)
        return out

    def signature(self) -> tuple[int, ...]:
        """Changes when a batch is stored or vectors are deleted (one small query)."""
        count, batch = self.database.one(
            "SELECT COUNT(*), COALESCE(MAX(batch), 0) FROM passage_vectors_done"
        ) or (0, 0)
        return (int(count), int(batch))

    def load(self) -> Vectors:
        """The leads in memory (only the batches stored since the last load are read), and
        the windows fetched for the docnos a question ranks."""
        (count,) = self.database.one("SELECT COUNT(*) FROM passage_vectors_done") or (0,)
        if count < len(self._leads.done):  # vectors were deleted: read them all again
            self._leads, self._batch = Vectors.empty(), 0
        fresh = self.database.rows(
            "SELECT v.docno, v.codes, v.scale, d.batch FROM passage_vectors v"
            " JOIN passage_vectors_done d ON d.docno = v.docno AND d.tier = 0"
            " WHERE v.part = 0 AND d.batch > ?",
            (self._batch,),
        )
        done = np.array(
            self.database.rows("SELECT docno, tier FROM passage_vectors_done"), np.int64
        ).reshape(-1, 2)
        old = self._leads
        if fresh:
            docnos = np.array([r[0] for r in fresh], np.int64)
            codes = np.frombuffer(b"".join(bytes(r[1]) for r in fresh), np.int8).reshape(-1, DIM)
            scales = np.array([r[2] for r in fresh], np.float32)
            self._batch = max(self._batch, max(int(r[3]) for r in fresh))
            keep = ~np.isin(old.docnos, docnos)  # a lead stored again replaces the old one
            docnos = np.concatenate([old.docnos[keep], docnos])
            codes = np.concatenate([old.codes[keep], codes])
            scales = np.concatenate([old.scales[keep], scales])
            order = np.argsort(docnos, kind="stable")
            old = Vectors(
                codes[order],
                scales[order],
                docnos[order],
                np.zeros(len(order), np.int64),
                done,
                len(order),
            )
        self._leads = Vectors(
            old.codes, old.scales, old.docnos, old.parts, done, old.n_leads, self._fetch
        )
        return self._leads

    def _fetch(self, docnos: np.ndarray) -> Vectors:
        """Every stored vector of these docnos (a question's candidates), as Vectors."""
        rows: list[tuple] = []
        wanted = [int(d) for d in np.unique(docnos)]
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows += self.database.rows(
                "SELECT docno, part, codes, scale FROM passage_vectors"
                f" WHERE docno IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        if not rows:
            return Vectors.empty()
        rows.sort(key=lambda r: (r[1] != 0, r[0], r[1]))  # leads first, as loaded files are
        codes = np.frombuffer(b"".join(bytes(r[2]) for r in rows), np.int8).reshape(-1, DIM)
        docnos_ = np.array([r[0] for r in rows], np.int64)
        parts = np.array([r[1] for r in rows], np.int64)
        scales = np.array([r[3] for r in rows], np.float32)
        return Vectors(
            codes, scales, docnos_, parts, np.zeros((0, 2), np.int64), int((parts == 0).sum())
        )

    def problem(self, max_docno: int | None = None) -> str | None:
        """What is wrong with the stored vectors, or None (for `newsbot check`)."""
        bad, top = self.database.one(
            "SELECT COALESCE(SUM(CASE WHEN length(codes) != ? THEN 1 ELSE 0 END), 0),"
            " COALESCE(MAX(docno), 0)"
            " FROM passage_vectors",
            (DIM,),
        ) or (0, 0)
        if bad:
            return f"{bad:,} stored vectors are not {DIM} bytes long"
        if max_docno is not None and top > max_docno:
            return "the vectors table holds articles the database does not"
        return None
