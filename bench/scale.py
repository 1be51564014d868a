"""Scale benchmark: bulk loading 150,000 articles into OpenSearch, query latency against
the embedded engine on the same seeded queries, and deliveries per second from one and two
replicas sharing PostgreSQL (bench/delivery.py --postgres, run as the last step).

    nice -n 10 .venv/bin/python bench/scale.py                  # starts its own node (1 GB heap)
    nice -n 10 .venv/bin/python bench/scale.py --opensearch http://127.0.0.1:9200

The articles are those bench/engine.py indexed (data/bench/n150000, here or in --source): the
first run copies that data folder to data/scale/ (the source is only read), and the bulk load
sends the analysed terms its SQLite store holds (pyvi never runs). Each run reloads the
index (--keep reuses it). Latency: median and p90 over the same queries, the whole search
(first stage, passage rerank, excerpts) and the first stage alone (best 30 candidates).
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from engine import make_queries  # noqa: E402
from opensearch_node import OpenSearchNode  # noqa: E402

from bench.machine import print_machine  # noqa: E402
from index.search import SearchIndex  # noqa: E402
from search_backends.opensearch import OpenSearchStage  # noqa: E402

SOURCES = (
    ROOT / "data" / "bench" / "n150000",
    ROOT.parent.parent / "main" / "data" / "bench" / "n150000",
)


def ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1e3:7.1f} ms, p90 {np.percentile(values, 90) * 1e3:7.1f} ms"


def working_copy(source: Path, dest: Path) -> Path:
    """The data folder to measure on: a copy, so the source is never written."""
    if not (dest / "newsbot.db").exists():
        print(f"copying {source} to {dest} (once) ...", flush=True)
        tmp = dest.with_name(dest.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(source, tmp)
        tmp.rename(dest)
    return dest


def timed(
    index: SearchIndex, queries: list[str], k: int = 10
) -> tuple[list[float], list[float], list[list[str]]]:
    """Seconds per whole search, per first stage (30 candidates), and the top k ids."""
    whole, first, tops = [], [], []
    for q in queries:
        t = time.perf_counter()
        result = index.search(q, k=k)
        whole.append(time.perf_counter() - t)
        tops.append([h.article.id for h in result.hits])
        plan = index.plan(q)
        t = time.perf_counter()
        index.best(plan, 30)
        first.append(time.perf_counter() - t)
    return whole, first, tops


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--source", type=Path, default=None, help="an indexed data folder (bench/engine.py's)"
    )
    p.add_argument("--work", type=Path, default=ROOT / "data" / "scale" / "n150000")
    p.add_argument("--opensearch", default=None, help="a running node's URL (default: start one)")
    p.add_argument("--heap", default="1g", help="the started node's JVM heap")
    p.add_argument("--index", default="bench-scale")
    p.add_argument("--keep", action="store_true", help="reuse a loaded index: no bulk load")
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--no-deliveries", action="store_true", help="skip bench/delivery.py --postgres")
    args = p.parse_args()
    print_machine()
    print(f"command: {shlex.join(['.venv/bin/python', 'bench/scale.py', *sys.argv[1:]])}")
    source = args.source or next((s for s in SOURCES if (s / "newsbot.db").exists()), None)
    if source is None:
        sys.exit("no indexed 150k data folder: run bench/engine.py first, or pass --source")
    work = working_copy(source, args.work)

    node = None
    home = tempfile.TemporaryDirectory(prefix="newsbot-scale-")
    url = args.opensearch
    try:
        if url is None:
            node = OpenSearchNode(Path(home.name), heap=args.heap, cluster="newsbot-scale")
            node.start()
            url = node.url
            print(f"OpenSearch 2.19 node started in {node.started_in:.1f} s (heap {args.heap})")
        t = time.perf_counter()
        index = SearchIndex.open(work)
        print(
            f"embedded index opened in {time.perf_counter() - t:.1f} s: {index.stats().articles:,} articles"
        )

        stage = OpenSearchStage(url, args.index, timeout=300)
        if not args.keep:
            stage.delete()
        t = time.perf_counter()
        sent = stage.sync(index.store)
        took = time.perf_counter() - t
        stats = stage.client.indices.stats(index=args.index)["_all"]["primaries"]
        size_mb = stats["store"]["size_in_bytes"] / 1e6
        if sent:
            print(
                f"bulk load: {sent:,} articles in {took:,.1f} s = {sent / took:,.0f} articles/s "
                f"(sync from the store: terms unpacked, fields built, bulk of 500, refresh paused); "
                f"index {size_mb:,.0f} MB"
            )
        else:
            print(f"index {args.index} already loaded ({size_mb:,.0f} MB): no bulk load measured")

        queries = [q for q, _ in make_queries(index, args.queries, args.seed)]
        print(
            f"{len(queries)} seeded queries (bench/engine.py's, seed {args.seed}); 20 warm-up each"
        )
        timed(index, queries[:20])
        e_whole, e_first, e_tops = timed(index, queries)
        index.first_stage = stage
        timed(index, queries[:20])
        o_whole, o_first, o_tops = timed(index, queries)
        index.first_stage = None
        print(f"{'':<24} {'whole search (top 10)':>34} | {'first stage (best 30)':>34}")
        print(f"{'embedded':<24} {ms(e_whole):>34} | {ms(e_first):>34}")
        print(f"{'OpenSearch':<24} {ms(o_whole):>34} | {ms(o_first):>34}")
        print(
            f"ratio OpenSearch / embedded: whole {statistics.median(o_whole) / statistics.median(e_whole):.2f}x, "
            f"first stage {statistics.median(o_first) / statistics.median(e_first):.2f}x (medians)"
        )
        same1 = sum(a[:1] == b[:1] for a, b in zip(e_tops, o_tops, strict=True))
        overlap = [
            len(set(a) & set(b)) / max(len(a), 1) for a, b in zip(e_tops, o_tops, strict=True)
        ]
        print(
            f"agreement: same first hit on {same1}/{len(queries)} queries; "
            f"top-10 overlap {statistics.mean(overlap):.3f} on average"
        )
        index.close()
        stage.close()
    finally:
        if node is not None:
            node.stop()
        home.cleanup()
    if not args.no_deliveries:
        # its own process: a throwaway PostgreSQL, the local Bot API server, 1,000 chats
        print("\ndeliveries (bench/delivery.py --postgres):", flush=True)
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "delivery.py"), "--postgres"], check=True
        )


if __name__ == "__main__":
    main()
