"""The hybrid column of the quality benchmarks: an index opened with the encoder, its vectors
embedded through the product's queue (embed/queue.py) with passage vectors cached under
/tmp (bench/vector_cache.py), and the split halves the fusion was tuned on.

Half A holds the questions of every other article (sorted ids), half B the rest: a weight
tuned on one half is checked on the other, and questions of one article never straddle.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.vector_cache import CACHE, CachedEncoder  # noqa: E402
from embed.encoder import E5Encoder  # noqa: E402
from embed.queue import EmbedQueue  # noqa: E402
from index.progress import Progress  # noqa: E402
from index.search import SearchIndex  # noqa: E402
from index.vectors import Vectors  # noqa: E402


class _SomeWindows(EmbedQueue):
    """Every lead, but the windows of some articles only (the question articles: a cheaper
    setting, which favours them over distractors that keep their lead alone)."""

    def __init__(self, index: SearchIndex, encoder, docnos: np.ndarray):
        super().__init__(index, encoder, windows=True)
        self.some = docnos

    def _todo(self) -> tuple[np.ndarray, np.ndarray]:
        leads, windows = super()._todo()
        return leads, windows[np.isin(windows, self.some)]


def hybrid_index(
    data: Path, windows: bool = True, windows_of: Sequence[str] | None = None
) -> SearchIndex:
    """The benchmark's index with the encoder, every live article embedded (cached in /tmp):
    leads and windows, leads only, or windows only for the articles windows_of names."""
    encoder = CachedEncoder(E5Encoder(threads=1))
    index = SearchIndex.open(data, encoder=encoder)
    if windows_of is not None:
        some = np.array([d for d, _ in index.store.digests(windows_of).values()], np.int64)
        queue: EmbedQueue = _SomeWindows(index, encoder, some)
    else:
        queue = EmbedQueue(index, encoder, windows=windows)
    pending = queue.pending()
    if pending.total:
        t = time.perf_counter()
        progress = Progress(pending.total, "articles", label="embedding ")
        done = queue.run(articles=64, progress=lambda b: progress.update(b.articles))
        progress.close()
        print(
            f"embedded {done:,} articles' passages ({encoder.embedded:,} not in {CACHE}) in "
            f"{time.perf_counter() - t:,.0f} s",
            flush=True,
        )
    index.semantic.refresh()
    v = index.semantic.vectors
    print(
        f"vectors: {len(v.leads):,} leads, {len(v) - len(v.leads):,} windows "
        f"({v.codes.nbytes / 1e6:,.1f} MB int8)",
        flush=True,
    )
    return index


def question_articles(articles: Sequence[tuple[str, str, str]]) -> list[str]:
    """Ids of the question articles: the first 500 bench/questions.py indexes."""
    return [a[0] for a in articles[:500]]


def leads_only(index: SearchIndex) -> None:
    """Drop the windows from the loaded vectors: the lead-per-article variant."""
    v = index.semantic.vectors
    n = v.n_leads
    index.semantic._vectors = Vectors(  # bench only: the stage itself always loads all
        v.codes[:n], v.scales[:n], v.docnos[:n], v.parts[:n], v.done, n
    )
    index.semantic._signature = index.semantic.files.signature()


def halves(article_ids: Sequence[str]) -> np.ndarray:
    """True for questions in half A: their article is every other one of the sorted ids."""
    order = {a: i for i, a in enumerate(sorted(set(article_ids)))}
    return np.array([order[a] % 2 == 0 for a in article_ids])


def with_weights(index: SearchIndex, **changes) -> None:
    """Set ranking weights on the index (semantic=..., semantic_depth=...)."""
    index.ranking = dataclasses.replace(index.ranking, **changes)


def print_halves(results: dict, questions: Sequence, scores, forms: Sequence[str]) -> None:
    """MRR@10 / answered@1 of every system on half A and half B, per form."""
    a = halves([q.article_id for q in questions])
    print("\nsplit halves (questions of every other article), MRR@10 / answered@1:")
    for form in forms:
        for s, got in results.items():
            if form not in got:
                continue
            cells = []
            for name, mask in (("A", a), ("B", ~a)):
                sub = [x for x, m in zip(got[form], mask, strict=True) if m]
                qs = [q for q, m in zip(questions, mask, strict=True) if m]
                _, _, mrr, ans = scores(sub, qs)
                cells.append(f"{name} {mrr:.3f} / {ans:.3f}")
            print(f"  {form:<17} {s:<22} " + "   ".join(cells))
