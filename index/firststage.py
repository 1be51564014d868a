"""The first stage of a search: the seam between the query plan and whatever scores it.

The embedded engine (ranker.Ranker over the in-memory postings) is one implementation;
search_backends/opensearch.py is another, opened at the edge (index/ never opens a connection).
Everything after the first stage (period preference, passage reranking, excerpts,
partial detection) is the same Python code whichever stage found the candidates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Protocol

import numpy as np

from .planner import QueryPlan
from .store_seam import ArticleStore

DateRange = tuple[dt.date | None, dt.date | None]


class ExactNotServed(ValueError):
    """The exact BM25Okapi mode was asked of an external first stage: it is embedded only."""


class FirstStage(Protocol):
    """Scores a query plan over the live articles and returns the best candidates."""

    def best(
        self,
        plan: QueryPlan,
        k: int,
        *,
        date_range: DateRange | None = None,
        prefer: DateRange | None = None,
        only: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """The k best docnos, their scores, and how many articles matched.

        date_range keeps the articles dated inside it; prefer ranks the good matches
        (STRONG_SHARE of the best score) dated inside it first; only keeps these docnos.
        """
        ...


class ExternalStage(FirstStage, Protocol):
    """A first stage kept outside the data directory: it follows the article store."""

    def sync(self, store: ArticleStore) -> int:
        """Bring in the store's additions and removals (analysed terms as stored); count them."""
        ...

    def describe(self) -> str:
        """What serves the search, for `newsbot stats`."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


class FieldStats(Protocol):
    """What the planner reads of one field: counts of the live articles (FieldPostings has them)."""

    @property
    def n_docs(self) -> int: ...
    @property
    def total_len(self) -> int: ...
    def df(self, term: str) -> int: ...
    def cf(self, term: str) -> int: ...
    def vocab_size(self) -> int: ...


class StatisticsStage(ExternalStage, Protocol):
    """An external stage that also serves the planner's statistics: no postings are loaded.

    The index then holds no postings of its own (hollow.py): the planner reads these fields,
    asking for what it is about to read in one batch (prefetch), and a hit's day comes
    from the stage's answers (dates).
    """

    def statistics(self) -> Mapping[str, FieldStats]:
        """Each indexed field's statistics, as the cluster holds them now."""
        ...

    def prefetch(self, wanted: Iterable[tuple[str, str]]) -> None:
        """Fetch the statistics of these (field, term) pairs together, ahead of their reads."""
        ...

    def dates(self, docnos: Iterable[int]) -> dict[int, int]:
        """The day numbers (live_postings.days) of docnos this stage's answers named."""
        ...
