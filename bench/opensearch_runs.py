"""The quality benchmarks' OpenSearch runs: the same SearchIndex, its first stage served by
OpenSearch (loaded from the article store), and how its answers compare with the embedded one.
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
def opensearch_first_stage(index: SearchIndex, url: str, name: str) -> Iterator[OpenSearchStage]:
    """Within the block, index ranks with OpenSearch (index `name`, brought up to date first)."""
    stage = OpenSearchStage(url, name, timeout=300)
    stage.delete()  # the index of another run may hold another copy of the data folder
    t = time.perf_counter()
    sent = stage.sync(index.store)
    print(f"OpenSearch index {name}: {sent:,} documents sent in {time.perf_counter() - t:,.1f} s")
    index.first_stage = stage
    try:
        yield stage
    finally:
        index.first_stage = None
        stage.close()


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
