"""A question's period ("hôm nay", "năm 2017"): which candidates it brings, how it orders.

A time word says when, never what: it narrows or orders only among the articles that
answer the rest of the question, and when none of those is dated in the period the
answers stay in order of relevance (the reply says so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from .ranker import in_range

Period = tuple[dt.date | None, dt.date | None]
# an article of the period comes first only when it scores this share of the best: it
# answers the question about as well; the more of the question's candidates the period
# holds ("năm 2017" in a two-year archive), the less the time word tells apart, and the
# closer to the best it must score (measured: bench/periods.py)
PERIOD_SHARE = 0.9

__all__ = ["PERIOD_SHARE", "Period", "in_period_first", "overlap", "with_period"]


def overlap(a: Period | None, b: Period) -> Period | None:
    """The days two periods share (a None period is every day); None when they share none."""
    if a is None:
        return b
    los = [d for d in (a[0], b[0]) if d is not None]
    his = [d for d in (a[1], b[1]) if d is not None]
    lo, hi = max(los, default=None), min(his, default=None)
    return None if lo is not None and hi is not None and lo > hi else (lo, hi)


def with_period(
    best: Callable[..., tuple[np.ndarray, np.ndarray, int]],
    found: tuple[np.ndarray, np.ndarray, int],
    period: Period | None,
    want: int,
    **kwargs,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The best candidates by relevance, joined by the period's own best ones.

    (Asked for in one list, the period's articles could fill it and push out the
    question's best answer when it lies outside the period.)
    """
    if period is None or not want:
        return found
    docnos, scores, total = found
    inside, inside_scores, _ = best(want, date_range=period, **kwargs)
    new = ~np.isin(inside, docnos)
    return (
        np.concatenate([docnos, inside[new]]),
        np.concatenate([scores, inside_scores[new]]),
        total,
    )


def in_period_first(
    docnos: np.ndarray, scores: np.ndarray, dates: np.ndarray, period: Period, common: float
) -> tuple[np.ndarray, bool]:
    """The order that puts the period's good answers first, and whether there are any.

    common: the share of the question's best candidates dated in the period.
    """
    inside = in_range(dates, period)
    if len(scores) and scores.max() > 0:
        share = PERIOD_SHARE + (1 - PERIOD_SHARE) * common**0.5
        inside &= scores >= share * scores.max()
    order = np.lexsort((-docnos, -dates, -scores, ~inside))
    return order, bool(inside.any())
