"""Indexing benchmark: `newsbot index`'s pipeline with pyvi against the segmenter, one run.

    nice -n 10 .venv/bin/python bench/indexing.py --limit 5000
    nice -n 10 .venv/bin/python bench/indexing.py --limit 5000 --workers 2

The first N articles of ../shared/corpus/news.jsonl.gz (never copied into the repo) are
indexed twice into fresh temporary folders by index.ingest (reading, analysis on a process
pool, SQLite, the segment): once with pyvi itself as the analyzer's segmenter, once with
the default (index/word_segmenter.py). It prints the wall and CPU time of each (CPU includes the
pool's processes) and checks that both databases hold exactly the same terms.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine  # noqa: E402
from index.analysis import Analyzer, pyvi_segment  # noqa: E402
from index.ingest import ingest  # noqa: E402
from index.search import SearchIndex  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"


def cpu_seconds() -> float:
    """CPU of this process and of its finished children (the analysis pool)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run(
    name: str, analyzer: Analyzer, source: Path, folder: Path, workers: int
) -> tuple[float, float, list]:
    """Index the source into a fresh folder; wall and CPU seconds and the stored terms."""
    idx = SearchIndex.open(folder, analyzer)
    wall, cpu = time.perf_counter(), cpu_seconds()
    with open(folder / "progress.txt", "w") as progress:
        report = ingest(idx, [source], workers=workers, stream=progress)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    print(f"{name:10s} {report.summary()}: {wall:7.1f} s wall, {cpu:7.1f} s CPU", flush=True)
    stored = [(d.docno, d.title_terms, d.body_terms) for d in idx.store.live_docs(0)]
    idx.close()
    return wall, cpu, stored


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--limit", type=int, default=5000, help="first N articles (default 5000)")
    ap.add_argument("--workers", type=int, default=1, help="analysis processes (default 1)")
    args = ap.parse_args()
    print_machine()

    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as tmp:
        tmp = Path(tmp)
        source = tmp / "articles.jsonl"
        with (
            gzip.open(CORPUS, "rt", encoding="utf-8") as f,
            open(source, "w", encoding="utf-8") as out,
        ):
            out.writelines(islice(f, args.limit))
        print(f"{args.limit:,} articles, {args.workers} worker(s)")
        pw, pc, pyvi_terms = run("pyvi", Analyzer(pyvi_segment), source, tmp / "pyvi", args.workers)
        sw, sc, seg_terms = run("segmenter", Analyzer(), source, tmp / "segmenter", args.workers)
    same = pyvi_terms == seg_terms
    print(f"same terms for every article: {same}")
    print(f"speed-up: {pw / sw:.1f}x wall, {pc / sc:.1f}x CPU")
    print(f"articles/s: pyvi {args.limit / pw:,.0f}, segmenter {args.limit / sw:,.0f} (wall)")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
