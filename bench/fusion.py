"""Tuning the fusion weight on the real questions, one half at a time.

    .venv/bin/python bench/fusion.py --distractors 0 --hybrid windows
    .venv/bin/python bench/fusion.py --distractors 10000 --hybrid question-windows --grid

Every question goes once through the hybrid search with the fusion recorded instead of
applied: its candidates (lexical ones and the nearest leads), their lexical scores after
the passage stage, and their best passage cosines. Each weight is then replayed with
index/semantic.fuse over those records (story grouping left out), and MRR@10 printed per
half (bench/hybrid.halves): a weight is kept only if it holds on both. --grid replays the
adaptive weight's three settings (Ranking.semantic, semantic_sure, semantic_gap) and prints
R@1 / answered@1 / MRR@10 per half: answered@1 from whether the question's article, shown
first, would show an answer span in its excerpt (recorded once: the excerpt is lexical).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index.search as search_module  # noqa: E402
from bench.hybrid import halves, hybrid_index, leads_only, question_articles  # noqa: E402
from bench.questions import DATA, Answer, answered, read_data, typed_forms  # noqa: E402
from index.progress import Progress  # noqa: E402
from index.ranking import Ranking  # noqa: E402
from index.semantic import fuse, weight  # noqa: E402
from index.snippets import hit_excerpt  # noqa: E402

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8)


def record(index, texts: list[str], questions=None, wanted=None) -> list[tuple]:
    """(docnos, lexical scores, dense cosines, answered if first) of each question's
    candidates; the cosines as a pair: the windowed candidates' (NaN for the others), and
    all; answered if first: whether the question's article, shown first, would show an answer
    span in its excerpt (None without questions)."""
    stage = index.semantic
    seen: list = []
    shown: list = []
    rescore, rerank = stage.rescore, search_module.rerank

    def keep(meaning, docnos, scores, r):
        vector = getattr(meaning, "vector", meaning)  # semantic.Meaning, or a bare vector
        dense, windowed = (
            stage.vectors.passages(docnos, vector) if vector is not None else (None, None)
        )
        if dense is not None:  # the adaptive weight reads the windowed candidates' cosines
            dense = np.where(windowed, dense, np.nan), dense
        seen.append((docnos.copy(), np.asarray(scores, np.float64).copy(), dense))
        return scores

    def excerpt(docnos, scores, dates, matcher, read, r, *rest):
        if questions is not None and (d := wanted[len(shown)]) in read:
            text = hit_excerpt(read[d].body, matcher, None, r, lead=True).text
            shown.append(
                answered(Answer([questions[len(shown)].article_id], text), questions[len(shown)])
            )
        elif questions is not None:
            shown.append(False)
        return rerank(docnos, scores, dates, matcher, read, r, *rest)

    stage.rescore, search_module.rerank = keep, excerpt
    out = []
    progress = Progress(len(texts), "questions", label="recording ")
    try:
        for i, t in enumerate(texts):
            seen.clear()
            index.search(t, k=10, group=False)
            if questions is not None and len(shown) == i:
                shown.append(False)  # no candidate at all
            got = seen[0] if seen else (np.zeros(0, np.int64), np.zeros(0), None)
            out.append((*got, shown[i] if questions is not None else None))
            progress.update(1)
    finally:
        stage.rescore, search_module.rerank = rescore, rerank
        progress.close()
    return out


def replay(records, wanted: list[int], r: Ranking | float | None, mask: np.ndarray):
    """R@1, answered@1 and MRR@10 of the records replayed with one fusion (a Ranking's
    adaptive weight, a fixed weight, or None: the default Ranking's), over masked questions."""
    r1 = ans = total = 0.0
    for (docnos, scores, dense, shown), want, m in zip(records, wanted, mask, strict=True):
        if not m or not len(docnos):
            continue
        if dense is not None:
            windowed, dense = dense
            w = r if isinstance(r, float) else weight(windowed, r or Ranking())
            fused = fuse(scores, dense, w)
        else:
            fused = scores
        order = np.lexsort((-docnos, -fused))[:10]
        hit = np.flatnonzero(docnos[order] == want)
        if len(hit):
            total += 1 / (hit[0] + 1)
            r1 += hit[0] == 0
            ans += hit[0] == 0 and bool(shown)
    n = mask.sum()
    return r1 / n, ans / n, total / n


def mrr(records, wanted: list[int], w: float | None, mask: np.ndarray) -> float:
    """MRR@10 of the records replayed at one weight (None: the default ranking's weight for
    each question, index/semantic.weight), over the masked questions."""
    total = 0.0
    for (docnos, scores, dense, _), want, m in zip(records, wanted, mask, strict=True):
        if not m or not len(docnos):
            continue
        if dense is not None:
            windowed, dense = dense
            fused = fuse(scores, dense, weight(windowed, Ranking()) if w is None else w)
        else:
            fused = scores
        order = np.lexsort((-docnos, -fused))[:10]
        hit = np.flatnonzero(docnos[order] == want)
        total += 1 / (hit[0] + 1) if len(hit) else 0.0
    return total / mask.sum()


def grid(records, wanted: list[int], a: np.ndarray, form: str) -> None:
    """R@1 / answered@1 / MRR@10 per half for each setting of the adaptive weight."""
    print(f"\n{form}: R@1 / answered@1 / MRR@10 (group off), half A | half B | all")
    base = Ranking()
    rows = [("lexical", 0.0)] + [
        (
            f"semantic {s:.2f} sure {u:.2f} gap {g:.3f}",
            dataclasses.replace(base, semantic=s, semantic_sure=u, semantic_gap=g),
        )
        for s in (0.1, 0.15, 0.2, 0.25, 0.3)
        for u in (0.4, 0.5, 0.6, 0.7, 0.8)
        for g in (0.02, 0.03, 0.05)
    ]
    for name, r in rows:
        cells = [replay(records, wanted, r, m) for m in (a, ~a, np.ones(len(a), bool))]
        mark = " (the default)" if r == base else ""
        print(
            f"  {name:<34} "
            + " | ".join(f"{x:.3f} / {y:.3f} / {z:.3f}" for x, y, z in cells)
            + mark,
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--distractors", type=int, default=10_000)
    p.add_argument("--hybrid", choices=("windows", "leads", "question-windows"), default="windows")
    p.add_argument("--grid", action="store_true", help="replay the adaptive weight's settings")
    p.add_argument("--questions", type=int, default=0)
    p.add_argument("--forms", default="as_written,no_diacritics")
    args = p.parse_args(argv)
    shown = sys.argv[1:] if argv is None else argv
    print(f"command: {shlex.join(['.venv/bin/python', 'bench/fusion.py', *shown])}")
    started = time.perf_counter()
    articles, _, questions = read_data(args.distractors)
    if args.questions:
        questions = questions[: args.questions]
    index = hybrid_index(
        DATA / f"d{args.distractors}",
        windows=args.hybrid == "windows",
        windows_of=question_articles(articles) if args.hybrid == "question-windows" else None,
    )
    if args.hybrid == "leads":
        leads_only(index)
    docno = {
        a.id: d
        for d, a in index.store.articles(d for d in range(1, index.store.max_docno() + 1)).items()
    }
    wanted = [docno.get(q.article_id, -1) for q in questions]
    a = halves([q.article_id for q in questions])
    for form in args.forms.split(","):
        records = record(index, [typed_forms(q.text)[form] for q in questions], questions, wanted)
        if args.grid:
            grid(records, wanted, a, form)
            index.semantic.encoder.flush()
            continue
        print(f"\n{form}: MRR@10 (group off) by fusion weight, half A / half B / all")
        for w in (*WEIGHTS, None):
            cells = [mrr(records, wanted, w, m) for m in (a, ~a, np.ones(len(a), bool))]
            name = "adaptive (the default)" if w is None else f"{w:.1f}"
            print(f"  {name}  " + "  ".join(f"{c:.3f}" for c in cells), flush=True)
        index.semantic.encoder.flush()
    print(f"\ndone in {time.perf_counter() - started:,.0f} s")


if __name__ == "__main__":
    main()
