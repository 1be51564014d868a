"""A page of a result list kept by the caller: hits and excerpts for articles ranked before.

A conversation ranks a question once and keeps the order (ids, scores, other outlets); each
page asks only for its own articles' excerpts, so a page costs the same at any depth::

    hits = page_hits(index, "giá vàng", [("a1", 7.2, ()), ("a2", 6.9, ("Tuổi Trẻ",))])
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Protocol

from .bm25 import FieldPostings
from .fields import BODY, FOLD
from .models import Article, Hit
from .normalize import has_diacritics
from .outlets import split_sources
from .passages import Matcher, Term, best_passage, match_terms, weighed
from .planner import QueryPlan
from .ranking import Ranking
from .snippets import hit_excerpt

__all__ = ["Searched", "page_hits", "plan_terms"]


class _Articles(Protocol):
    def article(self, article_id: str) -> tuple[int, Article] | None: ...


class Searched(Protocol):
    """What a page needs of the index that ranked it (a SearchIndex)."""

    ranking: Ranking
    store: _Articles

    @property
    def fields(self) -> Mapping[str, FieldPostings]: ...
    def plan(self, query: str, exact: bool = False, today: dt.date | None = None) -> QueryPlan: ...


def plan_terms(fields: Mapping[str, FieldPostings], plan: QueryPlan) -> list[Term]:
    """The plan's words as the matcher finds them in text, rarer words weighing more."""
    weights = []
    for t in plan.highlight:
        field = fields[BODY.name if has_diacritics(t) else FOLD.name]
        # Lucene's idf, defined for every df: a word no article holds weighs the most
        # (it is what a weak result lacks)
        n, df = max(field.n_docs, 0), max(field.df(t), 0)
        weights.append(math.log(1.0 + (n - df + 0.5) / (df + 0.5)))
    return match_terms(plan.highlight, weights)


def page_hits(
    index: Searched,
    text: str,
    ranked: Sequence[tuple[str, float, Sequence[str]]],
    *,
    lead: bool = False,
    today: dt.date | None = None,
) -> tuple[Hit, ...]:
    """Hits of articles a search of text ranked, as (id, score, other outlets), in that order.

    text is the question as asked (source filters are left out of the excerpts' words, as
    outlets.search_text does); the excerpts are search()'s own (same matcher, passages and
    windows), lead giving the first the wider window of a question's first answer. Articles
    removed since are left out.
    """
    query, _ = split_sources(text)
    r = index.ranking
    plan = index.plan(query, today=today)
    matcher = Matcher(weighed(plan_terms(index.fields, plan), r.passage_idf))
    hits = []
    for article_id, score, also in ranked:
        found = index.store.article(article_id)
        if found is None:
            continue
        article = found[1]
        passage = (
            best_passage(article.body, matcher, r.passage_window, r.proximity, title=article.title)
            if r.passages
            else None
        )
        excerpt = hit_excerpt(article.body, matcher, passage, r, lead=lead and not hits)
        hits.append(Hit(article, float(score), excerpt, tuple(also)))
    return tuple(hits)
