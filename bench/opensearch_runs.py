"""The quality benchmarks' OpenSearch runs: a replica of the SearchIndex that holds no index,
served by OpenSearch (loaded from the article store), and how its answers compare with the
embedded one.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.search import SearchIndex
from index.sql_store import Store
from search_backends.opensearch import OpenSearchStage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from opensearch_node import OpenSearchNode  # noqa: E402

HEAP = "1g"  # the machine is shared: a benchmark node stays small


@contextmanager
def opensearch_url(arg: str) -> Iterator[str]:
    """A node's URL: the one given, or (for "start") one started here and stopped after."""
    if arg != "start":
        yield arg
        return
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-os-") as home:
        node = OpenSearchNode(Path(home), heap=HEAP, cluster="newsbot-bench")
        node.start()
        print(f"OpenSearch 2.19 node started in {node.started_in:.1f} s (heap {HEAP})")
        try:
            yield node.url
        finally:
            node.stop()


@contextmanager
def opensearch_replica(index: SearchIndex, url: str, name: str) -> Iterator[SearchIndex]:
    """Within the block, a replica of index as one serves: an empty folder, the same store,
    OpenSearch (index `name`, loaded from the store first) ranking and counting for the
    planner (index/hollow.py), so the bench measures what a replica answers."""
    stage = OpenSearchStage(url, name, timeout=300)
    stage.delete()  # the index of another run may hold another copy of the data folder
    t = time.perf_counter()
    sent = stage.sync(index.store)
    print(f"OpenSearch index {name}: {sent:,} documents sent in {time.perf_counter() - t:,.1f} s")
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-replica-") as folder:
        replica = SearchIndex.open(folder, store=Store(index.store.path), first_stage=stage)
        try:
            yield replica
        finally:
            replica.close()


def print_agreement(ours: dict[str, list[list[str]]], theirs: dict[str, list[list[str]]]) -> None:
    """Per form, how often OpenSearch's top ids are the embedded engine's."""
    print("\nOpenSearch against the embedded engine (default ranking), per form:")
    for form, ranked in ours.items():
        pairs = list(zip(ranked, theirs[form], strict=True))
        first = sum(a[:1] == b[:1] for a, b in pairs)
        same10 = sum(a == b for a, b in pairs)
        overlap = statistics.mean(len(set(a) & set(b)) / max(len(a), 1) for a, b in pairs)
        print(
            f"  {form:<20} same first hit {first}/{len(pairs)}, same top 10 in order "
            f"{same10}/{len(pairs)}, top-10 overlap {overlap:.3f}"
        )
