"""The first stage of a search: the seam between the query plan and whatever scores it.

The embedded engine (ranker.Ranker over the in-memory postings) is one implementation;
search_backends/opensearch.py is another, opened at the edge (index/ never opens a connection).
Everything after the first stage (period preference, passage reranking, excerpts,
partial detection) is the same Python code whichever stage found the candidates.
"""

from __future__ import annotations

import datetime as dt
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
