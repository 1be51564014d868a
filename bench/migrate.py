"""Migration benchmark: a data folder copied into PostgreSQL, and a replica started on it.

    nice -n 10 .venv/bin/python bench/migrate.py --limit 20000

The first N articles of ../shared/corpus/news.jsonl.gz (never copied into the repo) are
indexed into a fresh data folder (index.ingest, the segmenter, one worker). A throwaway
PostgreSQL (tests/servers/postgres.py) is started and `newsbot migrate`'s copy runs into it
(app.migrate.migrate). Then it times:
- the migration (articles per second, with their terms), and a second run (nothing to copy);
- opening the embedded folder (its segment, the baseline) and the migrated folder on
  PostgreSQL (the same segment, valid for the copy);
- a replica's first open in an empty folder (its own segment, built from PostgreSQL's
  stored terms, no pyvi) against writing a segment of the embedded folder (compact), and
  the replica's second open (that segment);
- 200 headline searches on the embedded index and on the replica: median time, and how
  many answer with the same articles in the same order.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import statistics
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from servers.postgres import PostgresServer  # noqa: E402

from app.migrate import migrate  # noqa: E402
from bench.machine import print_machine  # noqa: E402
from index.ingest import ingest  # noqa: E402
from index.search import SearchIndex  # noqa: E402
from index.sql_store import Store  # noqa: E402
from storage import open_database  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"


def timed(make):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = make()
    return time.perf_counter() - start, result


def searches(index: SearchIndex, queries: list[str]) -> tuple[float, list[list[str]]]:
    """Median milliseconds per search, and the ids each search answered."""
    times, answers = [], []
    for q in queries:
        seconds, result = timed(lambda q=q: index.search(q, k=10))
        times.append(seconds * 1000)
        answers.append([h.article.id for h in result.hits])
    return statistics.median(times), answers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--limit", type=int, default=20000, help="first N articles (default 20000)")
    args = ap.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-migrate-") as tmp:
        tmp = Path(tmp)
        source = tmp / "corpus.jsonl"
        with gzip.open(CORPUS, "rt", encoding="utf-8") as f, open(source, "w") as out:
            lines = list(islice(f, args.limit))
            out.writelines(lines)
        queries = [json.loads(line)["title"] for line in lines[:: max(1, len(lines) // 200)]][:200]
        folder = tmp / "data"
        index = SearchIndex.open(folder)
        seconds, report = timed(lambda: ingest(index, [source], workers=1, stream=io.StringIO()))
        index.close()
        print(f"indexed {report.summary()} in {seconds:.1f} s (pyvi-equivalent segmenter)")
        with PostgresServer() as server:
            url = server.create_database()
            seconds, summary = timed(lambda: migrate(folder, url, stream=io.StringIO()))
            n = summary.copied["articles"]
            print(f"migrate: {summary.line()}")
            print(f"migrate: {n:,} articles in {seconds:.1f} s = {n / seconds:,.0f} articles/s")
            again, summary = timed(lambda: migrate(folder, url, stream=io.StringIO()))
            print(f"migrate again: {summary.line()} in {again:.1f} s")

            def shared(path: Path) -> SearchIndex:
                return SearchIndex.open(path, store=Store(open_database(url)))

            base, embedded = timed(lambda: SearchIndex.open(folder))
            print(f"open, embedded folder (baseline):        {base:6.2f} s")
            seconds, moved = timed(lambda: shared(folder))
            print(
                f"open, the migrated folder on PostgreSQL: {seconds:6.2f} s"
                f" (segment kept: {moved.damage is None})"
            )
            moved.close()
            compacting, _ = timed(embedded.compact)
            print(f"compact, embedded (baseline: a segment from newsbot.db): {compacting:6.2f} s")
            first, replica = timed(lambda: shared(tmp / "replica"))
            print(f"open, a replica's empty folder (first): {first:6.2f} s (builds its segment)")
            replica.close()
            second, replica = timed(lambda: shared(tmp / "replica"))
            print(f"open, the replica again:                 {second:6.2f} s")
            searches(embedded, queries[:5])  # warm both (the analyzer, the page cache)
            searches(replica, queries[:5])
            ms_embedded, want = searches(embedded, queries)
            ms_replica, got = searches(replica, queries)
            same = sum(a == b for a, b in zip(want, got, strict=True))
            print(
                f"search, median of {len(queries)}: embedded {ms_embedded:.1f} ms,"
                f" replica on PostgreSQL {ms_replica:.1f} ms"
                f" ({ms_replica / ms_embedded:.2f}x); same top 10: {same}/{len(queries)}"
            )
            embedded.close()
            replica.close()


if __name__ == "__main__":
    main()
