"""bench/engine.py's 150k queries replayed on a checkout: the same answers, and their CPU time.

    .venv/bin/python bench/replay.py /tmp/before            # digests, then CPU-time medians
    .venv/bin/python bench/replay.py /tmp/before --digest   # the digests alone

For before/after comparisons of a change that should not move search (a refactor): make a
checkout of each commit (`git worktree add /tmp/before REV`), give each its own copy of the
150k index in CHECKOUT/data/bench/n150000 (bench/engine.py builds one), and run this script
with each checkout's code (it imports the checkout's index/ and its bench/engine.py's seeded
queries, so it runs on commits older than itself). It prints one line: a digest of the
queries and of each stage's top 10 (ids and scores: best() exact and default, search()), then
the medians of each stage's CPU time (time.thread_time, less moved by other processes than
the wall clock). Equal digests mean equal answers; take timing ratios between checkouts
run in turn in the same minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("checkout", type=Path, help="a checkout holding data/bench/n150000")
    p.add_argument("--digest", action="store_true", help="the digests only, no timing")
    args = p.parse_args()
    root = args.checkout.resolve()
    sys.path.insert(0, str(root))
    engine = importlib.import_module("bench.engine")
    search = importlib.import_module("index.search")
    if not Path(search.__file__).resolve().is_relative_to(root):
        raise SystemExit(f"index/ came from {search.__file__}, not {root}")
    idx = search.SearchIndex.open(root / "data" / "bench" / "n150000")
    queries = engine.make_queries(idx, 300, 7)
    parts = {k: hashlib.sha256() for k in ("queries", "exact", "default", "search")}
    for text, tokens in queries:
        parts["queries"].update(repr((text, list(tokens))).encode())
        for stage, exact in (("exact", True), ("default", False)):
            top, scores, _ = idx.best(idx.plan(text, exact=exact), 10)
            found = [(int(d), round(float(s), 9)) for d, s in zip(top, scores, strict=True)]
            parts[stage].update(repr(found).encode())
        result = idx.search(text, k=10)
        hits = [(h.article.id, round(float(h.score), 6)) for h in result.hits]
        parts["search"].update(repr((result.total, hits)).encode())
    line = " ".join(f"{k}={v.hexdigest()[:16]}" for k, v in parts.items())
    if not args.digest:
        took: dict[str, list[float]] = {"exact": [], "default": [], "search": []}
        for text, _ in queries:
            for stage, exact in (("exact", True), ("default", False)):
                plan = idx.plan(text, exact=exact)
                t = time.thread_time()
                idx.best(plan, 10)
                took[stage].append(time.thread_time() - t)
            t = time.thread_time()
            idx.search(text, k=10)
            took["search"].append(time.thread_time() - t)
        line += " | CPU ms " + " ".join(
            f"{k} {statistics.median(v) * 1e3:.3f}" for k, v in took.items()
        )
    print(f"{root.name}: {line}")


if __name__ == "__main__":
    main()
