"""The ranker: BM25 scores of every article for a plan, and the best k of them."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from functools import partial

import numpy as np

from . import scoring
from .bm25 import BM25Params, FieldPostings
from .deferral import deferred_terms
from .live_postings import NO_DATE, Segments, days
from .planner import QueryPlan
from .scan import SAMPLE, Scan

# a question's period puts its dated articles first only when they score this share of
# the best: "năm 1985" in a question about the past must not put a weak match of 1985 first
STRONG_SHARE = 0.5
# an article answers a question when it scores this share of the best: one holding a
# common word of the question matches, but answers nothing (bench/periods.py, plain)
ANSWER_SHARE = 0.2
# outsiders within reach of the leaders checked against their blocks' bounds, at most:
# past this the scan of every posting costs less
MAX_DOUBT = 200_000
_NONE = np.zeros(0, np.intp)  # scoring.select() into nothing: a count


def strong(inside: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The articles of a question's period that are good matches, to rank them first."""
    if not len(scores) or scores.max() <= 0:
        return inside
    return inside & (scores >= STRONG_SHARE * scores.max())


def answer_count(scores: np.ndarray, matched: np.ndarray, best: float) -> int:
    """How many matched articles answer a question: ANSWER_SHARE of the best score."""
    if best <= 0:
        return int(np.count_nonzero(matched))
    return scoring.select(scores, matched, ANSWER_SHARE * best, _NONE)


def in_range(days_of: np.ndarray, rng: tuple[dt.date | None, dt.date | None]) -> np.ndarray:
    """Which day numbers fall inside a (from, to) range; undated ones never do."""
    lo, hi = rng
    inside = days_of > NO_DATE
    if lo is not None:
        inside &= days_of >= days(lo)
    if hi is not None:
        inside &= days_of <= days(hi)
    return inside


class Ranker:
    """Scores over the loaded segments, with work buffers reused between queries."""

    _in_range = staticmethod(in_range)

    def __init__(self, segments: Segments, params: BM25Params, lock: threading.RLock):
        self.segments = segments
        self.params = params
        self._lock = lock
        self.scan = Scan()  # ranked(), with its work buffers
        self.last_pruned = False
        self.last_answers = 0  # the last best()'s answer set (answer_count), for search()
        self._count: Callable[[], int] | None = None  # counts it when answers() asks
        self.last_doubt = (0, 0)  # outsiders within reach of the leaders, and past their blocks

    @property
    def fields(self) -> Mapping[str, FieldPostings]:
        """The postings of each field, as loaded now."""
        return self.segments.state.fields

    @property
    def _alive(self) -> np.ndarray:
        return self.segments.state.alive

    @property
    def _dates(self) -> np.ndarray:
        return self.segments.state.dates

    def _grow(self, docno: int) -> None:
        self.segments.state.grow(docno)

    def scores(self, plan: QueryPlan) -> np.ndarray:
        """Score of every docno for a plan; -inf for articles that match no query word."""
        with self._lock:
            scores, matched = self.ranked(plan)
            scores = scores.copy()  # ranked() hands out a buffer the next query reuses
        np.copyto(scores, -np.inf, where=~matched)
        return scores

    def best(self, plan: QueryPlan, k: int, **kwargs) -> tuple[np.ndarray, np.ndarray, int]:
        """The k best docnos, their scores, and how many articles matched."""
        with self._lock:
            self.last_pruned = False  # whether this answer skipped postings (tests)
            self._count = None
            if all(v is None for v in kwargs.values()):  # search() passes its filters as None
                found = self._best_deferring_common_terms(plan, k)
                if found is not None:
                    return found
            scores, matched = self.ranked(plan)
            docnos, total = self.top(scores, k, matched=matched, **kwargs)
            return docnos, scores[docnos], total

    def deferred(self, plan: QueryPlan) -> dict[tuple[str, str], float]:
        """The (field, term)s best() scores on the leaders only, with their weights."""
        return deferred_terms(self.fields, plan)

    def _best_deferring_common_terms(
        self, plan: QueryPlan, k: int
    ) -> tuple[np.ndarray, np.ndarray, int] | None:
        """best() with the deferred() terms scored on the leaders only.

        Score everything else, take the leaders, add the deferred terms to those and to
        the outsiders whose blocks' bounds say they could still catch up (None when too
        many could: then best() does the full work).
        """
        deferred = self.deferred(plan) if k > 0 else {}
        if not deferred:
            return None
        scores, matched = self.ranked(plan, defer=frozenset(deferred))
        reach = sum(
            w * self.fields[f].max_contribution(x, plan.lucene, plan.b)
            for (f, x), w in deferred.items()
        )
        leaders, total = self.top(scores, max(20 * k, 200), matched=matched)
        final = self._with_deferred(scores, leaders, deferred, plan)
        if len(leaders) and total > len(leaders):
            kth = np.sort(final)[-min(k, len(final))]
            if scores[leaders].min() + reach >= kth:  # an outsider might catch up
                doubt = self._in_reach(scores, matched, leaders, kth, reach, deferred, plan)
                if doubt is None:  # too many: score the deferred terms too, and rank all
                    self._add_deferred(scores, deferred, plan)
                    docnos, total = self.top(scores, k, matched=matched)
                    return docnos, scores[docnos], total
                leaders = np.concatenate([leaders, doubt])
                final = np.concatenate([final, self._with_deferred(scores, doubt, deferred, plan)])
        self.last_pruned = True
        # the answer set is counted when asked (answers()): search() wants it, ranking not
        best = float(final.max(initial=0.0))
        self._count = partial(self._count_pruned, scores, matched, deferred, plan, reach, best)
        order = np.lexsort((-leaders, -self._dates[leaders], -final))[:k]
        return leaders[order], final[order], total

    def answers(self) -> int:
        """The last best()'s answer set: matched articles within ANSWER_SHARE of the best.

        Counted when asked, over the scores the last best() left in its buffer (so before
        the next query), exactly as the full scan would.
        """
        with self._lock:
            if self._count is not None:
                self.last_answers, self._count = self._count(), None
            return self.last_answers

    def _count_pruned(self, scores, matched, deferred, plan, reach: float, best: float) -> int:
        """answers() after a pruned best(): the articles the deferred terms could lift
        over the bar are scored with them (as outsiders in reach of the k-th are)."""
        if best <= 0:
            return int(np.count_nonzero(matched))
        bar = ANSWER_SHARE * best
        sure = scoring.select(scores, matched, bar, _NONE)
        near = self._select(scores, matched, bar - reach, high=bar)
        postings = sum(self.fields[f].df(x) for f, x in deferred)
        # a bound and a lookup per article and term cost some 20 postings' scatter each
        if len(near) > MAX_DOUBT or 20 * len(near) * len(deferred) > postings:
            self._add_deferred(scores, deferred, plan)
            return scoring.select(scores, matched, bar, _NONE)
        bound = scores[near]
        for (f, x), w in deferred.items():
            bound += w * self.fields[f].max_contributions_at(x, near, plan.lucene, plan.b)
        near = near[bound >= bar]
        full = self._with_deferred(scores, near, deferred, plan)
        return sure + int(np.count_nonzero(full >= bar))

    def _add_deferred(self, scores, deferred, plan: QueryPlan) -> None:
        """Add the deferred terms to the scores of every docno: what ranked() left out."""
        self.scan.add(self.fields, scores, deferred, plan)

    def _with_deferred(self, scores, docnos, deferred, plan: QueryPlan) -> np.ndarray:
        """Scores of some docnos with the deferred terms added."""
        final = scores[docnos]  # (a copy: fancy indexing)
        for (f, x), w in deferred.items():
            final += w * self.fields[f].contributions_at(x, docnos, plan.lucene, plan.b)
        return final

    def _in_reach(self, scores, matched, leaders, kth, reach, deferred, plan):
        """The matched outsiders that the deferred terms could lift to kth (None: too many).

        The terms' bounds over all their postings pick the candidates; the bounds of the
        blocks of postings each candidate falls in (a few per term) drop most of them.
        """
        if scoring.select(scores, matched, kth - reach, _NONE) - len(leaders) > MAX_DOUBT:
            return None  # (counted first: a list of them all would be thrown away)
        doubt = self._select(scores, matched, kth - reach)
        doubt = doubt[~np.isin(doubt, leaders, assume_unique=True)]
        if len(doubt) > MAX_DOUBT:
            return None
        bound = scores[doubt]
        for (f, x), w in deferred.items():
            bound += w * self.fields[f].max_contributions_at(x, doubt, plan.lucene, plan.b)
        self.last_doubt = (len(doubt), int(np.count_nonzero(bound >= kth)))
        return doubt[bound >= kth]

    def ranked(
        self, plan: QueryPlan, defer: frozenset[tuple[str, str]] = frozenset()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Score of every docno for a plan, and which live articles match at all.

        (field, term) pairs in defer are left out of the scores (best()); a deferred
        syllable counts as present, a deferred word's holders match.
        """
        return self.scan.ranked(self.fields, self._alive, plan, defer)

    def _select(self, scores, matched, low: float, strict=False, high=np.inf) -> np.ndarray:
        """The matched docnos scoring at least low (above it: strict) and below high."""
        out = self.scan.scratch("selected", len(scores), np.intp)
        return out[: scoring.select(scores, matched, low, out, strict, high)].copy()

    def _above_kth(self, scores: np.ndarray, matched: np.ndarray, k: int, total: int) -> np.ndarray:
        """The matched docnos whose score is at least the k-th best's (all, if few match).

        Selecting among a million candidates costs tens of milliseconds: a sample of every
        64th article gives a bar that about 2k of them pass, and when at least k do, the
        k best and every tie of the k-th are among them.
        """
        step = SAMPLE
        if total > 16 * (k + step):
            sample = self.scan.sample(scores, matched)
            j = k // step + 3
            if len(sample) > j:
                bar = np.partition(sample, len(sample) - j)[len(sample) - j]
                # Above the bar first: when k pass it, the k-th and all its ties are above it
                # too, and a bar that thousands share (a 0) does not make them candidates.
                cand = self._select(scores, matched, bar, strict=True)
                if len(cand) >= k:
                    return cand
                # else the k best are those and the newest of the bar's ties (date, docno)
                newest = np.empty(k - len(cand), np.intp)
                if scoring.newest(scores, matched, bar, self._dates, newest) >= len(newest):
                    return np.concatenate([cand, newest])
        return np.flatnonzero(matched)

    def top(
        self,
        scores: np.ndarray,
        k: int,
        date_range: tuple[dt.date | None, dt.date | None] | None = None,
        prefer: tuple[dt.date | None, dt.date | None] | None = None,
        matched: np.ndarray | None = None,
        only: np.ndarray | None = None,
    ) -> tuple[np.ndarray, int]:
        """Docnos of the k best scores (ties: newer first) and how many matched at all.

        matched marks the candidates (default: every finite score); date_range keeps only
        articles dated inside it; prefer ranks the articles dated inside it first, and the
        others (undated ones included) after them.
        """
        if len(self._dates) < len(scores):
            self._grow(len(scores) - 1)
        if matched is None:
            matched = scores > -np.inf
        if only is None and date_range is None and prefer is None and len(matched) == len(scores):
            total = int(np.count_nonzero(matched))
            cand = self._above_kth(scores, matched, k, total)
        else:
            cand = np.flatnonzero(matched)
            total = len(cand)
        if only is not None:  # the docnos a source filter allows
            cand = np.intersect1d(cand, only, assume_unique=True)
        if date_range is not None:
            cand = cand[self._in_range(self._dates[cand], date_range)]
            total = len(cand)
        elif only is not None:
            total = len(cand)
        self._count = None
        if total == 0 or k <= 0:
            self.last_answers = total
            return np.zeros(0, np.int64), total
        values = scores[cand]
        best = float(values.max())
        if len(cand) < total:  # sampled (_above_kth): counted over every match, when asked
            self._count = partial(answer_count, scores, matched, best)
        else:
            self.last_answers = answer_count(values, np.ones(len(values), bool), best)
        if prefer is not None:
            inside = strong(self._in_range(self._dates[cand], prefer), values)
            if inside.any():
                values = values + inside * (float(values.max() - values.min()) + 1.0)
        k = min(k, len(cand))
        kth = np.partition(values, len(cand) - k)[len(cand) - k]
        keep = values >= kth  # every tie of the k-th score, for the date rule
        cand, values = cand[keep], values[keep]
        if len(cand) > 2 * k + 64:  # thousands tie at the k-th (a 0): no sort of them all
            cand, values = self._newest_ties(cand, values, kth, k)
        order = np.lexsort((-cand, -self._dates[cand], -values))
        return cand[order][:k], total

    def _newest_ties(self, cand, values, kth: float, k: int):
        """The candidates above the k-th score, and of those tied at it the newest (then the
        later indexed) that the k best can hold: the lexsort's top k, by one partition."""
        above = values > kth
        tied = cand[~above]
        room = k - int(np.count_nonzero(above))  # >= 1: kth is the k-th best
        key = self._dates[tied] * 2**32 + tied  # the date first, then the docno (< 2^32)
        pick = np.argpartition(key, len(key) - room)[len(key) - room :]
        return (
            np.concatenate([cand[above], tied[pick]]),
            np.concatenate([values[above], values[~above][pick]]),
        )
