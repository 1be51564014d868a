"""The second stage of a search: the leading candidates scored again by their best passage.

search() reads the candidates' articles once (store.articles); the passages, the page with
its excerpts and the partial verdict all use those, so a question reads its ~40 rows in one
query instead of four.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .models import Article
from .passages import Matcher, Passage, Term
from .ranking import Ranking
from .store_seam import ArticleStore

# the best article must hold this share of the question's idf-weighted words, else the
# result says its matches are partial (rather than announce "2,537 results")
PARTIAL_SHARE = 0.5
_NONE = Article("", "", "")


def best_passages(
    docnos: np.ndarray,
    matcher: Matcher,
    read: Mapping[int, Article],
    ranking: Ranking,
    known: Mapping[int, Passage] | None = None,
) -> dict[int, Passage]:
    """Each candidate's best passage (read: their articles; known: those already found)."""
    passages = dict(known or {})
    todo = [d for d in dict.fromkeys(docnos.tolist()) if d not in passages]
    articles = [read.get(d, _NONE) for d in todo]
    # passages.best_passage of each, in two calls to C: the bodies, then the titles
    window, proximity = ranking.passage_window, ranking.proximity
    bodies = matcher.passages([a.body for a in articles], window, proximity)
    titles = matcher.passages([a.title for a in articles], 1, proximity, whole=True)
    for d, a, best, heading in zip(todo, articles, bodies, titles, strict=True):
        if a.title and heading.score > best.score:  # the title competes as one more passage
            best = Passage(best.start, best.end, heading.score)
        passages[d] = best
    return passages


def rerank(
    docnos: np.ndarray,
    scores: np.ndarray,
    dates: np.ndarray,
    matcher: Matcher,
    read: Mapping[int, Article],
    ranking: Ranking,
    fusion: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    known: Mapping[int, Passage] | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[int, Passage]]:
    """The candidates again (read: their articles), each with its best passage's score added
    (and, given a fusion, the semantic stage's mix of meaning: semantic.py); known: passages
    already found (search() scores the lexical candidates' while the question is embedded)."""
    passages = best_passages(docnos, matcher, read, ranking, known)
    final = scores + ranking.passages * np.array([passages[d].score for d in docnos.tolist()])
    if fusion is not None:
        final = fusion(docnos, final)
    order = np.lexsort((-docnos, -dates, -final))  # a period orders them after (periods.py)
    return docnos[order], final[order], passages


def is_partial(article: Article | None, matcher: Matcher, idf: list[Term]) -> bool:
    """Whether the best article lacks most of the question's idf in words."""
    if article is None or not matcher.terms:
        return False
    # (no match spans the line between a title and its body: those of each, apart)
    present = {ti for text in (article.title, article.body) for _, _, ti in matcher.find(text)}
    held = sum(idf[ti].weight for ti in present)
    return held < PARTIAL_SHARE * sum(t.weight for t in idf)


def top_article(
    docnos: np.ndarray, read: Mapping[int, Article], store: ArticleStore
) -> Article | None:
    """The best candidate's article: read already for the passages, or read now."""
    top = int(docnos[0])
    return read[top] if top in read else store.articles([top]).get(top)
