"""Engine benchmark: query latency against rank_bm25 at 150k articles, 1M scale, adds, opening.

    .venv/bin/python bench/engine.py                # 150k: ratio to rank-bm25, add 100, open
    .venv/bin/python bench/engine.py --million      # also 1,000,000 replicated articles
    .venv/bin/python bench/engine.py --skip-150k --compaction   # a compaction's time and memory

Besides the 150k part it runs bench/cli_search.py's end-to-end check on 20,000 articles
(`newsbot search -` against rank-bm25, data/bench/n20000, indexed once; --skip-cli leaves
it out).

Articles come from ../shared/corpus/news.jsonl.gz (never copied into the repo). The first run
indexes them with `newsbot index`'s pipeline into data/bench/ (pyvi on every core, ~8 min on
2 cores; --data names another folder); later runs reuse that index, and the 1M segment built
from it (rebuilt only when its layout is older). Every timing is a median over the same seeded
queries. The bench runs --runs times (3), each in a fresh process, and prints the machine and
every number that differs between runs as its median and minimum (bench/machine.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import gzip
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine, repeat  # noqa: E402
from index.fields import FIELDS, field_terms  # noqa: E402
from index.ingest import ingest  # noqa: E402
from index.search import SearchIndex  # noqa: E402
from index.segment_format import (  # noqa: E402
    FORMAT_VERSION,
    SegmentWriter,
    finish,
    read_segment_info,
    write_field,
)
from index.sql_store import unpack_terms  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
# what a query's time is: wall clock, or with --cpu this process's CPU time (on a shared
# machine the only figure that compares two runs)
clock = time.perf_counter


def rss_mb() -> float:
    """Current resident memory of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_parts() -> str:
    """Resident memory split: the process's own, and pages of the memory-mapped segment."""
    got = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("RssAnon:", "RssFile:")):
            got[line.split(":")[0]] = int(line.split()[1]) / 1024
    return f"{got.get('RssAnon', 0):,.0f} MB own, {got.get('RssFile', 0):,.0f} MB mapped files"


def peak_mb() -> float:
    """Highest resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(folder: Path) -> float:
    """Bytes of the files in a folder."""
    return sum(p.stat().st_size for p in folder.iterdir()) / 2**20


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e3:8.3f} ms (p90 {np.percentile(values, 90) * 1e3:.3f})"


def build_150k(data: Path, limit: int) -> SearchIndex:
    idx = SearchIndex.open(data)
    if idx.stats().articles < limit:
        print(f"indexing {limit:,} articles from {CORPUS} into {data} (one time) ...", flush=True)
        sub = data / "corpus-subset.jsonl"
        with (
            gzip.open(CORPUS, "rt", encoding="utf-8") as f,
            open(sub, "w", encoding="utf-8") as out,
        ):
            for i, line in enumerate(f):
                if i >= limit:
                    break
                out.write(line)
        t = time.perf_counter()
        report = ingest(idx, [sub])
        print(f"  {report.summary()} in {time.perf_counter() - t:,.0f} s", flush=True)
        sub.unlink()
    if idx.needs_compaction():
        idx.compact()
    return idx


def make_queries(idx: SearchIndex, n: int, seed: int) -> list[tuple[str, list[str]]]:
    """Seeded 2-6 word queries: consecutive words of random titles."""
    rng = random.Random(seed)
    rows = idx.store.database.rows("SELECT terms FROM articles WHERE deleted_seq IS NULL")
    out = []
    while len(out) < n:
        title, _ = unpack_terms(rng.choice(rows)[0])
        size = rng.randint(2, 6)
        if len(title) < size:
            continue
        start = rng.randint(0, len(title) - size)
        text = " ".join(t.replace("_", " ") for t in title[start : start + size])
        tokens = idx.analyzer.terms(text)
        if 2 <= len(tokens) <= 6:
            out.append((text, tokens))
    return out


def same_top(ours: np.ndarray, ref_scores: np.ndarray, ref_top: np.ndarray) -> bool:
    """Same top 10, allowing order swaps among equal scores (ties break differently)."""
    if len(ours) != len(ref_top):
        return False
    a, b = ref_scores[ours], ref_scores[ref_top]
    return bool(np.allclose(np.sort(a), np.sort(b), rtol=1e-9, atol=1e-12))


def bench_150k(args) -> None:
    from rank_bm25 import BM25Okapi

    data = args.data / f"n{args.articles}"
    idx = build_150k(data, args.articles)
    queries = make_queries(idx, args.queries, args.seed)
    rows = idx.store.database.rows(
        "SELECT docno, terms FROM articles WHERE deleted_seq IS NULL ORDER BY docno"
    )
    docnos = np.array([r[0] for r in rows])
    print(f"\n== {len(rows):,} articles, {len(queries)} queries of 2-6 words (seed {args.seed})")
    print(f"engine RSS after open: {rss_mb():,.0f} MB")
    ref = None
    if not args.skip_rank_bm25:  # (6.6 GB and minutes at 150k)
        tokens = [sum(unpack_terms(blob), []) for _, blob in rows]
        t = time.perf_counter()
        ref = BM25Okapi(tokens)
        built = time.perf_counter() - t
        print(f"rank_bm25 BM25Okapi built in {built:,.1f} s, RSS now {rss_mb():,.0f} MB")
        del tokens
        gc.collect()

    ours_exact, ours_full, ours_search, theirs, same = [], [], [], [], 0
    for text, q in queries:
        plan = idx.plan(text, exact=True)
        assert list(plan.parts[0][1]) == q
        t = clock()
        top, _, _ = idx.best(plan, 10)
        ours_exact.append(clock() - t)
        if ref is None:
            continue
        t = clock()
        scores = ref.get_scores(q)
        ref_top = np.argsort(scores)[::-1][:10]
        theirs.append(clock() - t)
        ref_top = ref_top[scores[ref_top] > 0]
        pos = np.searchsorted(docnos, top)
        same += same_top(pos, scores, ref_top)
    if ref is not None:
        ratio = statistics.median(theirs) / statistics.median(ours_exact)
        per_query = statistics.median(t / o for t, o in zip(theirs, ours_exact, strict=True))
        print(f"rank_bm25 get_scores + top-10:         {ms(theirs)}")
    print(f"engine, same BM25Okapi scores + top-10: {ms(ours_exact)}")
    if ref is not None:
        print(f"  ratio of medians: {ratio:,.0f}x faster; median per-query ratio {per_query:,.0f}x")
        print(f"  same top 10 as rank_bm25: {same}/{len(queries)} queries")
    del ref
    gc.collect()
    # rank_bm25 walks gigabytes per query: the engine's own rankings are timed apart from it
    for text, _ in queries:
        plan = idx.plan(text)
        t = clock()
        idx.best(plan, 10)
        ours_full.append(clock() - t)
        t = clock()
        idx.search(text, k=10)
        ours_search.append(clock() - t)
    print(f"engine, default ranking (title, syllables, aliases) + top-10: {ms(ours_full)}")
    print(f"engine, whole search() (query analysis with pyvi, 10 excerpts): {ms(ours_search)}")

    # adding 100 new articles: real articles under new ids, pyvi included
    picks = random.Random(args.seed + 1).sample(range(len(rows)), 100)
    articles = idx.store.articles(int(docnos[i]) for i in picks)
    fresh = [dataclasses.replace(a, id=f"{a.id}-new-{time.time_ns()}") for a in articles.values()]
    t = time.perf_counter()
    report = idx.add(fresh)
    idx.search("giá vàng hôm nay")  # the first query after the add pays the statistics
    added = time.perf_counter() - t
    print(f"\nadd 100 new articles (pyvi, store, postings, first query): {added:.2f} s {report}")
    idx.remove(a.id for a in fresh)
    idx.close()

    opens = []
    for _ in range(3):
        t = time.perf_counter()
        again = SearchIndex.open(data)
        again.search("giá vàng")
        opens.append(time.perf_counter() - t)
        again.close()
    print(f"open the {len(rows):,}-article index and answer a query: {ms(opens)}")


def replicated(writer: SegmentWriter, field: str, n_src: int, target: int) -> tuple:
    """A field's postings of docnos 1..n_src copied under new docnos up to target, sorted.

    The copies are real articles, only their numbers differ. Each term's list is its own
    list, then the list shifted by n_src, and so on: written in place, no sort of the copies.
    """
    tids = np.frombuffer(writer._tids.pop(field), dtype=np.int32)
    order = np.argsort(tids, kind="stable")
    terms = list(writer._vocab.pop(field))
    df = np.bincount(tids, minlength=len(terms))
    del tids
    docs = np.frombuffer(writer._docs.pop(field), dtype=np.int32)[order]
    tfs = np.frombuffer(writer._tfs.pop(field), dtype=np.uint16)[order]
    del order
    dl = np.frombuffer(writer._dl.pop(field), dtype=np.int32)[1 : n_src + 1]
    copies = -(-target // n_src)
    last = copies - 1
    offsets = np.zeros(len(df) + 1, np.int64)
    np.cumsum(df, out=offsets[1:])
    term_of = np.repeat(np.arange(len(df)), df)
    within = np.arange(len(docs)) - offsets[term_of]
    kept_last = docs.astype(np.int64) + last * n_src <= target  # a prefix of each term
    new_df = last * df + np.bincount(term_of[kept_last], minlength=len(df))
    new_offsets = np.zeros(len(df) + 1, np.int64)
    np.cumsum(new_df, out=new_offsets[1:])
    out_docs = np.empty(int(new_offsets[-1]), np.int32)
    out_tfs = np.empty(len(out_docs), np.uint16)
    base = new_offsets[term_of] + within
    for c in range(copies):
        keep = kept_last if c == last else slice(None)
        pos = (base + c * df[term_of])[keep]
        out_docs[pos] = docs[keep] + c * n_src
        out_tfs[pos] = tfs[keep]
    new_dl = np.concatenate([[0], np.tile(dl, copies)[:target]]).astype(np.int32)
    return terms, out_docs, out_tfs, new_offsets, new_dl


def bench_million(args) -> None:
    """1M documents: the 150k token lists replicated under new docnos, as one segment."""
    data150 = args.data / f"n{args.articles}"
    src = SearchIndex.open(data150)
    queries = make_queries(src, args.queries, args.seed)
    target = args.million
    data = args.data / f"m{target}"
    seg = data / "index" / "seg-bench"
    if (
        not (data / "index" / "CURRENT").exists()
        or read_segment_info(seg).get("format") != FORMAT_VERSION
        or not (seg / "body.bmaxtf.npy").exists()  # written before blocks' bounds were stored
    ):
        rows = src.store.database.rows(
            "SELECT terms, published FROM articles WHERE deleted_seq IS NULL ORDER BY docno"
        )
        shutil.rmtree(data, ignore_errors=True)  # an interrupted build, or an older layout
        print(
            f"\nbuilding a {target:,}-document segment from replicated token lists ...", flush=True
        )
        t = time.perf_counter()
        writer = SegmentWriter(FIELDS)
        for docno, (blob, _) in enumerate(rows, 1):
            writer.add(docno, field_terms(*unpack_terms(blob)))
        # The segment's docnos have no rows in SQLite (the copies' text is not stored): the
        # database is told its docnos reach `target`, so the integrity check (a segment may
        # not index docnos the database never gave) accepts the segment as this database's.
        SearchIndex.open(data).close()
        with sqlite3.connect(data / "newsbot.db") as db:
            db.execute("DELETE FROM sqlite_sequence WHERE name = 'articles'")
            db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('articles', ?)", (target,))
        seg.mkdir(parents=True)
        for f in FIELDS:  # one field at a time: the peak is one field's postings
            write_field(seg, f, *replicated(writer, f, len(rows), target))
            print(f"  {f} written, RSS {rss_mb():,.0f} MB", flush=True)
        finish(seg, list(FIELDS), np.arange(1, target + 1, dtype=np.int32), target + 1, {})
        (data / "index" / "CURRENT").write_text("seg-bench\n")
        del writer, rows  # the 150k token lists are not the engine's: out of its resident
        gc.collect()
        print(f"  built in {time.perf_counter() - t:,.0f} s")
    src.close()
    t = time.perf_counter()
    idx = SearchIndex.open(data)
    opened = time.perf_counter() - t
    if idx.damage:
        raise SystemExit(f"the {target:,}-document index did not open as built: {idx.damage}")
    built_peak = peak_mb()
    exact, full, scan, same, pruned = [], [], [], 0, 0
    for i, (text, _) in enumerate(queries):
        t = clock()
        idx.best(idx.plan(text, exact=True), 10)
        exact.append(clock() - t)
        plan = idx.plan(text)
        # best() and the reference, a scan of every posting, take turns going first: the
        # second finds the postings the first decoded in the cache
        for turn in (i % 2, 1 - i % 2):
            t = clock()
            if turn == 0:
                top, top_scores, _ = idx.best(plan, 10)
                full.append(clock() - t)
                pruned += idx.ranker.last_pruned
            else:
                scores, matched = idx.ranked(plan)
                ref, _ = idx.top(scores, 10, matched=matched)
                ref_scores = scores[ref]
                scan.append(clock() - t)
        same += list(top) == list(ref) and np.allclose(top_scores, ref_scores, rtol=1e-9)
    print(f"\n== {idx.stats().segment_docs:,} documents (real token lists replicated)")
    print(f"open: {opened:.2f} s; segment on disk {disk_mb(seg):,.0f} MB")
    print(f"engine, BM25Okapi scores + top-10:        {ms(exact)}")
    print(f"engine, default ranking, scan of every posting: {ms(scan)}")
    print(f"engine, default ranking (best(), pruned):       {ms(full)}")
    print(f"  same top 10 (ids and scores) as the scan: {same}/{len(queries)} queries")
    print(f"  answered without scanning the common syllables: {pruned}/{len(queries)}")
    print(f"RSS after the queries: {rss_mb():,.0f} MB ({rss_parts()}); peak {peak_mb():,.0f} MB")
    print(f"  peak while building and opening: {built_peak:,.0f} MB")


_COMPACT = """
import resource, sys, time
sys.path.insert(0, {root!r})
from index import segment_format
from index.search import SearchIndex
if {whole}:
    segment_format.RUN_POSTINGS = 1 << 62  # every posting held in memory until written
idx = SearchIndex.open({data!r})
t = time.perf_counter()
idx.compact()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{time.perf_counter() - t:,.0f}} s, peak resident {{peak:,.0f}} MB")
"""


def bench_compaction(args) -> None:
    """Rewrite the 150k segment from SQLite's terms in a fresh process, with and without runs."""
    data = args.data / f"n{args.articles}"
    print(f"\n== compaction of {data.name} from the stored terms (a fresh process each)")
    for whole, label in ((True, "postings held in memory"), (False, "sorted run files")):
        code = _COMPACT.format(root=str(ROOT), data=str(data), whole=whole)
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if run.returncode:
            raise SystemExit(run.stderr)
        print(f"  {label}: {run.stdout.strip()}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--articles", type=int, default=150_000)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--million",
        type=int,
        nargs="?",
        const=1_000_000,
        default=0,
        help="also benchmark this many replicated documents (default 1,000,000)",
    )
    p.add_argument("--skip-150k", action="store_true", help="only the replicated scale run")
    p.add_argument(
        "--skip-cli",
        action="store_true",
        help="without `newsbot search -` against rank-bm25 at 20k",
    )
    p.add_argument(
        "--compaction",
        action="store_true",
        help="also time a compaction of the 150k index, with and without run files",
    )
    p.add_argument(
        "--data", type=Path, default=ROOT / "data" / "bench", help="the folder of the indexes"
    )
    p.add_argument(
        "--runs", type=int, default=3, help="fresh processes to run it in (1: this one only)"
    )
    p.add_argument("--skip-rank-bm25", action="store_true", help="the 150k part without rank-bm25")
    p.add_argument(
        "--cpu", action="store_true", help="time queries by CPU time, not the wall clock"
    )
    args = p.parse_args()
    if args.cpu:
        global clock
        clock = time.process_time
    if args.runs > 1:
        raise SystemExit(repeat([__file__, *sys.argv[1:], "--runs", "1"], args.runs))
    print_machine()
    print(f"query times: {'CPU time of this process' if args.cpu else 'wall clock'}")
    if not args.skip_150k:
        bench_150k(args)
    if args.million:
        bench_million(args)
    if not args.skip_150k and not args.skip_cli:  # after the 1M part: out of its resident
        from bench.cli_search import run as bench_cli

        at_20k = {"articles": 20_000, "queries": args.queries, "semantic": False}
        bench_cli(argparse.Namespace(**{**vars(args), **at_20k}))
    if args.compaction:
        bench_compaction(args)


if __name__ == "__main__":
    main()
