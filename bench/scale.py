"""Scale benchmark: OpenSearch replicas that hold no index, against the embedded engine, in one run.

    nice -n 10 .venv/bin/python bench/scale.py --articles 20000     # starts its own node (1 GB heap)
    nice -n 10 .venv/bin/python bench/scale.py --articles 150000 --source /tmp/speed-data/bench/n150000
    nice -n 10 .venv/bin/python bench/scale.py --opensearch http://127.0.0.1:9200 --keep
    nice -n 10 .venv/bin/python bench/scale.py --articles 1000000 --opensearch URL --keep \
        --source data/bench/m1000000 --rows data/bench/n150000   # bench/engine.py --million's

The articles are those bench/engine.py indexed (data/bench/nN, built here with pyvi when
missing, or --source): the first run copies that folder to data/scale/nN (the source is only
read). The bulk load sends the analysed terms its store holds (pyvi never runs). Then:

- a replica process: an empty data folder, the store and the OpenSearch index only (as a
  replica on PostgreSQL): seconds from its start to its first answer, resident memory after
  the queries (it must not grow with the archive);
- the whole search (first stage, passage rerank, excerpts) and the first stage alone (best
  30), median and p90 over the same seeded queries, embedded and on the replica's index;
- the same first hit, and the top-10 overlap, of the replica against the embedded engine.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sqlite3
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

from index.search import SearchIndex  # noqa: E402
from index.sql_store import Store  # noqa: E402
from search_backends.opensearch import OpenSearchStage  # noqa: E402


def ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1e3:7.1f} ms, p90 {np.percentile(values, 90) * 1e3:7.1f} ms"


def rss_mb() -> float:
    """This process's resident memory now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def working_copy(source: Path, dest: Path) -> Path:
    """The data folder to measure on: a copy, so the source is never written."""
    if not (dest / "newsbot.db").exists():
        print(f"copying {source} to {dest} (once) ...", flush=True)
        tmp = dest.with_name(dest.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(source, tmp)
        tmp.rename(dest)
    return dest


def with_rows(segment: Path, rows: Path, dest: Path) -> Path:
    """bench/engine.py --million's folder (a segment of replicated token lists, no rows) with
    the store rows it indexes: the i-th live row of rows' newsbot.db, copy c, at docno
    i + c * n (ids suffixed "~c", URLs "#c"), so the embedded engine and the bulk load see the
    same articles. Built once in dest (a few minutes: rows are copied inside SQLite)."""
    if (dest / "newsbot.db").exists():
        return dest
    target = (
        int(json.loads((segment / "index" / "seg-bench" / "segment.json").read_text())["upto"]) - 1
    )
    part = dest.with_name(dest.name + ".partial")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    shutil.copy(segment / "newsbot.db", part / "newsbot.db")  # its database id: the segment's
    shutil.copytree(segment / "index", part / "index")
    with sqlite3.connect(part / "newsbot.db") as db:
        db.execute(f"ATTACH 'file:{rows / 'newsbot.db'}?mode=ro' AS src")
        (n,) = db.execute("SELECT count(*) FROM src.articles WHERE deleted_seq IS NULL").fetchone()
        print(f"storing {target:,} rows: {n:,} articles, {-(-target // n)} copies ...", flush=True)
        for c in range(-(-target // n)):
            suffix, anchor = (f"'~{c}'", f"'#{c}'") if c else ("''", "''")
            db.execute(
                "INSERT INTO main.articles (docno, id, title, body, url, published, source,"
                " category, digest, terms, added_at, image)"
                f" SELECT rn + {c * n}, id || {suffix}, title, body, url || {anchor}, published,"
                " source, category, digest, terms, added_at, image FROM (SELECT row_number()"
                " OVER (ORDER BY docno) AS rn, * FROM src.articles WHERE deleted_seq IS NULL)"
                f" WHERE rn + {c * n} <= {target}"
            )
            db.commit()
        db.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'articles'", (target,))
    part.rename(dest)
    return dest


def timed(
    indexes: list[SearchIndex], queries: list[str], k: int = 10
) -> list[tuple[list[float], list[float], list[list[str]]]]:
    """Per index: seconds per whole search, per first stage (30 candidates), the top k ids.

    The indexes take turns on each query, so a change in the machine's load falls on both.
    """
    runs: list[tuple[list[float], list[float], list[list[str]]]] = [([], [], []) for _ in indexes]
    for q in queries:
        for index, (whole, first, tops) in zip(indexes, runs, strict=True):
            t = time.perf_counter()
            result = index.search(q, k=k)
            whole.append(time.perf_counter() - t)
            tops.append([h.article.id for h in result.hits])
            plan = index.plan(q)
            t = time.perf_counter()
            index.best(plan, 30)
            first.append(time.perf_counter() - t)
    return runs


def open_replica(folder: Path, database: Path, url: str, name: str) -> SearchIndex:
    """An index as a replica opens it: an empty folder, the shared store, OpenSearch."""
    store = Store(database)
    return SearchIndex.open(folder, store=store, first_stage=OpenSearchStage(url, name))


def replica_process(url: str, name: str, database: str, queries_file: str) -> None:
    """Run as a child: start, answer the queries, print what it took (one JSON line)."""
    began = time.perf_counter()  # after the imports: the parent times from the launch
    with tempfile.TemporaryDirectory(prefix="newsbot-replica-") as folder:
        index = open_replica(Path(folder), Path(database), url, name)
        opened = time.perf_counter() - began
        queries = json.loads(Path(queries_file).read_text())
        index.search(queries[0])
        first = time.time()  # the parent's clock too
        at_open = rss_mb()
        for q in queries:
            index.search(q)
        files = sum(1 for _ in Path(folder).rglob("*"))
        index.close()
    print(
        json.dumps(
            {"open": opened, "first": first, "rss_open": at_open, "rss": rss_mb(), "files": files}
        )
    )


def load(stage: OpenSearchStage, store: Store, keep: bool) -> None:
    """Bulk load the index from the store (its progress on stderr) and print the rate."""
    if not keep:
        stage.delete()
    t = time.perf_counter()
    sent = stage.sync(store)
    took = time.perf_counter() - t
    stats = stage.client.indices.stats(index=stage.index)["_all"]["primaries"]
    size_mb = stats["store"]["size_in_bytes"] / 1e6
    held = stats["docs"]["count"]  # a resumed load sent only the rest
    if sent:
        print(
            f"bulk load: {sent:,} articles in {took:,.1f} s = {sent / took:,.0f} articles/s "
            f"({stage.shards} shard(s)); index {size_mb:,.0f} MB, "
            f"{size_mb * 1e6 / max(held, 1):,.0f} bytes an article ({held:,} held)",
            flush=True,
        )
    else:
        print(f"index {stage.index} already loaded ({size_mb:,.0f} MB): no bulk load measured")


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--articles", type=int, default=150_000, help="size of the archive")
    p.add_argument("--source", type=Path, default=None, help="an indexed data folder")
    p.add_argument(
        "--rows",
        type=Path,
        default=None,
        help="--source is bench/engine.py --million's segment: its rows are this folder's",
    )
    p.add_argument("--opensearch", default=None, help="a running node's URL (default: start one)")
    p.add_argument("--heap", default="1g", help="the started node's JVM heap")
    p.add_argument("--shards", type=int, default=1)
    p.add_argument(
        "--keep", action="store_true", help="reuse a loaded index (a killed load resumes)"
    )
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--replica", nargs=4, help=argparse.SUPPRESS)  # the child process
    args = p.parse_args()
    if args.replica:
        replica_process(*args.replica)
        return

    from engine import build_150k, make_queries
    from opensearch_node import OpenSearchNode

    from bench.machine import print_machine

    print_machine()
    print(f"command: {shlex.join(['.venv/bin/python', 'bench/scale.py', *sys.argv[1:]])}")
    n = args.articles
    source = args.source or ROOT / "data" / "bench" / f"n{n}"
    if args.rows:
        work = with_rows(source, args.rows, ROOT / "data" / "scale" / f"n{n}")
    else:
        if not (source / "newsbot.db").exists():
            build_150k(source, n).close()  # pyvi on every core, once
        work = working_copy(source, ROOT / "data" / "scale" / f"n{n}")
    name = f"bench-scale-{n}"

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
        embedded = SearchIndex.open(work)
        print(
            f"embedded index opened in {time.perf_counter() - t:.1f} s: "
            f"{embedded.stats().articles:,} articles",
            flush=True,
        )
        stage = OpenSearchStage(url, name, shards=args.shards, timeout=300)
        load(stage, embedded.store, args.keep)
        stage.close()

        queries = [q for q, _ in make_queries(embedded, args.queries, args.seed)]
        print(
            f"{len(queries)} seeded queries (bench/engine.py's, seed {args.seed}); 20 warm-up each,"
            " the shards' request cache emptied before the timed ones"
        )
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump(queries, f)
            f.flush()
            child = [
                sys.executable,
                __file__,
                "--replica",
                url,
                name,
                str(work / "newsbot.db"),
                f.name,
            ]
            launched = time.time()
            run = subprocess.run(child, capture_output=True, text=True)
            if run.returncode:
                raise SystemExit(f"the replica process failed:\n{run.stderr}")
        got = json.loads(run.stdout.strip().splitlines()[-1])
        got["first"] -= launched
        print(
            f"replica process (empty data folder, {got['files']} files written there): index open "
            f"{got['open']:.2f} s, first answer {got['first']:.2f} s after its launch; resident "
            f"memory {got['rss_open']:.0f} MB after the first answer, {got['rss']:.0f} MB after "
            f"{len(queries)} queries"
        )

        replica = open_replica(Path(home.name) / "replica", work / "newsbot.db", url, name)
        timed([embedded, replica], queries[:20])
        # the replica process and the warm-up asked these very queries: their answers would
        # come from the shards' request cache, not from a search
        replica.first_stage.client.indices.clear_cache(index=name, request=True)  # type: ignore[union-attr]
        (e_whole, e_first, e_tops), (o_whole, o_first, o_tops) = timed([embedded, replica], queries)
        print(f"{'':<24} {'whole search (top 10)':>34} | {'first stage (best 30)':>34}")
        print(f"{'embedded':<24} {ms(e_whole):>34} | {ms(e_first):>34}")
        print(f"{'OpenSearch replica':<24} {ms(o_whole):>34} | {ms(o_first):>34}")
        print(
            f"ratio OpenSearch / embedded: whole {statistics.median(o_whole) / statistics.median(e_whole):.2f}x, "
            f"first stage {statistics.median(o_first) / statistics.median(e_first):.2f}x (medians)"
        )
        pairs = list(zip(e_tops, o_tops, strict=True))
        same1 = sum(a[:1] == b[:1] for a, b in pairs)
        overlap = statistics.mean(len(set(a) & set(b)) / max(len(a), 1) for a, b in pairs)
        print(
            f"agreement: same first hit on {same1}/{len(queries)} queries "
            f"({same1 / len(queries):.1%}); top-10 overlap {overlap:.3f} on average"
        )
        stats = replica.first_stage.stats  # type: ignore[union-attr]
        print(
            f"statistics requests of the replica: {stats.requests} for {2 * len(queries) + 40} searches"
        )
        print(
            f"searches asked again in the embedded order (ties past the hits): "
            f"{replica.first_stage.exact_asked}"  # type: ignore[union-attr]
        )
        replica.close()
        embedded.close()
    finally:
        if node is not None:
            node.stop()
        home.cleanup()


if __name__ == "__main__":
    main()
