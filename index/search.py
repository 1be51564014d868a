"""SearchIndex: the archive's articles, their BM25 fields, and queries over them.

A facade over small parts: the store (sql_store.py: articles and their terms in SQLite),
live_postings.py (postings on disk plus the live delta: load, refresh, compact), planner.py
(a question -> fields, terms and weights), ranker.py (scores and the best k) and
stories.py (one story from several outlets shows once).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .analysis import Analyzer
from .bm25 import BM25Params, FieldPostings
from .firststage import ExactNotServed, ExternalStage
from .hollow import days_of, open_segments
from .index_stats import index_stats
from .models import AddReport, Article, Hit, IndexStats, SearchResult
from .outlets import outlet_filter
from .pages import plan_terms
from .passages import Matcher, Passage, weighed
from .periods import in_period_first, overlap, with_period
from .planner import MAX_QUERY_CHARS, QueryPlan, QueryPlanner
from .previews import recent_matches
from .ranker import ANSWER_SHARE, Ranker, in_range
from .ranking import Ranking
from .secondstage import best_passages, is_partial, rerank, top_article
from .semantic import Coverage, Encoder, SemanticStage
from .snippets import hit_excerpt
from .sql_store import Store
from .store_seam import ArticleStore
from .stories import group_stories
from .topics import K, Topic, TopicIndex, match_since
from .vector_table import VectorTable

__all__ = ["MAX_DEPTH", "MAX_QUERY_CHARS", "AddReport", "IndexStats", "QueryPlan", "SearchIndex"]

log = logging.getLogger(__name__)

# Results past this rank are never served (50 pages of 5): a forged page number or inline
# offset must not make one query rank and group the whole archive.
MAX_DEPTH = 250
DEFAULT_PARAMS = BM25Params()


class SearchIndex:
    """Articles in SQLite, BM25 postings in memory-mapped segments plus a live delta."""

    def __init__(
        self,
        data_dir: Path,
        analyzer: Analyzer | None = None,
        params: BM25Params = DEFAULT_PARAMS,
        ranking: Ranking | None = None,
        store: ArticleStore | None = None,
        first_stage: ExternalStage | None = None,
        encoder: Encoder | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.analyzer = analyzer or Analyzer()
        self.params = params
        self._lock = threading.RLock()  # one lock for the parts: a search sees one state
        self.store: ArticleStore = store or Store(self.data_dir / "newsbot.db")
        self._searchable = self.store.max_docno()  # found by search once open; refresh() moves it
        # a stage that serves the planner's statistics too leaves no postings to load
        self.held, self.segments = open_segments(
            first_stage, self.data_dir, self.store, params, self._lock
        )
        prefetch = getattr(self.held, "prefetch", None)
        self.planner = QueryPlanner(
            self.analyzer, ranking or Ranking(), lambda: self.fields, prefetch
        )
        self.ranker = Ranker(self.segments, params, self._lock)
        self.first_stage = first_stage  # ranks instead of the Ranker (OpenSearch), if given
        # off without an encoder; vectors in a table replicas share, or a folder beside the segment
        vectors = (
            VectorTable(self.store.database) if self.store.shared else self.data_dir / "vectors"
        )
        self.semantic = SemanticStage(encoder, vectors)
        if first_stage is not None:
            first_stage.sync(self.store)

    @classmethod
    def open(cls, data_dir: Path | str, analyzer: Analyzer | None = None, **kw) -> SearchIndex:
        """Open (or create) the index in a data directory (kw: ranking, store, first_stage, encoder)."""
        return cls(Path(data_dir), analyzer, **kw)

    def close(self) -> None:
        """Release the database (and the first stage's connection)."""
        if self.first_stage is not None:
            self.first_stage.close()
        self.store.close()

    @property
    def ranking(self) -> Ranking:
        """The weights searches use (the planner's)."""
        return self.planner.ranking

    @ranking.setter
    def ranking(self, value: Ranking) -> None:
        self.planner.ranking = value

    @property
    def damage(self) -> str | None:
        """The last damage found in the index (and rebuilt from the database) since open."""
        return self.segments.damage

    @property
    def segment_name(self) -> str | None:
        """The folder of the live segment (None before the first compaction)."""
        return self.segments.segment_name

    @property
    def fields(self) -> Mapping[str, FieldPostings]:
        """The postings of each field, as loaded now (the stage's statistics when it holds them)."""
        return self.held.statistics() if self.held else self.segments.state.fields

    def _dates(self, docnos: np.ndarray) -> np.ndarray:
        """The day numbers of docnos (NO_DATE for an undated article)."""
        return days_of(self.held, self.segments, self.store, docnos)

    # ---- loading and writing ----------------------------------------------------------

    def refresh(self) -> int:
        """Pick up what other processes wrote (new articles, edits, a new segment)."""
        searchable = self.store.max_docno()  # read first: one stored meanwhile waits (match_since)
        changes = self.segments.refresh()
        self.semantic.refresh()
        if self.first_stage is not None:
            self.first_stage.sync(self.store)
        self._searchable = max(self._searchable, searchable)
        return changes

    def add(
        self,
        articles: Sequence[Article],
        analyze: Callable[[list[tuple[str, str]]], list] | None = None,
        refresh: bool = True,
    ) -> AddReport:
        """Add or replace articles; unchanged ones (same id and content) are skipped."""
        from .stored_doc import digest

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
        return self.segments.delta_size()

    def needs_compaction(self, unloaded: int = 0) -> bool:
        """Whether the delta, with `unloaded` stored articles not yet read in, should become a segment."""
        return self.segments.needs_compaction(unloaded)

    def compact(self, progress: Callable[[int], None] | None = None) -> None:
        """Write every live article's postings as one new segment, atomically."""
        if self.first_stage is not None:  # before compaction forgets the retired rows
            self.first_stage.sync(self.store)
        self.segments.compact(progress)
        with self._lock:
            alive = self.segments.live().alive.copy()
        self.semantic.compact(alive)  # the retired articles' vectors go with their postings

    def coverage(self) -> Coverage:
        """Live articles, and how many of them the semantic stage has vectors for."""
        self.semantic.refresh()
        with self._lock:
            alive = self.segments.live().alive.copy()
        return self.semantic.coverage(alive)

    # ---- querying -------------------------------------------------------------------

    def plan(self, query: str, exact: bool = False, today: dt.date | None = None) -> QueryPlan:
        """Decide fields, terms and weights for a query."""
        return self.planner.plan(query, exact, today)

    def scores(self, plan: QueryPlan) -> np.ndarray:
        """Score of every docno for a plan; -inf for articles that match no query word."""
        return self.ranker.scores(plan)

    def best(self, plan: QueryPlan, k: int, **kwargs) -> tuple[np.ndarray, np.ndarray, int]:
        """The k best docnos, their scores, and how many articles matched."""
        if self.first_stage is not None:  # it may know docnos another process added since
            found = self.first_stage.best(plan, k, **kwargs)
            self.segments.state.grow(int(found[0].max(initial=0)))
            return found
        return self.ranker.best(plan, k, **kwargs)

    def ranked(
        self, plan: QueryPlan, defer: frozenset[tuple[str, str]] = frozenset()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Score of every docno for a plan, and which live articles match at all."""
        return self.ranker.ranked(plan, defer)

    def top(self, scores: np.ndarray, k: int, **kwargs) -> tuple[np.ndarray, int]:
        """Docnos of the k best scores (ties: newer first) and how many matched at all."""
        return self.ranker.top(scores, k, **kwargs)

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
        if exact and self.first_stage is not None:
            raise ExactNotServed("the exact BM25Okapi mode is served by the embedded index only")
        offset = max(0, offset)
        k = max(0, min(k, MAX_DEPTH - offset))
        self.semantic.prefetch(query, r, exact)  # embedded while the lexical stage ranks
        only = None
        if sources is not None:
            only = np.unique(np.asarray(self.store.docnos_of_sources(sources), np.int64))
        with self._lock:
            plan = self.plan(query, exact, today)
            rng = (date_from, date_to) if (date_from or date_to) else None
            asked = (plan.date_from, plan.date_to) if plan.date_from or plan.date_to else None
            prefer = overlap(rng, asked) if asked else None
            # grouping folds duplicates away, so look further than the page
            want = 0 if not k else (offset + k) * 3 + 10 if group else offset + k
            if want and not exact and r.passages:
                want = max(want, r.passage_depth)
            extra = {"only": only} if only is not None else {}
            found = self.best(plan, want, date_range=rng, **extra)
            # the answer set, not every article holding one of the words (embedded)
            total = found[2] if self.first_stage is not None else self.ranker.answers()
            # how much of the question's best candidates the period holds (periods.py)
            common = (
                float(in_range(self._dates(found[0]), prefer or asked).mean())
                if (asked and len(found[0]))
                else 0.0
            )
            docnos, best_scores, _ = with_period(
                lambda n, **kw: self.best(plan, n, **kw), found, prefer, want, **extra
            )
            if self.first_stage is None and len(docnos) and best_scores.max() > 0:
                # what is shown is what is counted (the bar is calibrated on this engine's
                # scores; OpenSearch's count and list stay its matches)
                answers = best_scores >= ANSWER_SHARE * best_scores.max()
                docnos, best_scores = docnos[answers], best_scores[answers]
            idf = plan_terms(self.fields, plan)
            matcher = Matcher(weighed(idf, r.passage_idf))
            dates = self._dates(docnos) if len(docnos) else np.zeros(0, np.int64)
        passages: dict[int, Passage] = {}
        read: dict[int, Article] = {}  # the candidates, read once for passages, page and verdict
        second, vector = bool(not exact and r.passages and len(docnos)), None
        if second:  # the lexical candidates' passages, found while the question is embedded
            read = self.store.articles(docnos.tolist())
            passages = best_passages(docnos, matcher, read, r)
        if not exact and r.semantic and self.semantic.on:  # semantic.py: meaning beside words
            live = self.segments.live()
            docnos, best_scores, vector = self.semantic.candidates(
                query, plan.folded, docnos, best_scores, self.store.texts, live, rng, only, r
            )
            dates = self._dates(docnos) if len(docnos) else dates
        if second:
            if added := [int(d) for d in docnos if int(d) not in read]:  # the dense source's
                read.update(self.store.articles(added))
            fusion = self.semantic.fusion(vector, r)
            ranked = rerank(docnos, best_scores, dates, matcher, read, r, fusion, passages)
            docnos, best_scores, passages = ranked
            dates = self._dates(docnos)  # in the new order
        period_empty = False
        if asked is not None:
            order, held = in_period_first(docnos, best_scores, dates, prefer or asked, common)
            docnos, best_scores, period_empty = docnos[order], best_scores[order], not held
        scores = dict(zip(docnos.tolist(), best_scores.tolist(), strict=True))
        if group:
            # grouping needs headlines only: read above with the passages, or read now
            heads = {d: (a.title, a.source) for d, a in read.items()} or self.store.headlines(
                int(d) for d in docnos
            )
            ranked = [(int(d), *heads[int(d)]) for d in docnos if int(d) in heads]
            page = group_stories(ranked)[offset : offset + k]
        else:
            page = [(int(d), ()) for d in docnos[offset:]]
        articles = read or self.store.articles(d for d, _ in page)
        hits = tuple(
            Hit(
                articles[d],
                float(scores[d]),
                hit_excerpt(
                    articles[d].body,
                    matcher,
                    passages.get(d),
                    self.ranking,
                    lead=not offset and not n,
                ),
                also,
            )
            for n, (d, also) in enumerate(p for p in page if p[0] in articles)
        )
        return SearchResult(
            query=query,
            hits=hits,
            total=total,
            total_capped=total >= getattr(self.first_stage, "count_cap", float("inf")),
            offset=offset,
            folded=plan.folded,
            date_from=plan.date_from,
            date_to=plan.date_to,
            partial=bool(len(docnos))
            and is_partial(top_article(docnos, read, self.store), matcher, idf),
            period_empty=period_empty,
        )

    def search_text(
        self, text: str, k: int = 10, offset: int = 0, exact: bool = False
    ) -> SearchResult:
        """search() of a question that may name outlets (nguồn:vnexpress); UnknownSource if none has it.

        The result's query is the text as asked, filters included, so a later page asks the same.
        """
        query, sources = outlet_filter(text, self.store.source_names)
        result = self.search(query, k, offset, sources=sources, exact=exact)
        return result if sources is None else dataclasses.replace(result, query=text)

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
        """Topics matched against up to limit articles after a cursor that search finds already."""
        return match_since(self.store, topics, cursor, limit, upto=self._searchable)

    def recent_matches(self, topic: Topic, limit: int = 3) -> list[tuple[int, Article]]:
        """The newest articles a topic catches, with their cursors (previews.recent_matches)."""
        return recent_matches(self.store, topic, limit=limit)

    def source_names(self) -> list[str]:
        """Every outlet of the archive, the one with most articles first."""
        return self.store.source_names()

    def stats(self) -> IndexStats:
        """Counts for `newsbot stats` (index_stats.py)."""
        return index_stats(self)
