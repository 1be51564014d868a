"""SearchIndex: the archive's articles, their BM25 fields, and queries over them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import logging
import math
import os
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bm25 import BM25Params, FieldPostings, SegmentWriter, read_segment
from .integrity import seal, verify
from .models import Article, Hit, SearchResult
from .normalize import fold, has_diacritics, normalize
from .passages import Matcher, Passage, Term, best_passage, match_terms
from .query import alias_terms, is_question, is_question_word, parse
from .ranking import Ranking
from .segment import Analyzer
from .snippets import excerpt
from .store import Store, StoredDoc
from .stores import ArticleStore
from .topics import K, Topic, TopicIndex, match_since, recent_matches

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500
# the best article must hold this share of the question's idf-weighted words, else the
# result says its matches are partial (rather than announce "2,537 results")
PARTIAL_SHARE = 0.5
# a question whose period holds no match shows the newest of the matches scoring this
# share of the best first
STRONG_SHARE = 0.5
# Results past this rank are never served (50 pages of 5): a forged page number or inline
# offset must not make one query rank and group the whole archive.
MAX_DEPTH = 250
# Story grouping compares a headline with at most this many earlier ones sharing a rare
# syllable, so grouping stays linear in the number of results whatever they hold.
MAX_STORY_CANDIDATES = 64
STORY_SIMILARITY = 0.8  # Jaccard of folded headline syllables: a word in five may differ
FIELDS = ("body", "title", "fold", "fold_title", "alias", "syl", "asyl")
SYLLABLE_FIELDS = ("syl", "asyl")
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
    lucene: bool = False  # Lucene's idf instead of BM25Okapi's (Ranking.idf)


def field_terms(title_terms: list[str], body_terms: list[str]) -> dict[str, list[str]]:
    """The terms of each indexed field of an article."""
    whole = title_terms + body_terms
    folded_title = fold(" ".join(title_terms)).split()
    folded_body = fold(" ".join(body_terms)).split()
    return {
        "body": whole,
        "title": title_terms,
        "fold": folded_title + folded_body,
        "fold_title": folded_title,
        "alias": alias_terms(whole),
        "syl": (" ".join(folded_title) + " " + " ".join(folded_body)).replace("_", " ").split(),
        # the syllables that carry diacritics, as written: a question's accented syllables
        # match only these ("mưa" is not "mua")
        # (every diacritic is outside ASCII, and isascii is far cheaper than a table lookup)
        "asyl": [s for t in whole for s in t.split("_") if not s.isascii()],
    }


def _unit(field: str) -> float:
    """What each posting adds besides its score: syllable postings also count (scores())."""
    return _UNIT if field in SYLLABLE_FIELDS else 0.0


def _days(d: dt.date | None) -> int:
    return (d - _EPOCH).days if d else -(10**6)


class SearchIndex:
    """Articles in SQLite, BM25 postings in memory-mapped segments plus a live delta."""

    def __init__(
        self,
        data_dir: Path,
        analyzer: Analyzer | None = None,
        params: BM25Params = DEFAULT_PARAMS,
        ranking: Ranking | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.analyzer = analyzer or Analyzer()
        self.params = params
        self.ranking = ranking or Ranking()
        self._lock = threading.RLock()
        self.store: ArticleStore = Store(self.data_dir / "newsbot.db")
        self._stale_segment: str | None = None
        self.damage: str | None = None  # the last damage found (and rebuilt) since open
        self._load()
        if self._stale_segment is not None or self.damage is not None:
            self.compact()

    @classmethod
    def open(
        cls, data_dir: Path | str, analyzer: Analyzer | None = None, ranking: Ranking | None = None
    ) -> SearchIndex:
        """Open (or create) the index in a data directory."""
        return cls(Path(data_dir), analyzer, ranking=ranking)

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
            damage=None,
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
            if shadow.damage is not None:  # kept after the rebuild, for the caller to report
                self.damage = shadow.damage

    def _build(self) -> None:
        """Read the segment and the stored terms beside it into this object."""
        seq = self.store.seq()
        name = self._current_segment()
        base_docnos = np.zeros(0, np.int32)
        self.fields: dict[str, FieldPostings] = {}
        upto = 0
        loaded = self._read_segment(name) if name else None
        if loaded is None:
            name = None
        elif list(loaded[0]["fields"]) != list(FIELDS):
            # written by a version with other fields: serve from the stored terms
            # (no pyvi) and write a segment of today's fields
            self._stale_segment = name
            name = None
        if name is not None:
            info, base_docnos, base_fields = loaded
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

    def _read_segment(self, name: str) -> tuple | None:
        """The segment, or None when it is damaged or not this database's (self.damage says)."""
        folder = self._index_dir / name
        try:
            problem = verify(folder, self.store.database_id(), self.store.max_docno())
            if problem is None:
                return read_segment(folder)
        except FileNotFoundError:
            if self._current_segment() != name:
                raise  # another process replaced the segment meanwhile: _load reads the new one
            problem = "a file is missing"
        except (OSError, ValueError, EOFError, KeyError, IndexError, TypeError) as e:
            problem = f"{type(e).__name__}: {e}"[:300]
        # every term is in SQLite too: the index is rebuilt from there, without pyvi
        self.damage = f"index segment {name} is damaged: {problem}"
        log.warning("%s; rebuilding it from newsbot.db", self.damage)
        return None

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

    def needs_compaction(self) -> bool:
        """Whether the in-memory delta has grown enough to be written as a segment."""
        return self.delta_size() > max(5000, self._segment_docs // 10) or (
            self._segment_name is None and self.delta_size() > 0
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
            try:
                writer.write(tmp, upto, {"params": vars_of(self.params)})
                del writer
                seal(tmp, self.store.database_id(), upto)  # ties the segment to this database
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)  # a full disk leaves no half folder
                raise
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
        r = self.ranking
        asked = parse(query, today)
        if not r.filler:
            asked = dataclasses.replace(asked, text=query)
        aliases = (("alias", asked.aliases, r.aliases),) if asked.aliases and r.aliases else ()
        lucene = r.idf == "lucene"
        if has_diacritics(asked.text):
            terms = self._topic_words(tuple(self.analyzer.terms(asked.text)), folded=False)
            title = self._title_weight(query)
            # Accents typed are accents meant; a word typed without any may have lost them,
            # so only those words are matched accent-insensitively.
            accented = tuple(t for t in terms if has_diacritics(t))
            bare = tuple(t for t in terms if not has_diacritics(t))
            parts = tuple(
                p
                for p in (
                    ("body", accented, 1.0),
                    ("title", accented, title),
                    ("fold", bare, 1.0),
                    ("fold_title", bare, title),
                    *self._syllables(terms),
                    *aliases,
                )
                if p[1] and p[2]
            )
            return QueryPlan(parts, terms, False, asked.date_from, asked.date_to, lucene)
        # No diacritics at all: pyvi cannot segment it, so split the syllables into the
        # likeliest words of the folded vocabulary instead.
        sylls = _SYLLABLE.findall(fold(normalize(asked.text)))
        terms = self._topic_words(tuple(self.segment_folded(sylls)), folded=True)
        title = self._title_weight(query)
        parts = tuple(
            p
            for p in (
                ("fold", terms, 1.0),
                ("fold_title", terms, title),
                *self._syllables(terms),
                *aliases,
            )
            if p[1] and p[2]
        )
        return QueryPlan(parts, terms, True, asked.date_from, asked.date_to, lucene)

    def _topic_words(self, terms: tuple[str, ...], folded: bool) -> tuple[str, ...]:
        """The words that say what a question is about: question words left out."""
        if not self.ranking.question_words:
            return terms
        kept = tuple(t for t in terms if not is_question_word(t, folded))
        return kept or terms

    def _title_weight(self, query: str) -> float:
        """The title boost: a headline-like query favours titles, a full question the body."""
        r = self.ranking
        if is_question(query):
            return r.question_title
        return r.title

    def _syllables(self, terms: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...], float], ...]:
        """The syllable parts of a plan: accented syllables as typed, bare ones folded."""
        weight = self.ranking.syllables
        if not weight:
            return ()
        sylls = [s for t in terms for s in t.split("_")]
        accented = tuple(s for s in sylls if has_diacritics(s))
        bare = tuple(fold(s) for s in sylls if not has_diacritics(s))
        return tuple((f, ss, weight) for f, ss in (("asyl", accented), ("syl", bare)) if ss)

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

        Their postings are the longest to scan, and their idf is the lowest, so what they
        can add is small and bounded: score everything else, take the leaders, add the
        common syllables to those, and keep the answer only if no article outside the
        leaders could have caught up (else None, and best() does the full work).
        """
        parts = [p for p in plan.parts if p[0] in SYLLABLE_FIELDS]
        if not parts or k <= 0:
            return None
        weight = parts[0][2]
        common = [
            (f, x)
            for f, sylls, _ in parts
            for x in dict.fromkeys(sylls)
            if 2 * self.fields[f].df(x) > self.fields[f].n_docs
        ]
        if not common:
            return None
        scores, matched = self.ranked(plan, defer=frozenset(common))
        leaders, total = self.top(scores, max(20 * k, 200), matched=matched)
        if not len(leaders):
            return leaders, scores[leaders], total
        partial = scores[leaders]
        final = partial.copy()
        for f, syl in common:
            final += weight * self.fields[f].contributions_at(syl, leaders, plan.lucene)
        if total > len(leaders):
            idfs = sum(self.fields[f].idf(x, plan.lucene) for f, x in common)
            reach = weight * (self.params.k1 + 1) * idfs
            kth = np.sort(final)[-min(k, len(final))]
            if partial.min() + reach >= kth:
                return None
        order = np.lexsort((-leaders, -self._dates[leaders], -final))[:k]
        return leaders[order], final[order], total

    def ranked(
        self, plan: QueryPlan, defer: frozenset[tuple[str, str]] = frozenset()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Score of every docno for a plan, and which live articles match at all.

        (field, syllable) pairs in defer are left out of the scores and counted as present
        (best()).
        """
        size = max(max(f.size for f in self.fields.values()), len(self._alive))
        scores = self._buffer("scores", size)
        lucene = plan.lucene
        words = [p for p in plan.parts if p[0] not in SYLLABLE_FIELDS]
        # On a tiny archive BM25Okapi gives matching articles scores <= 0 (idf floors at
        # epsilon x a negative mean): then matches are tracked apart from the scores.
        matched = None
        if any(
            self.fields[f].idf(t, lucene) <= 0 < self.fields[f].df(t)
            for f, ts, _ in words
            for t in ts
        ):
            matched = np.zeros(size, bool)
            for field, terms, _ in words:
                for term in terms:
                    matched[self.fields[field].postings(term)[0]] = True
        for field, terms, weight in words:
            self.fields[field].accumulate(scores, terms, weight, lucene)
        if matched is None:
            matched = scores != 0
        syllable_parts = [p for p in plan.parts if p[0] in SYLLABLE_FIELDS]
        if syllable_parts:
            # Syllables rank, but alone they only admit an article that holds more than
            # half of the question's distinct syllables: one shared "công" is no match.
            # One scatter per syllable counts them too: each adds _UNIT + its score, and
            # scores stay far below _UNIT, so the count is the integer part over _UNIT.
            packed = self._buffer("packed", size)
            distinct_total = 0
            for field, sylls, _ in syllable_parts:
                postings = self.fields[field]  # its contributions carry the +_UNIT already
                distinct = list(dict.fromkeys(sylls))
                distinct_total += len(distinct)
                for syl in distinct:
                    if (field, syl) in defer:
                        continue
                    docs, w = postings.contributions(syl, lucene)
                    if len(docs):
                        np.add.at(packed, docs, w)
            need = max(distinct_total // 2 + 1 - len(defer), 1)
            matched |= packed >= need * _UNIT
            counts = np.multiply(packed, 1 / _UNIT, out=self._buffer("counts", size))
            np.floor(counts, out=counts)  # (np.fmod would be ten times slower)
            counts *= _UNIT
            packed -= counts
            packed *= syllable_parts[0][2]  # one weight for both syllable fields
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
        cand = np.flatnonzero(matched)
        if only is not None:  # the docnos a source filter allows
            cand = np.intersect1d(cand, only, assume_unique=True)
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
        sources: Collection[str] | None = None,
    ) -> SearchResult:
        """The k best articles from offset for a question, with excerpts.

        The same story from several outlets shows once (group), naming the other outlets.
        sources keeps the articles of these outlets only (names as stored: outlets.resolve).
        """
        r = self.ranking
        offset = max(0, offset)
        k = max(0, min(k, MAX_DEPTH - offset))
        only = None
        if sources is not None:
            only = np.unique(np.asarray(self.store.docnos_of_sources(sources), np.int64))
        with self._lock:
            plan = self.plan(query, exact, today)
            rng = (date_from, date_to) if (date_from or date_to) else None
            prefer = (plan.date_from, plan.date_to) if plan.date_from or plan.date_to else None
            # grouping folds duplicates away, so look further than the page
            want = 0 if not k else (offset + k) * 3 + 10 if group else offset + k
            if want and not exact and r.passages:
                want = max(want, r.passage_depth)
            extra = {"only": only} if only is not None else {}
            docnos, best_scores, total = self.best(
                plan, want, date_range=rng, prefer=prefer, **extra
            )
            matcher = Matcher(self._match_terms(plan))
            dates = self._dates[docnos] if len(docnos) else np.zeros(0, np.int64)
        passages: dict[int, Passage] = {}
        if not exact and r.passages and len(docnos):
            docnos, best_scores, passages = self._rerank(
                docnos, best_scores, dates, matcher, prefer
            )
        period_empty = prefer is not None and not self._in_range(dates, prefer).any()
        if period_empty and len(docnos):
            # nothing in the period asked for: say so, and show the newest of the good
            # matches (those within half the best score) first
            strong = best_scores >= STRONG_SHARE * best_scores[0]
            order = np.lexsort((-self._dates[docnos], ~strong))
            docnos, best_scores = docnos[order], best_scores[order]
        scores = dict(zip(docnos.tolist(), best_scores.tolist(), strict=True))
        if group:
            # grouping reads headlines only; whole articles are read for the page alone
            heads = self.store.headlines(int(d) for d in docnos)
            ranked = [(int(d), *heads[int(d)]) for d in docnos if int(d) in heads]
            page = _group_stories(ranked)[offset : offset + k]
        else:
            page = [(int(d), ()) for d in docnos[offset:]]
        articles = self.store.articles(d for d, _ in page)
        hits = tuple(
            Hit(
                articles[d],
                float(scores[d]),
                excerpt(articles[d].body, matcher, passage=passages.get(d)),
                also,
            )
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
            partial=bool(len(docnos)) and self._partial(int(docnos[0]), matcher),
            period_empty=period_empty,
        )

    def _partial(self, docno: int, matcher: Matcher) -> bool:
        """Whether the best article lacks most of the question's weight in words."""
        found = self.store.articles([docno]).get(docno)
        if found is None or not matcher.terms:
            return False
        present = {ti for _, _, ti in matcher.find(found.title + "\n" + found.body)}
        total = sum(t.weight for t in matcher.terms)
        held = sum(matcher.terms[ti].weight for ti in present)
        return held < PARTIAL_SHARE * total

    def _match_terms(self, plan: QueryPlan) -> list[Term]:
        """The plan's words as the matcher finds them in text, rarer words weighing more."""
        weights = []
        for t in plan.highlight:
            field = self.fields["body" if has_diacritics(t) else "fold"]
            # Lucene's idf, defined for every df: a word no article holds weighs the most
            # (it is what a weak result lacks)
            n, df = max(field.n_docs, 0), max(field.df(t), 0)
            weights.append(math.log(1.0 + (n - df + 0.5) / (df + 0.5)))
        return match_terms(plan.highlight, weights)

    def _rerank(
        self,
        docnos: np.ndarray,
        scores: np.ndarray,
        dates: np.ndarray,
        matcher: Matcher,
        prefer: tuple[dt.date | None, dt.date | None] | None,
    ) -> tuple[np.ndarray, np.ndarray, dict[int, Passage]]:
        """The leading candidates again, each with its best passage's score added."""
        r = self.ranking
        texts = self.store.texts(int(d) for d in docnos)
        passages = {
            int(d): best_passage(
                texts.get(int(d), ("", ""))[1],
                matcher,
                r.passage_window,
                r.proximity,
                title=texts.get(int(d), ("", ""))[0],
            )
            for d in docnos
        }
        final = scores + r.passages * np.array([passages[int(d)].score for d in docnos])
        inside = (
            self._in_range(dates, prefer) if prefer is not None else np.zeros(len(docnos), bool)
        )
        order = np.lexsort((-docnos, -dates, -final, ~inside))
        return docnos[order], final[order], passages

    # ---- browsing -------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        """An article by id."""
        found = self.store.article(article_id)
        return found[1] if found else None

    def latest(self, k: int = 10) -> list[Article]:
        """The newest articles."""
        return [a for _, a in self.store.latest(k)]

    # A cursor is where the archive stood: every article that arrives later is after it.

    def cursor(self) -> int:
        """The archive's cursor now: what arrives from here on comes after it."""
        return self.store.max_docno()

    def articles_since(self, cursor: int, limit: int = 1000) -> list[tuple[int, Article]]:
        """Live articles that arrived after a cursor, oldest first, each with its cursor."""
        return self.store.added_since(cursor, limit)

    def at(self, cursors: Iterable[int]) -> dict[int, Article]:
        """Articles by the cursor they arrived at, replaced versions included while kept."""
        return self.store.articles(cursors)

    def match_since(
        self, topics: TopicIndex[K], cursor: int, limit: int = 500
    ) -> tuple[list[tuple[int, set[K]]], int]:
        """Topics matched against up to limit articles after a cursor (topics.match_since)."""
        return match_since(self.store, topics, cursor, limit)

    def recent_matches(self, topic: Topic, limit: int = 3) -> list[tuple[int, Article]]:
        """The newest articles a topic catches, with their cursors (topics.recent_matches)."""
        return recent_matches(self.store, topic, limit=limit)

    def source_names(self) -> list[str]:
        """Every outlet of the archive, the one with most articles first."""
        return self.store.source_names()

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
    keys = [_story_key(title) for _, title, _ in ranked]
    # Prefix filter: order each key's syllables rarest first; two keys this similar always
    # share one of the first len - ceil(STORY_SIMILARITY x len) + 1 syllables of each, so
    # only groups filed under those need comparing.
    counts = Counter(s for key in keys for s in key)
    groups: list[tuple[int, str | None, frozenset[str], list[str]]] = []
    filed: dict[str, list[int]] = {}
    for (docno, _, source), key in zip(ranked, keys, strict=True):
        size = len(key)
        prefix = sorted(key, key=lambda s: (counts[s], s))
        prefix = prefix[: size - math.ceil(STORY_SIMILARITY * size - 1e-9) + 1]
        candidates = sorted({g for s in prefix for g in filed.get(s, ())})
        for g in candidates:
            _, first_source, first_key, others = groups[g]
            other = len(first_key)
            # the smaller key over the larger bounds the similarity: most fail this cheaply
            if min(size, other) < STORY_SIMILARITY * max(size, other) - 1e-9:
                continue
            shared = len(key & first_key)
            if shared / (size + other - shared) >= STORY_SIMILARITY:
                if source and source != first_source and source not in others:
                    others.append(source)
                break
        else:
            if key:
                for s in prefix:
                    entries = filed.setdefault(s, [])
                    if len(entries) < MAX_STORY_CANDIDATES:
                        entries.append(len(groups))
            groups.append((docno, source, key, []))
    return [(d, tuple(o)) for d, _, _, o in groups]


def vars_of(params: BM25Params) -> dict:
    """BM25 parameters as JSON."""
    return {"k1": params.k1, "b": params.b, "epsilon": params.epsilon}
