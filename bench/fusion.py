"""Tuning the fusion weight on the real questions, one half at a time.

    .venv/bin/python bench/fusion.py --distractors 0 --hybrid windows

Every question goes once through the hybrid search with the fusion recorded instead of
applied: its candidates (lexical ones and the nearest leads), their lexical scores after
the passage stage, and their best passage cosines. Each weight is then replayed with
index/semantic.fuse over those records (story grouping left out), and MRR@10 printed per
half (bench/hybrid.halves): a weight is kept only if it holds on both.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hybrid import halves, hybrid_index, leads_only  # noqa: E402
from bench.questions import DATA, read_data, typed_forms  # noqa: E402
from index.progress import Progress  # noqa: E402
from index.ranking import Ranking  # noqa: E402
from index.semantic import fuse, weight  # noqa: E402

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8)


def record(index, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(docnos, lexical scores, dense cosines) of each question's candidates; the cosines as
    a pair: the windowed candidates' (NaN for the others), and all."""
    stage = index.semantic
    seen: list = []
    rescore = stage.rescore

    def keep(meaning, docnos, scores, r):
        vector = getattr(meaning, "vector", meaning)  # semantic.Meaning, or a bare vector
        dense, windowed = (
            stage.vectors.passages(docnos, vector) if vector is not None else (None, None)
        )
        if dense is not None:  # the adaptive weight reads the windowed candidates' cosines
            dense = np.where(windowed, dense, np.nan), dense
        seen.append((docnos.copy(), np.asarray(scores, np.float64).copy(), dense))
        return scores

    stage.rescore = keep
    out = []
    progress = Progress(len(texts), "questions", label="recording ")
    try:
        for t in texts:
            seen.clear()
            index.search(t, k=10, group=False)
            out.append(seen[0] if seen else (np.zeros(0, np.int64), np.zeros(0), None))
            progress.update(1)
    finally:
        stage.rescore = rescore
        progress.close()
    return out


def mrr(records, wanted: list[int], w: float | None, mask: np.ndarray) -> float:
    """MRR@10 of the records replayed at one weight (None: the default ranking's weight for
    each question, index/semantic.weight), over the masked questions."""
    total = 0.0
    for (docnos, scores, dense), want, m in zip(records, wanted, mask, strict=True):
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


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--distractors", type=int, default=10_000)
    p.add_argument("--hybrid", choices=("windows", "leads"), default="windows")
    p.add_argument("--questions", type=int, default=0)
    p.add_argument("--forms", default="as_written,no_diacritics")
    args = p.parse_args(argv)
    shown = sys.argv[1:] if argv is None else argv
    print(f"command: {shlex.join(['.venv/bin/python', 'bench/fusion.py', *shown])}")
    started = time.perf_counter()
    _, _, questions = read_data(args.distractors)
    if args.questions:
        questions = questions[: args.questions]
    index = hybrid_index(DATA / f"d{args.distractors}", windows=args.hybrid == "windows")
    if args.hybrid == "leads":
        leads_only(index)
    docno = {
        a.id: d
        for d, a in index.store.articles(d for d in range(1, index.store.max_docno() + 1)).items()
    }
    wanted = [docno.get(q.article_id, -1) for q in questions]
    a = halves([q.article_id for q in questions])
    for form in args.forms.split(","):
        records = record(index, [typed_forms(q.text)[form] for q in questions])
        print(f"\n{form}: MRR@10 (group off) by fusion weight, half A / half B / all")
        for w in (*WEIGHTS, None):
            cells = [mrr(records, wanted, w, m) for m in (a, ~a, np.ones(len(a), bool))]
            name = "adaptive (the default)" if w is None else f"{w:.1f}"
            print(f"  {name}  " + "  ".join(f"{c:.3f}" for c in cells), flush=True)
        index.semantic.encoder.flush()
    print(f"\ndone in {time.perf_counter() - started:,.0f} s")


if __name__ == "__main__":
    main()
