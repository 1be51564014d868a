"""BM25 postings and scoring, equal to rank_bm25.BM25Okapi on the same token lists.

A field's postings live in two parts: an immutable base segment (numpy arrays, memory
mapped from disk) and a small in-memory delta of documents added since the segment was
written. Removed documents stay in the postings but are masked and taken out of every
statistic, so scores always equal BM25Okapi over the live documents.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from . import scoring
from .segment_format import BaseSegmentField

# a length normalization by a code of two bytes per docno (coded_norm): lengths up to this
MAX_CODE = 65535


@dataclass(frozen=True, slots=True)
class BM25Params:
    """rank_bm25.BM25Okapi's defaults."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


def okapi_idf(df: np.ndarray, n: int) -> np.ndarray:
    """Robertson-Sparck Jones idf as BM25Okapi computes it (negative above n/2)."""
    df = df.astype(np.float64)
    return np.log(n - df + 0.5) - np.log(df + 0.5)


class FieldPostings:
    """Postings of one field (title, body, folded ...) across the base and the delta."""

    def __init__(
        self,
        name: str,
        params: BM25Params,
        base: BaseSegmentField | None = None,
        unit: float = 0.0,
    ):
        self.name = name
        self.unit = unit  # added to every contribution: lets one scatter also count matches
        self.params = params
        self.base = base
        self._delta: dict[str, tuple[array, array]] = {}
        self._df_adj: Counter[str] = Counter()  # df change since the base: adds minus removals
        self._dl = np.zeros(0 if base is None else len(base.dl), dtype=np.float64)
        if base is not None:
            self._dl[:] = base.dl
        self.n_docs = 0
        self.total_len = 0
        self.generation = 0
        self._stats_generation = -1
        self._avg_idf = 0.0
        self._norm: np.ndarray | None = None
        self._norms: dict[float, np.ndarray] = {}  # other length normalizations (b), lazily
        self._codes: np.ndarray | None = None
        self._luts: dict[float, np.ndarray] = {}
        # whether every docno added ascends, past the base's: each term's delta then does
        self._ordered = True
        self._last_added = len(self._dl) - 1

    # ---- building -------------------------------------------------------------------

    def set_base_stats(self, n_docs: int, total_len: int) -> None:
        """Counts of the base segment's live documents."""
        self.n_docs = n_docs
        self.total_len = total_len
        self._changed()

    def add(self, docno: int, terms: list[str]) -> None:
        """Add one document's terms (docno above every base docno)."""
        counts = Counter(terms)
        self._ordered &= docno > self._last_added  # (scoring.rank reads the delta in order)
        self._last_added = docno
        for term, tf in counts.items():
            docs_tfs = self._delta.get(term)
            if docs_tfs is None:
                docs_tfs = self._delta[term] = (array("i"), array("H"))
            docs_tfs[0].append(docno)
            docs_tfs[1].append(min(tf, 65535))
            self._df_adj[term] += 1
        self._grow(docno)
        self._dl[docno] = len(terms)
        self.n_docs += 1
        self.total_len += len(terms)
        self._changed()

    def remove(self, docno: int, terms: list[str]) -> None:
        """Take a document out of the statistics; its postings stay but are masked."""
        for term in set(terms):
            self._df_adj[term] -= 1
        self.n_docs -= 1
        self.total_len -= len(terms)
        self._changed()

    def _grow(self, docno: int) -> None:
        if docno >= len(self._dl):
            bigger = np.zeros(max(docno + 1, int(len(self._dl) * 1.25) + 1024), np.float64)
            bigger[: len(self._dl)] = self._dl
            self._dl = bigger

    def _changed(self) -> None:
        self.generation += 1

    # ---- statistics -----------------------------------------------------------------

    def df(self, term: str) -> int:
        """Number of live documents that contain the term."""
        base = 0
        if self.base is not None:
            tid = self.base.vocab.get(term)
            if tid is not None:
                base = int(self.base.df[tid])
        return base + self._df_adj.get(term, 0)

    @property
    def avgdl(self) -> float:
        return self.total_len / self.n_docs if self.n_docs else 0.0

    def _refresh_stats(self) -> None:
        if self._stats_generation == self.generation:
            return
        # BM25Okapi floors negative idfs at epsilon x the mean idf of the whole vocabulary,
        # so the mean has to follow every added or removed document.
        n = self.n_docs
        dfs = self.base.df.astype(np.int64) if self.base is not None else np.zeros(0, np.int64)
        extra = []
        for term, adj in self._df_adj.items():
            tid = self.base.vocab.get(term) if self.base is not None else None
            if tid is None:
                if adj > 0:
                    extra.append(adj)
            else:
                dfs[tid] += adj
        dfs = np.concatenate([dfs, np.asarray(extra, np.int64)]) if extra else dfs
        dfs = dfs[dfs > 0]
        self._avg_idf = float(okapi_idf(dfs, n).sum() / len(dfs)) if len(dfs) else 0.0
        k1, b = self.params.k1, self.params.b
        avgdl = self.avgdl or 1.0
        self._norm = k1 * (1 - b + b * self._dl / avgdl)
        self._norms = {b: self._norm}
        self._codes, self._luts = None, {}  # coded_norm(), when asked
        self._stats_generation = self.generation

    def idf(self, term: str, lucene: bool = False) -> float:
        """BM25Okapi's idf of a term (0 for a term no live document has), or Lucene's.

        Lucene's log(1 + (N - df + 0.5) / (df + 0.5)) falls smoothly with df; BM25Okapi's
        goes negative above half the documents and is floored there at epsilon x the mean
        idf, so "là", "của", "có" outweigh a word in 45% of the articles.
        """
        self._refresh_stats()
        df = self.df(term)
        if df <= 0:
            return 0.0
        n = self.n_docs
        if lucene:
            return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        value = math.log(n - df + 0.5) - math.log(df + 0.5)
        return self.params.epsilon * self._avg_idf if value < 0 else value

    # ---- scoring --------------------------------------------------------------------

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Docnos and raw term frequencies of a term, base then delta."""
        parts_d, parts_t = [], []
        if self.base is not None:
            tid = self.base.vocab.get(term)
            if tid is not None:
                docs, tfs = self.base.postings(tid)
                parts_d.append(docs)
                parts_t.append(tfs)
        delta = self._delta.get(term)
        if delta is not None:
            parts_d.append(np.frombuffer(delta[0], dtype=np.int32).astype(np.intp))
            parts_t.append(np.frombuffer(delta[1], dtype=np.uint16))
        if not parts_d:
            return np.zeros(0, np.intp), np.zeros(0, np.uint16)
        if len(parts_d) == 1:
            return parts_d[0], parts_t[0]
        return np.concatenate(parts_d), np.concatenate(parts_t)

    def _norm_for(self, b: float | None) -> np.ndarray:
        """k1 x (1 - b + b x dl / avgdl) for every docno: the params' b unless another is given."""
        self._refresh_stats()
        if b is None:
            return self._norm
        norm = self._norms.get(b)
        if norm is None:
            k1, avgdl = self.params.k1, self.avgdl or 1.0
            norm = self._norms[b] = k1 * (1 - b + b * self._dl / avgdl)
        return norm

    def coded_norm(self, b: float | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """_norm_for(b) as a uint16 code per docno (its length) and the norm of each code,
        computed as _norm_for does, so bit-equal (None: a document is over MAX_CODE long)."""
        self._refresh_stats()
        if self._codes is None:
            if len(self._dl) and self._dl.max() > MAX_CODE:
                return None
            self._codes = self._dl.astype(np.uint16)
        b = self.params.b if b is None else b
        lut = self._luts.get(b)
        if lut is None:
            k1, avgdl = self.params.k1, self.avgdl or 1.0
            lengths = np.arange(int(self._codes.max(initial=0)) + 1, dtype=np.float64)
            lut = self._luts[b] = k1 * (1 - b + b * lengths / avgdl)
        return self._codes, lut

    def delta(self, term: str) -> tuple[array, array] | None:
        """The term's postings added since the segment: docnos (array "i") and tfs ("H")."""
        return self._delta.get(term)

    @property
    def in_order(self) -> bool:
        """Whether the documents were added in ascending docnos, past the segment's."""
        return self._ordered

    def _parts(self, docs: np.ndarray, tfs: np.ndarray, norm: np.ndarray, idf: float):
        """idf x the tf part of BM25 (+ unit) of some postings: scoring.scatter()'s steps."""
        w = tfs.astype(np.float64)
        den = norm[docs]
        den += w
        w *= self.params.k1 + 1
        w /= den
        w *= idf
        if self.unit:
            w += self.unit
        return w

    def scatter(
        self,
        out: np.ndarray,
        term: str,
        lucene: bool = False,
        b: float | None = None,
        weight: float | None = None,
        drop_unit: bool = False,
    ) -> None:
        """out[docno] += idf x the tf part of BM25 of each posting (+ unit), x weight if given.

        lucene: Lucene's idf; b: another length normalization; drop_unit: less the unit
        again (its rounding stays, as in the syllable sums). The segment's postings are
        decoded and added in one pass in C.
        """
        norm, idf = self._norm_for(b), self.idf(term, lucene)
        flags = scoring.TIMES_WEIGHT if weight is not None else 0
        if self.unit:
            flags |= scoring.PLUS_UNIT | (scoring.MINUS_UNIT if drop_unit else 0)
        how = {"k1": self.params.k1, "idf": idf, "unit": self.unit, "flags": flags}
        tid = None if self.base is None else self.base.vocab.get(term)
        if tid is not None:
            lo, hi = int(self.base.offsets[tid]), int(self.base.offsets[tid + 1])
            self.base.packed.scatter(tid, lo, hi, norm, out, weight=weight or 0.0, **how)
        delta = self._delta.get(term)
        if delta is not None and len(delta[0]):
            docs = np.frombuffer(delta[0], dtype=np.int32).astype(np.intp)
            w = self._parts(docs, np.frombuffer(delta[1], dtype=np.uint16), norm, idf)
            if drop_unit and self.unit:
                w -= self.unit
            if weight is not None:
                w *= weight
            np.add.at(out, docs, w)

    def max_contribution(self, term: str, lucene: bool = False, b: float | None = None) -> float:
        """A bound on idf x the tf part of BM25 of a term in any one document.

        The tf part grows with tf and shrinks with length: the segment's highest tf in its
        shortest document bounds it (k1 + 1 bounds it for terms in the delta).
        """
        idf = self.idf(term, lucene)
        if idf <= 0:  # (BM25Okapi's floor on a tiny archive) then no posting adds anything
            return 0.0
        k1 = self.params.k1
        tid = None if self.base is None else self.base.vocab.get(term)
        if tid is None or term in self._delta:
            return idf * (k1 + 1)
        tf, dl = float(self.base.maxtf[tid]), float(self.base.mindl[tid])
        b = self.params.b if b is None else b
        part = tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / (self.avgdl or 1.0)))
        return idf * part * (1 + 1e-9)  # rounding margin

    def max_contributions_at(
        self, term: str, docnos: np.ndarray, lucene: bool = False, b: float | None = None
    ) -> np.ndarray:
        """max_contribution() for each of some docnos, from its block of the term's postings.

        A block's highest tf in its shortest document bounds every posting of the block,
        and a docno between two postings can only hold the term in the block it falls in.
        """
        idf = self.idf(term, lucene)
        tid = None if self.base is None else self.base.vocab.get(term)
        if idf <= 0 or tid is None or term in self._delta:
            return np.full(len(docnos), self.max_contribution(term, lucene, b))
        tf, dl = self.base.block_bounds(tid, docnos)
        tf = tf.astype(np.float64)
        k1, b = self.params.k1, self.params.b if b is None else b
        part = tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / (self.avgdl or 1.0)))
        return idf * part * (1 + 1e-9)  # rounding margin

    def contributions_at(
        self, term: str, docnos: np.ndarray, lucene: bool = False, b: float | None = None
    ) -> np.ndarray:
        """idf x the tf part of BM25 of a term for some docnos (0 where it is absent)."""
        w = self.tfs_at(term, docnos)
        den = self._norm_for(b)[docnos]
        den += w  # the operations of _parts(), in its order: the same roundings
        den[den == 0] = 1.0  # an empty field at b = 1 (norm 0) without the term: 0, not 0/0
        w *= self.params.k1 + 1
        w /= den
        w *= self.idf(term, lucene)
        return w

    def mark_holders(self, term: str, matched: np.ndarray) -> None:
        """Set matched (indexed by docno) for every document that holds the term."""
        tid = None if self.base is None else self.base.vocab.get(term)
        if tid is not None:
            n = min(len(self.base.dl) + 1, len(matched))
            held = np.unpackbits(self.base.bits(tid), count=n).view(bool)
            np.logical_or(matched[:n], held, out=matched[:n])
        delta = self._delta.get(term)
        if delta is not None and len(delta[0]):
            matched[np.frombuffer(delta[0], dtype=np.int32)] = True

    def holds(self, term: str, docnos: np.ndarray) -> np.ndarray:
        """Whether each of some docnos holds the term (removed documents may still)."""
        out = np.zeros(len(docnos), bool)
        tid = None if self.base is None else self.base.vocab.get(term)
        if tid is not None:
            out |= self.base.holds(tid, docnos)
        delta = self._delta.get(term)
        if delta is not None and len(delta[0]):
            docs = np.frombuffer(delta[0], dtype=np.int32)
            pos = np.minimum(np.searchsorted(docs, docnos), len(docs) - 1)
            out |= docs[pos] == docnos
        return out

    def tfs_at(self, term: str, docnos: np.ndarray) -> np.ndarray:
        """The tf (as float) of a term in some docnos, base and delta, 0 where absent."""
        tf = np.zeros(len(docnos))
        tid = None if self.base is None else self.base.vocab.get(term)
        if tid is not None:  # the segment's blocks that hold these docnos, only
            tf += self.base.tfs_at(tid, docnos)
        delta = self._delta.get(term)
        if delta is not None and len(delta[0]):
            docs = np.frombuffer(delta[0], dtype=np.int32)
            pos = np.minimum(np.searchsorted(docs, docnos), len(docs) - 1)
            tf += np.where(docs[pos] == docnos, np.frombuffer(delta[1], np.uint16)[pos], 0)
        return tf

    def accumulate(
        self,
        scores: np.ndarray,
        terms: Iterable[str],
        weight: float = 1.0,
        lucene: bool = False,
        b: float | None = None,
    ) -> None:
        """Add weight x BM25(terms) of every document into scores (indexed by docno)."""
        for term in terms:
            if self.idf(term, lucene) != 0.0:
                self.scatter(scores, term, lucene, b, None if weight == 1.0 else weight)

    def cf(self, term: str) -> int:
        """How many times the term occurs in the documents, base and delta (collection frequency)."""
        total = 0
        if self.base is not None:
            tid = self.base.vocab.get(term)
            if tid is not None:
                total += int(self.base.cf[tid])
        delta = self._delta.get(term)
        if delta is not None:
            total += int(np.frombuffer(delta[1], dtype=np.uint16).sum())
        return total

    def vocab_size(self) -> int:
        """Distinct terms in live documents."""
        n = 0 if self.base is None else int(np.count_nonzero(self.base.df))
        for term, adj in self._df_adj.items():
            tid = self.base.vocab.get(term) if self.base is not None else None
            before = 0 if tid is None else int(self.base.df[tid])
            n += int(before + adj > 0) - int(before > 0)
        return n

    @property
    def size(self) -> int:
        """One past the highest docno this field knows."""
        return len(self._dl)
