"""SearchIndex: the archive's articles, their BM25 fields, and queries over them."""

from __future__ import annotations

import datetime as dt
import fcntl
import math
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bm25 import BM25Params, FieldPostings, SegmentWriter, read_segment, read_segment_info
from .models import Article, Hit, SearchResult
from .normalize import fold, has_diacritics, normalize
from .query import aliases_in_words, parse
from .segment import Analyzer, fold_terms
from .snippets import excerpt, match_terms
from .store import Store, StoredDoc

MAX_QUERY_CHARS = 500
# Title matches count for more: the score adds TITLE_WEIGHT x BM25 of the title alone.
TITLE_WEIGHT = 0.5
# Alias matches ("TP.HCM" = "Sài Gòn" = "Thành phố Hồ Chí Minh") score at this weight.
ALIAS_WEIGHT = 2.0
# Every query also scores its accent-folded syllables at this weight, so a question and an
# article that pyvi segmented differently, or a typo in one syllable, still meet.
SYLLABLE_WEIGHT = 0.6
FIELDS = ("body", "title", "fold", "fold_title", "alias", "syl")
DEFAULT_PARAMS = BM25Params()
_SYLLABLE = re.compile(r"[^\W_]+")
_UNIT = float(2**20)  # see scores(): syllable counts ride above the syllable scores
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class AddReport:
    """What one add() did."""

    added: int
    updated: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Size and shape of the index, for `newsbot stats`."""

    articles: int
    sources: tuple[tuple[str, int], ...]
    first: str | None
    last: str | None
    terms: int
    segment_docs: int
    delta_docs: int
    index_bytes: int
    database_bytes: int


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """How a query is scored: (field, terms, weight) parts and the words to highlight."""

    parts: tuple[tuple[str, tuple[str, ...], float], ...]
    highlight: tuple[str, ...]
    folded: bool
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def field_terms(title_terms: list[str], body_terms: list[str]) -> dict[str, list[str]]:
    """The terms of each indexed field of an article."""
    whole = title_terms + body_terms
    folded = fold_terms(whole)
    syllable_text = " ".join(folded).replace("_", " ")
    return {
        "body": whole,
        "title": title_terms,
        "fold": folded,
        "fold_title": folded[: len(title_terms)],
        "alias": aliases_in_words(syllable_text),
        "syl": syllable_text.split(),
    }


def _unit(field: str) -> float:
    """What each posting adds besides its score: syllable postings also count (scores())."""
    return _UNIT if field == "syl" else 0.0


def _days(d: dt.date | None) -> int:
    return (d - _EPOCH).days if d else -(10**6)


class SearchIndex:
    """Articles in SQLite, BM25 postings in memory-mapped segments plus a live delta."""

    def __init__(
        self, data_dir: Path, analyzer: Analyzer | None = None, params: BM25Params = DEFAULT_PARAMS
    ):
        self.data_dir = Path(data_dir)
        self.analyzer = analyzer or Analyzer()
        self.params = params
        self._lock = threading.RLock()
        self.store = Store(self.data_dir / "newsbot.db")
        self._stale_segment: str | None = None
        self._load()
        if self._stale_segment is not None:
            self.compact()

    @classmethod
    def open(cls, data_dir: Path | str, analyzer: Analyzer | None = None) -> SearchIndex:
        """Open (or create) the index in a data directory."""
        return cls(Path(data_dir), analyzer)

    def close(self) -> None:
        """Release the database."""
        self.store.close()

    # ---- loading --------------------------------------------------------------------

    @property
    def _index_dir(self) -> Path:
        return self.data_dir / "index"

    def _current_segment(self) -> str | None:
        try:
            return (self._index_dir / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    # what _load builds; swapped in whole, under the lock, so searches never see half of it
    _STATE = (
        "fields",
        "_segment_name",
        "_segment_docs",
        "_upto",
        "_alive",
        "_dates",
        "_max_loaded",
        "_seq",
        "_stale_segment",
    )

    def _load(self) -> None:
        """Load the current segment and the delta beside it, then swap them in."""
        # Built on a shadow object without holding the lock: searches go on meanwhile.
        shadow = object.__new__(type(self))
        shadow.__dict__.update(
            store=self.store,
            params=self.params,
            data_dir=self.data_dir,
            analyzer=self.analyzer,
            _lock=threading.RLock(),
            _stale_segment=None,
        )
        for attempt in range(5):
            try:
                shadow._build()
                break
            except FileNotFoundError:
                # another process replaced the segment while we read it: read the new one
                if attempt == 4:
                    raise
                time.sleep(0.1)
        with self._lock:
            for name in self._STATE:
                setattr(self, name, getattr(shadow, name))

    def _build(self) -> None:
        """Read the segment and the stored terms beside it into this object."""
        seq = self.store.seq()
        name = self._current_segment()
        base_docnos = np.zeros(0, np.int32)
        self.fields: dict[str, FieldPostings] = {}
        upto = 0
        info = read_segment_info(self._index_dir / name) if name else None
        if info is not None and list(info["fields"]) != list(FIELDS):
            # written by a version with other fields: serve from the stored terms
            # (no pyvi) and write a segment of today's fields
            self._stale_segment = name
            name = None
        if name is not None:
            info, base_docnos, base_fields = read_segment(self._index_dir / name)
            upto = info["upto"]
            for f in FIELDS:
                fp = FieldPostings(f, self.params, base_fields[f], _unit(f))
                fp.set_base_stats(len(base_docnos), int(base_fields[f].dl.sum()))
                self.fields[f] = fp
        else:
            self.fields = {f: FieldPostings(f, self.params, unit=_unit(f)) for f in FIELDS}
        self._segment_name = name
        self._segment_docs = len(base_docnos)
        self._upto = upto
        self._alive = np.zeros(max(upto, 1024), bool)
        self._alive[base_docnos] = True
        self._dates = np.full(len(self._alive), -(10**6), np.int64)
        self._max_loaded = upto - 1 if upto else 0
        for docno, published in self.store.live_dates():
            if docno < len(self._dates) and published:
                self._dates[docno] = _days(dt.date.fromisoformat(published))
        self._seq = seq
        if self._stale_segment is not None:
            return  # open() writes a new segment straight away: no delta to build first
        # retired since the segment was written: take them out of the statistics
        self._apply(self.store.retired_docs(0), [])
        self._apply([], self.store.live_docs(max(upto - 1, 0)))

    def _grow(self, docno: int) -> None:
        if docno >= len(self._alive):
            size = max(docno + 1, int(len(self._alive) * 1.25) + 1024)
            alive = np.zeros(size, bool)
            alive[: len(self._alive)] = self._alive
            dates = np.full(size, -(10**6), np.int64)
            dates[: len(self._dates)] = self._dates
            self._alive, self._dates = alive, dates

    def _apply(self, retired: Iterable[StoredDoc], added: Iterable[StoredDoc]) -> int:
        """Bring retirements and additions (read back from the store) into the postings."""
        changes = 0
        for doc in retired:
            if doc.docno < len(self._alive) and self._alive[doc.docno]:
                for f, terms in field_terms(doc.title_terms, doc.body_terms).items():
                    self.fields[f].remove(doc.docno, terms)
                self._alive[doc.docno] = False
                changes += 1
        for doc in added:
            if (
                doc.docno <= self._max_loaded
                and doc.docno < len(self._alive)
                and (self._alive[doc.docno] or doc.docno < self._upto)
            ):
                continue
            self._grow(doc.docno)
            for f, terms in field_terms(doc.title_terms, doc.body_terms).items():
                self.fields[f].add(doc.docno, terms)
            self._alive[doc.docno] = True
            self._dates[doc.docno] = _days(doc.published)
            self._max_loaded = max(self._max_loaded, doc.docno)
            changes += 1
        return changes

    def refresh(self) -> int:
        """Pick up what other processes wrote (new articles, edits, a new segment)."""
        if self._current_segment() != self._segment_name:
            self._load()
            return 1
        seq = self.store.seq()
        if seq == self._seq:
            return 0
        # read outside the lock, apply in small steps inside it: a big batch written by
        # `newsbot index` never holds searches up for long
        retired = list(self.store.retired_docs(self._seq))
        added = self.store.live_docs(self._max_loaded)
        changes = 0
        with self._lock:
            changes += self._apply(retired, [])
        chunk: list[StoredDoc] = []
        for doc in added:
            chunk.append(doc)
            if len(chunk) == 256:
                with self._lock:
                    changes += self._apply([], chunk)
                chunk = []
        with self._lock:
            changes += self._apply([], chunk)
            self._seq = seq
        return changes

    # ---- writing --------------------------------------------------------------------

    def add(
        self,
        articles: Sequence[Article],
        analyze: Callable[[list[tuple[str, str]]], list] | None = None,
        refresh: bool = True,
    ) -> AddReport:
        """Add or replace articles; unchanged ones (same id and content) are skipped."""
        from .store import digest

        unique: dict[str, Article] = {}
        for a in articles:  # the last version of an id within one batch wins
            unique[a.id] = a
        known = self.store.digests(unique)
        todo = [a for a in unique.values() if known.get(a.id, (0, ""))[1] != digest(a)]
        unchanged = len(articles) - len(todo)
        if not todo:
            return AddReport(0, 0, unchanged)
        # pyvi runs outside the lock: searches go on meanwhile
        pairs = [(a.title, a.body) for a in todo]
        analyzed = analyze(pairs) if analyze else self.analyzer.analyze_many(pairs)
        items = [(a, t, b) for a, (t, b) in zip(todo, analyzed, strict=True)]
        self.store.write(items)
        if refresh:  # a bulk load skips this and writes a segment at the end instead
            self.refresh()
        updated = sum(1 for a in todo if a.id in known)
        return AddReport(len(todo) - updated, updated, unchanged)

    def remove(self, ids: Iterable[str]) -> int:
        """Remove articles by id."""
        retired = self.store.remove(ids)
        self.refresh()
        return len(retired)

    def delta_size(self) -> int:
        """Live articles held in memory outside the on-disk segment."""
        return int(self._alive[self._upto :].sum()) if self._upto < len(self._alive) else 0

    def needs_compaction(self, unloaded: int = 0) -> bool:
        """Whether the delta, with `unloaded` stored articles not yet read in, should become a segment."""
        delta = self.delta_size() + unloaded
        return delta > max(5000, self._segment_docs // 10) or (
            self._segment_name is None and delta > 0
        )

    def compact(self, progress: Callable[[int], None] | None = None) -> None:
        """Write every live article's postings as one new segment, atomically."""
        self._index_dir.mkdir(parents=True, exist_ok=True)
        # one compaction at a time across processes: each removes the others' leftovers
        with open(self._index_dir / "compact.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            seq = self.store.seq()  # rows retired up to here are left out of the segment
            upto = self.store.max_docno() + 1
            writer = SegmentWriter(FIELDS)
            n = 0
            for doc in self.store.live_docs(0):
                if doc.docno >= upto:
                    break
                writer.add(doc.docno, field_terms(doc.title_terms, doc.body_terms))
                n += 1
                if progress and n % 1000 == 0:
                    progress(n)
            name = f"seg-{upto:010d}-{time.time_ns():x}"
            tmp = self._index_dir / (name + ".tmp")
            writer.write(tmp, upto, {"params": vars_of(self.params)})
            del writer
            os.replace(tmp, self._index_dir / name)
            # CURRENT names the live segment; replacing it is the commit point
            cur_tmp = self._index_dir / "CURRENT.tmp"
            cur_tmp.write_text(name + "\n")
            with open(cur_tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(cur_tmp, self._index_dir / "CURRENT")
            self._load()
            self.store.purge_retired(upto, seq)
            self._remove_stale_segments(keep=name)

    def maybe_compact(self) -> bool:
        """Compact when the in-memory delta has grown enough; say whether it did."""
        if self.needs_compaction():
            self.compact()
            return True
        return False

    def _remove_stale_segments(self, keep: str) -> None:
        for path in self._index_dir.iterdir():
            if path.is_dir() and path.name != keep:
                shutil.rmtree(path, ignore_errors=True)

    # ---- querying -------------------------------------------------------------------

    def plan(self, query: str, exact: bool = False, today: dt.date | None = None) -> QueryPlan:
        """Decide fields, terms and weights for a query."""
        query = query[:MAX_QUERY_CHARS]
        if exact:
            terms = tuple(self.analyzer.terms(query))
            return QueryPlan((("body", terms, 1.0),), terms, False)
        asked = parse(query, today)
        aliases = (("alias", asked.aliases, ALIAS_WEIGHT),) if asked.aliases else ()
        if has_diacritics(asked.text):
            terms = tuple(self.analyzer.terms(asked.text))
            parts = (
                ("body", terms, 1.0),
                ("title", terms, TITLE_WEIGHT),
                *self._syllables(terms),
                *aliases,
            )
            return QueryPlan(parts, terms, False, asked.date_from, asked.date_to)
        # No diacritics at all: pyvi cannot segment it, so split the syllables into the
        # likeliest words of the folded vocabulary instead.
        sylls = _SYLLABLE.findall(fold(normalize(asked.text)))
        terms = tuple(self.segment_folded(sylls))
        parts = (
            ("fold", terms, 1.0),
            ("fold_title", terms, TITLE_WEIGHT),
            *self._syllables(terms),
            *aliases,
        )
        return QueryPlan(parts, terms, True, asked.date_from, asked.date_to)

    @staticmethod
    def _syllables(terms: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...], float], ...]:
        """The syllable part of a plan: the folded syllables of the query's words."""
        if not SYLLABLE_WEIGHT:
            return ()
        sylls = tuple(s for t in terms for s in fold(t).split("_"))
        return (("syl", sylls, SYLLABLE_WEIGHT),) if sylls else ()

    def segment_folded(self, sylls: list[str], longest: int = 4) -> list[str]:
        """Split accentless syllables into folded vocabulary words (unigram model, Viterbi)."""
        # A unigram language model over the folded words: a word's cost is -log of its
        # share of all word occurrences, so "lai xe" is one word when "lai_xe" is common.
        # (Document frequency would not do: "xe" alone is in most articles and always wins.)
        field = self.fields["fold"]
        total = max(field.total_len, 1)
        unknown = math.log(total) + 5.0
        best = [0.0] + [math.inf] * len(sylls)
        back = [0] * (len(sylls) + 1)
        for end in range(1, len(sylls) + 1):
            for size in range(1, min(longest, end) + 1):
                word = "_".join(sylls[end - size : end])
                cf = field.cf(word)
                if cf > 0:
                    cost = math.log(total / cf)
                elif size == 1:
                    cost = unknown
                else:
                    continue
                if best[end - size] + cost < best[end]:
                    best[end], back[end] = best[end - size] + cost, end - size
        words, end = [], len(sylls)
        while end > 0:
            words.append("_".join(sylls[back[end] : end]))
            end = back[end]
        return words[::-1]

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
            if not kwargs:
                found = self._best_deferring_common_syllables(plan, k)
                if found is not None:
                    return found
            scores, matched = self.ranked(plan)
            docnos, total = self.top(scores, k, matched=matched, **kwargs)
            return docnos, scores[docnos], total

    def _best_deferring_common_syllables(
        self, plan: QueryPlan, k: int
    ) -> tuple[np.ndarray, np.ndarray, int] | None:
        """best() with syllables of over half the articles scored on the leaders only.

        Their postings are the longest to scan, and their idf is BM25Okapi's floor, so what
        they can add is small and bounded: score everything else, take the leaders, add the
        common syllables to those, and keep the answer only if no article outside the
        leaders could have caught up (else None, and best() does the full work).
        """
        part = next((p for p in plan.parts if p[0] == "syl"), None)
        if part is None or k <= 0:
            return None
        field = self.fields["syl"]
        common = [x for x in dict.fromkeys(part[1]) if 2 * field.df(x) > field.n_docs]
        if not common:
            return None
        scores, matched = self.ranked(plan, defer=frozenset(common))
        leaders, total = self.top(scores, max(20 * k, 200), matched=matched)
        if not len(leaders):
            return leaders, scores[leaders], total
        partial = scores[leaders]
        final = partial.copy()
        for syl in common:
            final += part[2] * field.contributions_at(syl, leaders)
        if total > len(leaders):
            reach = part[2] * (self.params.k1 + 1) * sum(field.idf(x) for x in common)
            kth = np.sort(final)[-min(k, len(final))]
            if partial.min() + reach >= kth:
                return None
        order = np.lexsort((-leaders, -self._dates[leaders], -final))[:k]
        return leaders[order], final[order], total

    def ranked(
        self, plan: QueryPlan, defer: frozenset[str] = frozenset()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Score of every docno for a plan, and which live articles match at all.

        Syllables in defer are left out of the scores and counted as present (best()).
        """
        size = max(max(f.size for f in self.fields.values()), len(self._alive))
        scores = self._buffer("scores", size)
        words = [p for p in plan.parts if p[0] != "syl"]
        # On a tiny archive BM25Okapi gives matching articles scores <= 0 (idf floors at
        # epsilon x a negative mean): then matches are tracked apart from the scores.
        matched = None
        if any(self.fields[f].idf(t) <= 0 < self.fields[f].df(t) for f, ts, _ in words for t in ts):
            matched = np.zeros(size, bool)
            for field, terms, _ in words:
                for term in terms:
                    matched[self.fields[field].postings(term)[0]] = True
        for field, terms, weight in words:
            self.fields[field].accumulate(scores, terms, weight)
        if matched is None:
            matched = scores != 0
        for field, sylls, weight in plan.parts:
            if field != "syl":
                continue
            # Syllables rank, but alone they only admit an article that holds more than
            # half of the question's distinct syllables: one shared "công" is no match.
            # One scatter per syllable counts them too: each adds _UNIT + its score, and
            # scores stay far below _UNIT, so the count is the integer part over _UNIT.
            postings = self.fields[field]  # its contributions carry the +_UNIT already
            distinct = list(dict.fromkeys(sylls))
            packed = self._buffer("packed", size)
            for syl in distinct:
                if syl in defer:
                    continue
                docs, w = postings.contributions(syl)
                if len(docs):
                    np.add.at(packed, docs, w)
            need = max(len(distinct) // 2 + 1 - len(defer), 1)
            matched |= packed >= need * _UNIT
            counts = np.multiply(packed, 1 / _UNIT, out=self._buffer("counts", size))
            np.floor(counts, out=counts)  # (np.fmod would be ten times slower)
            counts *= _UNIT
            packed -= counts
            packed *= weight
            scores += packed
        alive = self._alive
        if len(alive) < size:
            alive = np.concatenate([alive, np.zeros(size - len(alive), bool)])
        return scores, alive[:size] & matched

    def _buffer(self, name: str, size: int) -> np.ndarray:
        """A zeroed float64 work array, reused between queries (callers hold the lock).

        A fresh array of a million floats costs more in page faults than all the
        arithmetic on it; the one from the last query only needs zeroing.
        """
        buffers = self.__dict__.setdefault("_buffers", {})
        buf = buffers.get(name)
        if buf is None or len(buf) < size:
            buf = buffers[name] = np.zeros(int(size * 1.1) + 1024, np.float64)
        view = buf[:size]
        view.fill(0.0)
        return view

    def top(
        self,
        scores: np.ndarray,
        k: int,
        date_range: tuple[dt.date | None, dt.date | None] | None = None,
        prefer: tuple[dt.date | None, dt.date | None] | None = None,
        matched: np.ndarray | None = None,
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
        cand = np.flatnonzero(matched)
        if date_range is not None:
            cand = cand[self._in_range(self._dates[cand], date_range)]
        total = len(cand)
        if total == 0 or k <= 0:
            return np.zeros(0, np.int64), total
        values = scores[cand]
        if prefer is not None:
            inside = self._in_range(self._dates[cand], prefer)
            if inside.any():
                values = values + inside * (float(values.max() - values.min()) + 1.0)
        k = min(k, total)
        kth = np.partition(values, total - k)[total - k]
        keep = values >= kth  # every tie of the k-th score, for the date rule
        cand, values = cand[keep], values[keep]
        order = np.lexsort((-cand, -self._dates[cand], -values))
        return cand[order][:k], total

    @staticmethod
    def _in_range(days: np.ndarray, rng: tuple[dt.date | None, dt.date | None]) -> np.ndarray:
        lo, hi = rng
        inside = days > -(10**6)
        if lo is not None:
            inside &= days >= _days(lo)
        if hi is not None:
            inside &= days <= _days(hi)
        return inside

    def search(
        self,
        query: str,
        k: int = 10,
        offset: int = 0,
        *,
        exact: bool = False,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        today: dt.date | None = None,
        group: bool = True,
    ) -> SearchResult:
        """The k best articles from offset for a question, with excerpts.

        The same story from several outlets shows once (group), naming the other outlets.
        """
        with self._lock:
            plan = self.plan(query, exact, today)
            rng = (date_from, date_to) if (date_from or date_to) else None
            prefer = (plan.date_from, plan.date_to) if plan.date_from or plan.date_to else None
            # grouping folds duplicates away, so look further than the page
            want = (offset + k) * 3 + 10 if group else offset + k
            docnos, best_scores, total = self.best(plan, want, date_range=rng, prefer=prefer)
            scores = dict(zip(docnos.tolist(), best_scores.tolist(), strict=True))
            # rarer words choose the passage; a tiny archive has idfs <= 0, hence the floor
            weights = [max(self.fields["fold"].idf(fold(t)), 0.1) for t in plan.highlight]
        if group:
            # grouping reads headlines only; whole articles are read for the page alone
            heads = self.store.headlines(int(d) for d in docnos)
            ranked = [(int(d), *heads[int(d)]) for d in docnos if int(d) in heads]
            page = _group_stories(ranked)[offset : offset + k]
        else:
            page = [(int(d), ()) for d in docnos[offset:]]
        articles = self.store.articles(d for d, _ in page)
        terms = match_terms(plan.highlight, weights)
        hits = tuple(
            Hit(articles[d], float(scores[d]), excerpt(articles[d].body, terms), also)
            for d, also in page
            if d in articles
        )
        return SearchResult(
            query=query,
            hits=hits,
            total=total,
            offset=offset,
            folded=plan.folded,
            date_from=plan.date_from,
            date_to=plan.date_to,
        )

    # ---- browsing -------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        """An article by id."""
        found = self.store.article(article_id)
        return found[1] if found else None

    def latest(self, k: int = 10) -> list[Article]:
        """The newest articles."""
        return [a for _, a in self.store.latest(k)]

    def since(self, docno: int, limit: int = 1000) -> list[tuple[int, Article]]:
        """Articles that arrived after a docno (a subscriber's cursor), oldest first."""
        return self.store.added_since(docno, limit)

    def stats(self) -> IndexStats:
        """Counts for `newsbot stats`."""
        counts = self.store.counts()
        index_bytes = (
            sum(p.stat().st_size for p in self._index_dir.rglob("*") if p.is_file())
            if self._index_dir.exists()
            else 0
        )
        db_bytes = sum(p.stat().st_size for p in self.data_dir.glob("newsbot.db*"))
        with self._lock:
            terms = self.fields["body"].vocab_size()
        return IndexStats(
            articles=counts["articles"],
            sources=tuple(map(tuple, counts["sources"])),
            first=counts["first"],
            last=counts["last"],
            terms=terms,
            segment_docs=self._segment_docs,
            delta_docs=self.delta_size(),
            index_bytes=index_bytes,
            database_bytes=db_bytes,
        )


def _story_key(title: str) -> frozenset[str]:
    return frozenset(_SYLLABLE.findall(fold(normalize(title))))


def _group_stories(
    ranked: list[tuple[int, str, str | None]],
) -> list[tuple[int, tuple[str, ...]]]:
    """Fold (docno, title, source) with (nearly) the same headline into the best ranked one."""
    groups: list[tuple[int, str | None, frozenset[str], list[str]]] = []
    for docno, title, source in ranked:
        key = _story_key(title)
        for _, first_source, first_key, others in groups:
            union = len(key | first_key)
            # the same headline, give or take a word in five, is the same story
            if union and len(key & first_key) / union >= 0.8:
                if source and source != first_source and source not in others:
                    others.append(source)
                break
        else:
            groups.append((docno, source, key, []))
    return [(d, tuple(o)) for d, _, _, o in groups]


def vars_of(params: BM25Params) -> dict:
    """BM25 parameters as JSON."""
    return {"k1": params.k1, "b": params.b, "epsilon": params.epsilon}
