"""Pseudo-relevance feedback (RM3) on real reader questions: measured, and left out.

    .venv/bin/python bench/feedback.py                  # 2,497 questions as written
    .venv/bin/python bench/feedback.py --questions 500  # a quick look

The default ranking runs as it ships, and again with its first stage widened by RM3: the
words that weigh most in the leading articles (their share of each article's words, times
Lucene's idf, each article weighted by its share of the leaders' scores) join the question
with weight alpha x (their weight / the heaviest one's). "recall only" keeps the default
scores and adds RM3's leaders to the candidates the passage stage re-scores. Same data and
metrics as bench/questions.py (its cached index in data/questions/).
"""

from __future__ import annotations

import argparse
import collections
import math
import shlex
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine  # noqa: E402
from bench.quality import project_index  # noqa: E402
from bench.questions import DATA, Answer, read_data, scores  # noqa: E402
from index.fields import BODY, FOLD  # noqa: E402
from index.normalize import fold  # noqa: E402
from index.planner import Part, QueryPlan  # noqa: E402
from index.search import SearchIndex  # noqa: E402
from index.stored_doc import unpack_terms  # noqa: E402

VARIANTS = (  # (label, feedback articles, words added, alpha, recall only)
    ("RM3: 5 articles, 10 words, alpha 0.3", 5, 10, 0.3, False),
    ("RM3: 5 articles, 10 words, alpha 0.1", 5, 10, 0.1, False),
    ("RM3: 10 articles, 20 words, alpha 0.3", 10, 20, 0.3, False),
    ("RM3 recall only: its 10 leaders join", 5, 10, 0.3, True),
)


def expand(index: SearchIndex, plan: QueryPlan, leaders, weights, words: int, alpha: float):
    """The plan with RM3's words added to its main field, or None when it has none."""
    field = plan.parts[0].field
    if field not in (BODY.name, FOLD.name):
        return None
    postings = index.fields[field]
    n = postings.n_docs
    model: collections.Counter[str] = collections.Counter()
    asked = set(plan.highlight)
    rows = index.store.database.rows(  # the bench reads stored terms; search never does
        f"SELECT docno, terms FROM articles WHERE docno IN ({','.join('?' * len(leaders))})",
        [int(d) for d in leaders],
    )
    share = dict(zip((int(d) for d in leaders), weights, strict=True))
    for docno, blob in rows:
        title, body = unpack_terms(blob)
        terms = [fold(t) for t in title + body] if field == FOLD.name else title + body
        for t, f in collections.Counter(terms).items():
            df = postings.df(t)
            if df > 0 and t not in asked and any(c.isalpha() for c in t):
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                model[t] += share[docno] * f / len(terms) * idf
    chosen = model.most_common(words)
    if not chosen:
        return None
    top = chosen[0][1]
    extra = tuple(Part(field, (t,), alpha * w / top) for t, w in chosen)
    return QueryPlan(
        plan.parts + extra,
        plan.highlight,
        plan.folded,
        plan.date_from,
        plan.date_to,
        plan.lucene,
        plan.b,
    )


def with_feedback(index: SearchIndex, docs: int, words: int, alpha: float, recall: bool):
    """Wrap the index's first stage with RM3 (the rest of search() is unchanged)."""
    first = SearchIndex.best.__get__(index)

    def best(plan, k, **kwargs):
        docnos, found, total = first(plan, k, **kwargs)
        if not len(docnos):
            return docnos, found, total
        lead = found[:docs]
        wider = expand(index, plan, docnos[:docs], (lead / lead.sum()).tolist(), words, alpha)
        if wider is None:
            return docnos, found, total
        if not recall:
            return first(wider, k, **kwargs)
        more, _, _ = first(wider, 10, **kwargs)
        extra = np.setdiff1d(more, docnos)
        if not len(extra):
            return docnos, found, total
        every = index.scores(plan)
        union = np.concatenate([docnos, extra])
        order = np.argsort(-every[union], kind="stable")
        return union[order], every[union][order], total

    index.best = best  # type: ignore[method-assign]


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--questions", type=int, default=0, help="only the first N questions")
    p.add_argument("--distractors", type=int, default=10_000)
    args = p.parse_args()
    print_machine()
    print(f"command: {shlex.join(['.venv/bin/python', 'bench/feedback.py', *sys.argv[1:]])}")
    articles, lines, questions = read_data(args.distractors)
    questions = questions[: args.questions] if args.questions else questions
    index = project_index(len(articles), lines, False, DATA / f"d{args.distractors}")
    print(f"{len(questions):,} questions as written; MRR@10 and answered@1 beside the default")
    base = None
    for label, docs, words, alpha, recall in (("default ranking", 0, 0, 0.0, False), *VARIANTS):
        if "best" in vars(index):
            del index.best
        if docs:
            with_feedback(index, docs, words, alpha, recall)
        t = time.perf_counter()
        got = []
        for q in questions:
            hits = index.search(q.text, k=10).hits
            got.append(Answer([h.article.id for h in hits], hits[0].excerpt.text if hits else ""))
        r1, _, mrr, ans = scores(got, questions)
        base = base or (mrr, ans)
        print(
            f"{label:40} R@1 {r1:.3f}  MRR@10 {mrr:.3f} ({mrr - base[0]:+.3f})  answered@1 "
            f"{ans:.3f} ({ans - base[1]:+.3f})  {time.perf_counter() - t:.0f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
