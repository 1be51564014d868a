"""`newsbot index`: read inputs, analyze new or edited articles on every core, store them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .analysis import analyze_on, warm
from .models import Article, Failure
from .progress import Progress
from .search import SearchIndex
from .sources import discover, read_file

BATCH = 512  # articles per transaction: a kill loses at most one batch of work
# Failures are counted, and only this many kept: millions of bad lines cost no memory.
MAX_REPORTED_FAILURES = 100


@dataclass
class IngestReport:
    """What `newsbot index` did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)  # the first MAX_REPORTED_FAILURES
    failed: int = 0

    def fail(self, failure: Failure) -> None:
        """Count a failure, keeping it if it is among the first ones."""
        self.failed += 1
        if len(self.failures) < MAX_REPORTED_FAILURES:
            self.failures.append(failure)

    def summary(self) -> str:
        """One line: added, updated, unchanged, failed."""
        return (
            f"{self.added:,} added, {self.updated:,} updated, {self.unchanged:,} unchanged, "
            f"{self.failed:,} failed"
        )


class _Analyze:
    """The analyzer on a process pool that lives for the whole run."""

    def __init__(self, index: SearchIndex, workers: int):
        self.analyzer = index.analyzer
        self.pool = None
        self.workers = workers
        if workers > 1 and self.analyzer.parallel:
            segment = self.analyzer.segment
            self.pool = ProcessPoolExecutor(
                max_workers=workers, initializer=warm, initargs=(segment, os.getpid())
            )

    def __call__(self, pairs: list[tuple[str, str]]) -> list:
        if self.pool is None or len(pairs) < 64:
            return self.analyzer.analyze_here(pairs)
        return analyze_on(self.pool, self.analyzer.segment, pairs, self.workers)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def ingest(
    index: SearchIndex,
    paths: Iterable[str | Path],
    *,
    workers: int | None = None,
    stream: TextIO | None = None,
    compact: bool = True,
    batch: int = BATCH,
) -> IngestReport:
    """Index files and folders; bad inputs are reported in the result and skipped."""
    report = IngestReport()
    files, missing = discover(paths)
    for failure in missing:
        report.fail(failure)
    sizes = {p: _size(p) for p in files}
    total = sum(sizes.values())
    unit, scale = ("MB", 1e6) if total >= 1e6 else ("kB", 1e3)
    progress = Progress(total, unit, stream, scale=scale, label="indexing ")
    analyze = _Analyze(index, workers or os.cpu_count() or 1)
    pending: list[Article] = []

    def flush() -> None:
        if pending:
            r = index.add(pending, analyze=analyze, refresh=False)
            report.added += r.added
            report.updated += r.updated
            report.unchanged += r.unchanged
            pending.clear()

    try:
        for path in files:
            seen = 0  # estimated bytes of this file read so far, for the bar inside big files
            for item in read_file(path):
                if isinstance(item, Failure):
                    report.fail(item)
                    continue
                pending.append(item)
                step = min(
                    len(item.title.encode()) + len(item.body.encode()) + 120,
                    max(sizes[path] - seen, 0),
                )
                seen += step
                progress.update(step)
                if len(pending) >= batch:
                    flush()
                    progress.update(0, f"{report.added + report.updated:,} new")
            flush()
            progress.update(max(sizes[path] - seen, 0), f"{report.added + report.updated:,} new")
        progress.close()
    finally:
        analyze.close()
    # A compaction reads every stored article itself: building the delta first is wasted work.
    if compact and index.needs_compaction(unloaded=report.added + report.updated):
        index.compact()
    else:
        index.refresh()
    return report


def _size(path: Path) -> int:
    """Bytes of text a file holds (a gzip file's own trailer says how many it unpacks to)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            if f.read(2) == b"\x1f\x8b" and size >= 18:
                f.seek(-4, 2)
                return max(int.from_bytes(f.read(4), "little"), size)
        return size
    except OSError:
        return 0
