"""Hostile input benchmark: forged page depths, story grouping, stalls, peak memory on bad files.

    .venv/bin/python bench/hostile.py                         # every part
    .venv/bin/python bench/hostile.py --part memory --against /tmp/old-checkout
    .venv/bin/python bench/hostile.py --part stalls --against /work/main

Depth: 20,000 articles of ../shared/corpus/news.jsonl.gz (never copied into the repo) are
indexed once into data/bench-hostile/ with a whitespace segmenter (pyvi would take ten
minutes and changes nothing here: the cost measured is ranking depth and story grouping).
It times a first page, the deepest page a button can ask for (page 50), and a forged
offset of 5,000; story grouping of the old depth (15,010 candidates) with the linear rule
against the old pairwise rule on 3,010; and an ordinary question's latency while eight
threads keep asking for page 50.

Stalls (bench/stalls.py): on the same 20,000 articles, the real `newsbot run` against the
local Bot API server of tests/botapi.py; another user's answer to one question on the quiet
bot, then while one user sends 20 /theodoi of topics that match nothing, 24 forged presses
of a deep page, or 24 inline queries at a deep offset (a fresh bot for each). Done when each
is within max(1 s, 3 x quiet). With --against DIR the same runs on another checkout too.

Memory: `newsbot index` (one process, --workers 1) on the bad inputs of issue 14, its peak
resident memory read from getrusage. With --against DIR the same inputs run on another
checkout too (for example the commit before the fixes), in the same run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stalls  # noqa: E402
from bench.machine import print_machine  # noqa: E402
from index.analysis import Analyzer  # noqa: E402
from index.models import Article  # noqa: E402
from index.normalize import fold, normalize  # noqa: E402
from index.search import SearchIndex  # noqa: E402
from index.sources.text import clean_line, clean_text  # noqa: E402
from index.stories import SYLLABLE, group_stories  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
DATA = ROOT / "data" / "bench-hostile"
QUERY = "việt nam"  # in most articles: the deepest candidate lists
OTHER = "giá vàng hôm nay"


def whitespace(text: str) -> str:
    return text


def build(n: int) -> SearchIndex:
    """The benchmark index, built on the first run."""
    index = SearchIndex.open(DATA, Analyzer(segment=whitespace))
    if index.stats().articles < n:
        articles = []
        with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                title, body = clean_line(r.get("title") or ""), clean_text(r.get("body") or "")
                if title and body:
                    articles.append(Article(str(r["id"]), title, body, source=r.get("source")))
                if len(articles) >= n:
                    break
        started = time.perf_counter()
        for i in range(0, len(articles), 2000):
            index.add(articles[i : i + 2000])
        index.compact()
        print(f"indexed {len(articles):,} articles in {time.perf_counter() - started:.0f} s")
    return index


def timed(call, repeat: int = 5) -> float:
    """Median seconds of call()."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def pairwise(ranked: list[tuple[int, str, str | None]]) -> list[tuple[int, tuple[str, ...]]]:
    """The story grouping rule before issue 14: every headline against every group."""
    groups: list = []
    for docno, title, source in ranked:
        key = frozenset(SYLLABLE.findall(fold(normalize(title))))
        for _, first_source, first_key, others in groups:
            union = len(key | first_key)
            if union and len(key & first_key) / union >= 0.8:
                if source and source != first_source and source not in others:
                    others.append(source)
                break
        else:
            groups.append((docno, source, key, []))
    return [(d, tuple(o)) for d, _, _, o in groups]


def depth(n: int) -> None:
    index = build(n)
    total = index.search(QUERY, k=5).total
    print(f"\n## Depth ({n:,} articles; “{QUERY}” matches {total:,})\n")
    print("| request | median |")
    print("|---|---|")
    for label, offset in [("page 1", 0), ("page 50 (the deepest)", 245), ("offset 5,000", 5000)]:
        seconds = timed(lambda o=offset: index.search(QUERY, k=5, offset=o))
        print(f"| {label} | {seconds * 1000:.1f} ms |")
    plan = index.plan(QUERY)
    docnos, _, _ = index.best(plan, 15_010)
    heads = index.store.headlines(int(d) for d in docnos)
    ranked = [(int(d), *heads[int(d)]) for d in docnos if int(d) in heads]
    linear = timed(lambda: group_stories(ranked), 3)
    small = ranked[:3_010]
    assert group_stories(small) == pairwise(small)
    old_small = timed(lambda: pairwise(small), 1)
    new_small = timed(lambda: group_stories(small), 3)
    print(f"\n| story grouping | {len(small):,} headlines | {len(ranked):,} headlines |")
    print("|---|---|---|")
    print(f"| pairwise (before) | {old_small:.2f} s | (not run: quadratic) |")
    print(f"| linear (now) | {new_small * 1000:.1f} ms | {linear * 1000:.1f} ms |")
    print(f"same groups on {len(small):,}: yes")

    quiet = timed(lambda: index.search(OTHER, k=5), 10)
    stop = threading.Event()

    def forge() -> None:
        while not stop.is_set():
            index.search(QUERY, k=5, offset=245)

    threads = [threading.Thread(target=forge) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    latencies = []
    for _ in range(10):
        started = time.perf_counter()
        index.search(OTHER, k=5)
        latencies.append(time.perf_counter() - started)
    stop.set()
    for t in threads:
        t.join()
    print(
        f"\nanother user's question: {quiet * 1000:.1f} ms alone; while 8 threads ask for"
        f" page 50 nonstop: median {statistics.median(latencies) * 1000:.1f} ms,"
        f" max {max(latencies) * 1000:.1f} ms"
    )
    index.close()


def inputs(folder: Path) -> dict[str, Path]:
    """The bad inputs of issue 14, and a small good file as the baseline."""
    bomb = folder / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b"{}\n" * 3_100_000, 9))
    array = folder / "array.json"
    array.write_text("[" + ",".join(["{}"] * 2_000_000) + "]", encoding="utf-8")
    good = folder / "good.jsonl"
    good.write_text(
        "".join(
            json.dumps({"id": f"g{i}", "title": f"Tin số {i}", "body": "Giá vàng tăng."}) + "\n"
            for i in range(100)
        ),
        encoding="utf-8",
    )
    return {
        f"good.jsonl (100 records, {good.stat().st_size / 1e3:.0f} kB)": good,
        f"gzip of 3.1M `{{}}` lines ({bomb.stat().st_size / 1e3:.0f} kB)": bomb,
        f".json array of 2M `{{}}` ({array.stat().st_size / 1e6:.0f} MB)": array,
    }


_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(peak, done.returncode, len(done.stderr.splitlines()), done.stdout.strip().splitlines()[-1:])
"""


def peak(checkout: Path, path: Path) -> tuple[float, int, int, str, float]:
    """Peak MB, exit code, stderr lines, summary and seconds of `newsbot index path`."""
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "NEWSBOT_DATA_DIR": data, "PYTHONPATH": str(checkout)}
        command = [sys.executable, "-m", "app.cli", "index", "--workers", "1", str(path)]
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _MEASURE, *command],
            capture_output=True,
            text=True,
            cwd=checkout,
            env=env,
            check=True,
        ).stdout.split(" ", 3)
        seconds = time.perf_counter() - started
    return int(out[0]) / 1024, int(out[1]), int(out[2]), out[3].strip(), seconds


def memory(against: list[Path]) -> None:
    print("\n## Peak memory of `newsbot index --workers 1 FILE`\n")
    checkouts = [ROOT, *against]
    print("| input | " + " | ".join(f"`{c}`" for c in checkouts) + " |")
    print("|---|" + "---|" * len(checkouts))
    with tempfile.TemporaryDirectory() as folder:
        for label, path in inputs(Path(folder)).items():
            cells = []
            for checkout in checkouts:
                mb, code, lines, summary, seconds = peak(checkout, path)
                cells.append(
                    f"{mb:,.0f} MB, {seconds:.0f} s, exit {code}, {lines:,} stderr lines {summary}"
                )
            print(f"| {label} | " + " | ".join(cells) + " |")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n(this benchmark process itself: {own:,.0f} MB)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--part", choices=["depth", "stalls", "memory", "all"], default="all")
    p.add_argument("--articles", type=int, default=20_000)
    p.add_argument("--against", type=Path, action="append", default=[], help="another checkout")
    args = p.parse_args()
    print_machine()
    if args.part in ("depth", "all"):
        depth(args.articles)
    if args.part in ("stalls", "all"):
        build(args.articles).close()
        stalls.report([ROOT, *(a.resolve() for a in args.against)], DATA)
    if args.part in ("memory", "all"):
        memory([a.resolve() for a in args.against])


if __name__ == "__main__":
    main()
