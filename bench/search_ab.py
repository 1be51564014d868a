"""Two checkouts' whole search() on the 150k index in one process, query by query, alternating.

    git worktree add --detach /tmp/main-ab main
    nice -n 10 .venv/bin/python bench/search_ab.py --base /tmp/main-ab

bench/engine_ab.py's method for the whole question (plan, both stages, story grouping,
excerpts): --base's index package is loaded as `base_index` beside this checkout's, both
open the same 150k index (bench/engine.py builds data/bench/n150000), and each of
bench/engine.py's seeded questions is asked of both, who goes first alternating, so load that
comes and goes hits both alike. The answers must be the same: ids, scores, excerpts and
their highlights, totals, the partial verdict. Printed: the CPU-time median and p90 of each
(time.process_time: this process only) and their ratio, and the machine (bench/machine.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import make_queries  # noqa: E402
from bench.engine_ab import load_base  # noqa: E402
from bench.machine import print_machine  # noqa: E402
from index.search import SearchIndex  # noqa: E402


def answer(result) -> tuple:
    """What a reader is shown: the hits with their scores, excerpts and outlets; the totals."""
    hits = [(h.article.id, h.score, h.excerpt.text, h.excerpt.spans, h.also) for h in result.hits]
    return result.total, result.partial, hits


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", type=Path, required=True, help="the checkout to compare against")
    p.add_argument("--data", type=Path, default=ROOT / "data" / "bench" / "n150000")
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    os.environ.setdefault("NEWSBOT_SEMANTIC", "off")  # words only: the stage both share
    print_machine()
    engines = [load_base(args.base.resolve()).open(args.data), SearchIndex.open(args.data)]
    queries = [text for text, _ in make_queries(engines[1], args.queries, args.seed)]
    for text in queries[:20]:  # warm: pyvi, the caches of both
        for e in engines:
            e.search(text, k=10)
    took: tuple[list[float], list[float]] = ([], [])
    for i, text in enumerate(queries):
        answers = [None, None]
        for e in (0, 1) if i % 2 else (1, 0):
            t = time.process_time()
            answers[e] = answer(engines[e].search(text, k=10))
            took[e].append(time.process_time() - t)
        if answers[0] != answers[1]:
            raise SystemExit(f"different answers to {text!r}:\n{answers[0]}\n{answers[1]}")
    for name, values in (("base", took[0]), ("this", took[1])):
        p50, p90 = statistics.median(values) * 1e3, np.percentile(values, 90) * 1e3
        print(f"{name}: whole search() CPU p50 {p50:.2f} ms, p90 {p90:.2f} ms")
    ratio = statistics.median(took[0]) / statistics.median(took[1])
    print(f"{len(queries)} questions, the same answers; this checkout {ratio:.2f}x base (medians)")


if __name__ == "__main__":
    main()
