"""A first run on an empty index: follow the major outlets' feeds and read them once."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.texts import Texts
from feeds import (
    MAX_OPML_BYTES,
    FeedRegistry,
    OpmlError,
    http_client,
    poll_all,
    read_opml,
)
from index import Progress, SearchIndex

__all__ = ["follow_feeds", "offer_feeds"]


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
    registry.adopt(entries, allow_private)  # (one already followed is simply polled)
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


def offer_feeds(
    index: SearchIndex,
    registry: FeedRegistry,
    chosen: Path | None,
    sample: Path,
    ask: Callable[[str], str] | None,
    out: TextIO,
    t: Texts,
    where: Path,
    *,
    allow_private: bool = False,
) -> bool:
    """On an empty index: follow and read the outlets' feeds, chosen (NEWSBOT_FIRST_FEEDS)
    without asking, else sample when ask (a terminal) says yes; whether articles came."""
    opml = chosen
    if opml is None and ask is not None:
        try:
            count = len(read_opml(sample.read_bytes()[: MAX_OPML_BYTES + 1]))
        except (OSError, OpmlError):
            return False
        answer = ask(t.console_offer_feeds.format(data=where, count=count, path=sample))
        opml = sample if answer.strip().lower() in ("", "c", "co", "có", "y", "yes") else None
    if opml is None:
        return False
    read = follow_feeds(index, registry, opml, out, allow_private=allow_private)
    feeds = sum(1 for f in registry.list() if f.last_ok)
    print(
        t.console_feeds_read.format(count=read, feeds=feeds) if read else t.console_feeds_none,
        file=out,
    )
    return read > 0
