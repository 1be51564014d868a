"""Two checkouts' engines on the 1M segment in one process, query by query, alternating.

    git worktree add --detach /tmp/main-ab main
    nice -n 10 .venv/bin/python bench/engine_ab.py --base /tmp/main-ab

On a shared machine two runs of the same commit differ by 1.6-1.8x between hours, and
two processes started together by 5-10%: a change of a few percent shows only when both
engines answer each query in the same minute. --base's index package is loaded as
`base_index` beside this checkout's; each query is asked of both (who goes first
alternates), in bench/engine.py's order (exact, then best() and the scan taking turns), and
the answers must be the same: ids, scores and totals. Needs bench/engine.py --million's
segment (data/bench/m1000000) and the 150k index its queries come from.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import make_queries  # noqa: E402
from bench.machine import print_machine  # noqa: E402
from index.search import SearchIndex  # noqa: E402


def load_base(checkout: Path):
    """The SearchIndex of another checkout, its index package imported as base_index."""
    spec = importlib.util.spec_from_file_location(
        "base_index",
        checkout / "index" / "__init__.py",
        submodule_search_locations=[str(checkout / "index")],
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["base_index"] = package
    spec.loader.exec_module(package)
    return importlib.import_module("base_index.search").SearchIndex


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", type=Path, required=True, help="the checkout to compare against")
    p.add_argument("--data", type=Path, default=ROOT / "data" / "bench")
    p.add_argument("--million", type=int, default=1_000_000)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    print_machine()
    src = SearchIndex.open(args.data / "n150000")
    queries = make_queries(src, args.queries, args.seed)
    src.close()
    data = args.data / f"m{args.million}"
    engines = [load_base(args.base.resolve()).open(data), SearchIndex.open(data)]
    clock = time.process_time  # the CPU time of this process: both pay the same load
    best, exact, same = ([], []), ([], []), 0
    for i, (text, _) in enumerate(queries):
        order = (0, 1) if i % 2 else (1, 0)
        for e in order:
            t = clock()
            engines[e].best(engines[e].plan(text, exact=True), 10)
            exact[e].append(clock() - t)
        plans = [e.plan(text) for e in engines]
        found = [None, None]
        for turn in (i % 2, 1 - i % 2):  # as bench/engine.py: best() and the scan take turns
            for e in order if (i // 2) % 2 else order[::-1]:
                if turn == 0:
                    t = clock()
                    found[e] = engines[e].best(plans[e], 10)
                    best[e].append(clock() - t)
                else:
                    scores, matched = engines[e].ranked(plans[e])
                    engines[e].top(scores, 10, matched=matched)
        (a, sa, na), (b, sb, nb) = found
        same += list(a) == list(b) and list(sa) == list(sb) and na == nb
    print(f"\n== {args.million:,} documents, {len(queries)} queries, CPU time")
    for name, times in (("default ranking, best()", best), ("exact BM25Okapi", exact)):
        base, ours = (np.array(t) for t in times)
        print(
            f"{name}: base p50 {np.median(base) * 1e3:.2f} ms (p90 "
            f"{np.percentile(base, 90) * 1e3:.2f}), this p50 {np.median(ours) * 1e3:.2f} ms "
            f"(p90 {np.percentile(ours, 90) * 1e3:.2f}); p50 ratio "
            f"{np.median(ours) / np.median(base):.3f}, p90 ratio "
            f"{np.percentile(ours, 90) / np.percentile(base, 90):.3f}, median of per-query "
            f"ratios {np.median(ours / base):.3f}"
        )
    print(f"same ids, scores and totals: {same}/{len(queries)}")


if __name__ == "__main__":
    main()
