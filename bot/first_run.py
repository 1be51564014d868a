"""A first run on an empty index: follow the major outlets' feeds and read them once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from feeds import (
    MAX_OPML_BYTES,
    FeedError,
    FeedRegistry,
    OpmlError,
    http_client,
    poll_all,
    read_opml,
)
from index import Progress, SearchIndex

__all__ = ["follow_feeds"]


def follow_feeds(
    index: SearchIndex,
    registry: FeedRegistry,
    opml: Path,
    out: TextIO,
    *,
    allow_private: bool = False,
) -> int:
    """Register an OPML file's feeds, poll them now (a progress bar) and index what they
    bring; how many articles that was (0 offline)."""
    try:
        entries = read_opml(opml.read_bytes()[: MAX_OPML_BYTES + 1])
    except (OSError, OpmlError) as e:
        print(f"cannot read {opml}: {e}", file=out)
        return 0
    for url, title in entries:
        try:
            feed = registry.add(url)
        except FeedError:  # already followed, or not an address: polling says which
            continue
        if title:
            registry.set_title(feed.id, title)
    progress = Progress(len(entries), "feeds", out, label="reading the feeds ")
    count = 0

    def done(feed, result) -> None:
        nonlocal count
        count += len(result.articles)
        progress.update(1, note=f"{count:,} articles")

    with http_client() as client:
        poll_all(
            registry, client, time.time(), sink=index.add, allow_private=allow_private, polled=done
        )
    progress.close()
    print(file=out)
    return count
