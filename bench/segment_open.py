"""What verifying every segment file's checksum costs when an index opens.

    nice -n 10 .venv/bin/python bench/segment_open.py DATA_DIR [DATA_DIR ...] [--runs 5]

Each data folder (built by `newsbot index`; it is only read, never compacted) opens
`--runs` times with the sizes-only check of before and with the full CRC-32 of today, in
alternation, from the page cache (one warm-up open first); prints the medians, their ratio,
and the CRC pass alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index.live_postings  # noqa: E402
from bench.machine import print_machine  # noqa: E402
from index.integrity import verify  # noqa: E402
from index.search import SearchIndex  # noqa: E402


def sizes_only(directory, database, max_docno, *, full=False):
    """The check before: sizes, database and docno range, no CRC."""
    return verify(directory, database, max_docno, full=False)


def open_once(data: Path) -> float:
    started = time.perf_counter()
    opened = SearchIndex.open(data)
    elapsed = time.perf_counter() - started
    assert opened.damage is None, opened.damage
    opened.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print_machine()
    print("| articles | segment | open, sizes only | open, full CRC | ratio | CRC alone |")
    print("|---|---|---|---|---|---|")
    for data in args.data:
        open_once(data)  # warm: the files are in the page cache for both
        before, after = [], []
        for _ in range(args.runs):
            index.live_postings.verify = sizes_only
            before.append(open_once(data))
            index.live_postings.verify = verify
            after.append(open_once(data))
        opened = SearchIndex.open(data)
        folder = data / "index" / opened.segments.segment_name
        articles = opened.store.counts()["articles"]
        started = time.perf_counter()
        assert (
            verify(folder, opened.store.database_id(), opened.store.max_docno(), full=True) is None
        )
        crc = time.perf_counter() - started
        opened.close()
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        b, a = statistics.median(before), statistics.median(after)
        print(
            f"| {articles:,} | {size:,.0f} MB | {b:.2f} s | {a:.2f} s | {a / b:.2f}x"
            f" | {crc:.2f} s |"
        )


if __name__ == "__main__":
    main()
