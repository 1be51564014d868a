"""Every docno's score for a query plan, and which articles match (Ranker.ranked()).

Scores add term by term, in the plan's order; syllables also count: each of their postings
adds UNIT + its score into a second sum, and scores stay far below UNIT, so the count is
the integer part over UNIT. At a million articles every term's postings touch most of the
24 MB of scores and lengths, so the scan (scoring.rank) runs a chunk of docnos at a time
through every term, in cache; the term-by-term path serves what it cannot (and is its
reference in the tests).
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping

import numpy as np

from . import scoring
from .bm25 import FieldPostings
from .fields import SYLLABLE_FIELDS, UNIT
from .packed import Packed
from .planner import QueryPlan

# docnos per step of the scan: its scores, syllable sums and lengths stay in a core's cache
CHUNK = 4096
# every this many docnos one is sampled for Ranker.top()'s bar (scoring.rank has it so)
SAMPLE = 64
# a term the segment lacks, or a delta without it: no postings
_NO_POSTINGS = Packed(
    *(np.zeros(0, t) for t in (np.uint8, np.int32, np.uint8, np.uint16)),
    *(np.zeros(1, np.int64),) * 4,
)
_NO_DELTA = (array("i"), array("H"))


class Scan:
    """ranked() over some fields, with work buffers reused between queries."""

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}
        self.by_term = False  # the term-by-term path only (tests: the reference)
        self.last_pass = False  # whether the last ranked() was the one pass (tests)
        self.last_doubts = 0  # articles a deferred syllable could admit, last time (tests)
        self._sampled: tuple | None = None  # the one pass's scores, matches and sample

    def ranked(
        self,
        fields: Mapping[str, FieldPostings],
        alive: np.ndarray,
        plan: QueryPlan,
        defer: frozenset[tuple[str, str]] = frozenset(),
    ) -> tuple[np.ndarray, np.ndarray]:
        """Score of every docno for a plan, and which live articles match at all.

        (field, term) pairs in defer are left out of the scores (best()); a deferred
        syllable counts as present, a deferred word's holders match.
        """
        size = max(max(f.size for f in fields.values()), len(alive))
        found = None if self.by_term else self._in_one_pass(fields, alive, plan, defer, size)
        self.last_pass = found is not None
        return found if found is not None else self._term_by_term(fields, alive, plan, defer, size)

    def _in_one_pass(self, fields, alive, plan, defer, size):
        """ranked() by scoring.rank (None where it does not serve: then term by term)."""
        lucene, b = plan.lucene, plan.b
        specs = []
        for field, terms, weight in plan.parts:
            postings = fields[field]
            coded = postings.coded_norm(b)
            if coded is None or not postings.in_order:
                return None
            if field in SYLLABLE_FIELDS:  # counted: every distinct one, whatever its idf
                specs += [
                    _spec(postings, x, lucene, coded, target=1)
                    for x in dict.fromkeys(terms)
                    if (field, x) not in defer
                ]
                continue
            for term in terms:
                idf = postings.idf(term, lucene)
                if idf <= 0 < postings.df(term):  # BM25Okapi on a tiny archive: see below
                    return None
                if idf != 0.0 and (field, term) not in defer:
                    times = None if weight == 1.0 else weight
                    specs.append(_spec(postings, term, lucene, coded, times))
        matched = np.zeros(size, bool)  # (fresh: callers may keep it)
        for field, term in sorted(p for p in defer if p[0] not in SYLLABLE_FIELDS):
            fields[field].mark_holders(term, matched)
        need, low, weight = _syllable_bar(plan, defer)
        scores = self.scratch("scores", size)
        doubt = self.scratch("doubt", size if low < need else 0, np.intp)
        held = self.scratch("held", len(doubt))
        sample = self.scratch("sample", -(-size // SAMPLE))
        bar = (UNIT, need, low, weight)
        n, sampled = scoring.rank(
            tuple(specs), alive, scores, matched, bar, doubt, held, CHUNK, sample
        )
        self.last_doubts = n
        if n:
            self._match_deferred(fields, doubt[:n], held[:n], matched, need, defer)
        self._sampled = (scores, matched, sample[:sampled])
        return scores, matched

    def sample(self, scores: np.ndarray, matched: np.ndarray) -> np.ndarray:
        """The scores of every SAMPLE-th docno that matches (Ranker.top()'s bar): taken by
        the one pass when these are its arrays, or now (the doubts it settled after, or
        the deferred terms added since, may be missing: the bar only has to be near)."""
        last = self._sampled
        if last is not None and last[0] is scores and last[1] is matched:
            return last[2]
        return scores[::SAMPLE][matched[::SAMPLE]]

    def add(self, fields, scores: np.ndarray, terms: dict, plan: QueryPlan) -> None:
        """Add some (field, term)s x their weights into every score, as FieldPostings.scatter()
        term after term would (its operations, its order), but in one pass in C."""
        lucene, b = plan.lucene, plan.b
        specs = []
        for (field, term), weight in terms.items():
            postings = fields[field]
            coded = postings.coded_norm(b)
            if coded is None or not postings.in_order:  # (what the pass cannot read)
                for (f, x), w in terms.items():
                    fields[f].scatter(scores, x, lucene, b, weight=w, drop_unit=True)
                return
            specs.append(_spec(postings, term, lucene, coded, weight, drop_unit=True))
        scoring.add(tuple(specs), scores, CHUNK)

    def _term_by_term(self, fields, alive, plan, defer, size):
        """ranked() one term at a time over every docno."""
        scores = self.zeroed("scores", size)
        lucene = plan.lucene
        words = [p for p in plan.parts if p[0] not in SYLLABLE_FIELDS]
        # On a tiny archive BM25Okapi gives matching articles scores <= 0 (idf floors at
        # epsilon x a negative mean): then matches are tracked apart from the scores.
        matched = None
        if any(fields[f].idf(t, lucene) <= 0 < fields[f].df(t) for f, ts, _ in words for t in ts):
            matched = np.zeros(size, bool)
            for field, terms, _ in words:
                for term in terms:
                    matched[fields[field].postings(term)[0]] = True
        for field, terms, weight in words:
            kept = [t for t in terms if (field, t) not in defer]
            fields[field].accumulate(scores, kept, weight, lucene, plan.b)
        if matched is None:
            matched = scores != 0
        for field, term in sorted(p for p in defer if p[0] not in SYLLABLE_FIELDS):
            fields[field].mark_holders(term, matched)
        need, low, weight = _syllable_bar(plan, defer)
        if need:
            # Syllables rank, but alone they only admit an article that holds more than
            # half of the question's distinct syllables: one shared "công" is no match.
            packed = self.zeroed("packed", size)
            for field, sylls, _ in plan.parts:
                if field in SYLLABLE_FIELDS:  # its parts carry the +UNIT already
                    for x in dict.fromkeys(sylls):
                        if (field, x) not in defer:
                            fields[field].scatter(packed, x, lucene, plan.b)
            doubt = self.scratch("doubt", size if low < need else 0, np.intp)
            held = self.scratch("held", len(doubt))
            bar = (UNIT, need, low, weight)
            n = scoring.syllables(packed, scores, matched, bar, doubt, held)
            if n:
                self._match_deferred(fields, doubt[:n], held[:n], matched, need, defer)
        if len(alive) < size:
            alive = np.concatenate([alive, np.zeros(size - len(alive), bool)])
        return scores, alive[:size] & matched

    @staticmethod
    def _match_deferred(fields, doubt, held, matched, need: int, defer) -> None:
        """Mark the articles of doubt that reach `need` syllables with the deferred ones' help.

        held: the other syllables each of them holds (those a deferred syllable could lift
        over the bar); the deferred ones are looked up in the syllable's tf of every docno.
        """
        for field, syl in sorted(p for p in defer if p[0] in SYLLABLE_FIELDS):
            held += fields[field].holds(syl, doubt)
        matched[doubt[held >= need]] = True

    def scratch(self, name: str, size: int, dtype=np.float64) -> np.ndarray:
        """A work array reused between queries, not zeroed (callers overwrite it)."""
        buf = self._buffers.get(name)
        if buf is None or len(buf) < size:
            buf = self._buffers[name] = np.empty(int(size * 1.1) + 1024, dtype)
        return buf[:size]

    def zeroed(self, name: str, size: int) -> np.ndarray:
        """scratch() zeroed (callers hold the index lock).

        A fresh array of a million floats costs more in page faults than all the
        arithmetic on it; the one from the last query only needs zeroing.
        """
        view = self.scratch(name, size)
        view.fill(0.0)
        return view


def _spec(
    postings: FieldPostings,
    term: str,
    lucene: bool,
    coded: tuple[np.ndarray, np.ndarray],
    weight: float | None = None,
    target: int = 0,
    drop_unit: bool = False,
) -> tuple:
    """A term as scoring.rank takes it: FieldPostings.scatter()'s steps, on its segment's
    postings and then its delta's, into the scores (target 0) or the syllable sums (1)."""
    flags = scoring.TIMES_WEIGHT if weight is not None else 0
    if postings.unit:
        flags |= scoring.PLUS_UNIT | (scoring.MINUS_UNIT if drop_unit else 0)
    base = postings.base
    tid = None if base is None else base.vocab.get(term)
    if tid is None:
        packed, lo, hi, gx, tx = _NO_POSTINGS, 0, 0, 0, 0
    else:
        packed = base.packed
        lo, hi = int(base.offsets[tid]), int(base.offsets[tid + 1])
        gx, tx = packed.exceptions(tid, lo, hi)
    docs, tfs = postings.delta(term) or _NO_DELTA
    codes, lut = coded
    how = (postings.params.k1, postings.idf(term, lucene), postings.unit)
    return (
        target, packed.gaps, packed.gapx, packed.tf4, packed.tfx, lo, hi, gx, tx, codes, lut,
        *how, 1.0 if weight is None else weight, flags, docs, tfs,
    )  # fmt: skip


def _syllable_bar(plan: QueryPlan, defer) -> tuple[int, int, float]:
    """The syllables an article needs to match (0: no syllables asked), how many it needs
    besides the deferred ones, and the syllables' weight (one for both fields)."""
    parts = [p for p in plan.parts if p[0] in SYLLABLE_FIELDS]
    if not parts:
        return 0, 0, 0.0
    need = sum(len(dict.fromkeys(sylls)) for _, sylls, _ in parts) // 2 + 1
    return need, need - sum(p[0] in SYLLABLE_FIELDS for p in defer), parts[0][2]
