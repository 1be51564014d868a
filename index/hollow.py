"""Segments of an index that holds no postings: an external stage ranks and counts for it.

A replica served by OpenSearch opens this instead of live_postings.Segments: nothing is read
from the data folder or the store at open, and memory does not grow with the archive (but for
liveness and days per article, read only when the semantic stage or coverage asks). The
stage keeps the store's changes itself (sync), so refresh and compaction have nothing to do.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .bm25 import BM25Params
from .firststage import ExternalStage, StatisticsStage
from .live_postings import NO_DATE, Loaded, Segments, days
from .store_seam import ArticleStore

__all__ = ["HollowSegments", "days_of", "open_segments"]


def open_segments(
    stage: ExternalStage | None,
    data_dir: Path,
    store: ArticleStore,
    params: BM25Params,
    lock: threading.RLock,
) -> tuple[StatisticsStage | None, Segments | HollowSegments]:
    """The stage when it serves the planner's counts, and the segments to open: none then."""
    if stage is not None and hasattr(stage, "statistics"):
        return stage, HollowSegments(store)  # type: ignore[return-value]
    return None, Segments(data_dir, store, params, lock)


def days_of(
    stage: StatisticsStage | None,
    segments: Segments | HollowSegments,
    store: ArticleStore,
    docnos: np.ndarray,
) -> np.ndarray:
    """The day numbers of docnos: loaded, or from the stage's answers, else from the store."""
    if stage is None:
        return segments.state.dates[docnos]
    known = stage.dates(docnos.tolist())
    missing = [int(d) for d in docnos.tolist() if int(d) not in known]
    if missing:  # not in a recent answer of the stage
        known |= {d: days(a.published) for d, a in store.articles(missing).items()}
    return np.array([known.get(int(d), NO_DATE) for d in docnos.tolist()], np.int64)


class _Nothing(Loaded):
    """A state that holds no docno: its per-docno arrays never grow with the archive."""

    def grow(self, docno: int) -> None:
        """Nothing to make room for."""


class HollowSegments:
    """live_postings.Segments' surface with no postings: empty state, nothing to refresh."""

    damage: str | None = None
    segment_name: str | None = None

    def __init__(self, store: ArticleStore) -> None:
        self.store = store
        self.state = _Nothing({}, None, 0, 0, np.zeros(0, bool), np.zeros(0, np.int64), 0, 0)
        self._mark = (store.seq(), store.max_docno())
        self._live: Loaded | None = None  # read from the store when first asked

    def live(self) -> Loaded:
        """Liveness and days per docno from the store (coverage, embedding, the dense source).

        One byte and one day number an article, read when first asked after a change: the
        postings stay in the cluster, only what the semantic stage and the embedder need is here.
        """
        live = self._live
        if live is None:
            rows = list(self.store.live_dates())
            size = max((docno for docno, _ in rows), default=0) + 1
            alive, dates = np.zeros(size, bool), np.full(size, NO_DATE, np.int64)
            for docno, published in rows:
                alive[docno] = True
                if published:
                    dates[docno] = days(dt.date.fromisoformat(published))
            live = self._live = _Nothing({}, None, 0, 0, alive, dates, size - 1, 0)
        return live

    def refresh(self) -> int:
        """1 when the store changed since the last look (the stage brings the change in), else 0."""
        mark = (self.store.seq(), self.store.max_docno())
        changed, self._mark = mark != self._mark, mark
        if changed:
            self._live = None
        return int(changed)

    def delta_size(self) -> int:
        """No articles are held in memory."""
        return 0

    def needs_compaction(self, unloaded: int = 0) -> bool:
        """Never: there is no segment to write."""
        return False

    def compact(self, progress: Callable[[int], None] | None = None) -> None:
        """No segment to write (retired rows stay in the store for an embedded open)."""
