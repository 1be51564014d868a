"""`newsbot feeds ...`: add, import, export, list, remove, poll; the feed lines of stats."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import httpx

from feeds import (
    MAX_OPML_BYTES,
    POLL_SECONDS,
    Feed,
    FeedError,
    FeedRegistry,
    OpmlError,
    add_checked,
    export_opml,
    http_client,
    poll_due,
    read_opml,
)
from index import Article, SearchIndex

from .counted import counted


def when(stamp: float | None) -> str:
    """A time as the feed commands print it ("never" for none)."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "never"


def failure_line(feed: Feed) -> str:
    """A failing feed's failures, next try and last error, on one line."""
    return (
        f"{feed.failures} failure{'s' if feed.failures != 1 else ''},"
        f" next try {when(feed.next_check)}: {feed.last_error or '?'}"
    )


def cmd_feeds_stats(data_dir: Path, out: TextIO = sys.stdout, url: str | None = None) -> int:
    """Print how many feeds there are, and the failing ones (the end of `newsbot stats`)."""
    with FeedRegistry.open(data_dir, url=url) as registry:
        feeds, failing = registry.list(), registry.failing()
    print(f"feeds:      {len(feeds):,} ({len(failing):,} failing)", file=out)
    for feed in failing:
        print(f"  #{feed.id} {feed.url}", file=out)
        print(f"      last ok {when(feed.last_ok)} · {failure_line(feed)}", file=out)
    return 0


def cmd_feeds_add(
    registry: FeedRegistry,
    url: str,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    client: httpx.Client | None = None,
    check: bool = True,
    allow_private: bool = False,
) -> int:
    """Register a feed once it answers (a page's feed link is found and taken instead)."""
    try:
        if not check:
            feed = registry.add(url)
            print(f"added feed #{feed.id} {feed.url}", file=out)
            return 0
        own = client is None
        client = client or http_client()
        try:
            feed, found = add_checked(registry, client, url, allow_private)
        finally:
            if own:
                client.close()
    except FeedError as e:
        print(f"cannot add {url}: {e}", file=err)
        return 1
    via = f" (linked from {url})" if found.discovered else ""
    print(
        f"added feed #{feed.id} {feed.url}{via}: {found.title or 'no title'},"
        f" {counted(found.entries, 'entry')} now",
        file=out,
    )
    return 0


def cmd_feeds_import(
    registry: FeedRegistry,
    path: str,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    allow_private: bool = False,
) -> int:
    """Register every feed of an OPML file (not fetched: the rest is checked when polled)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_OPML_BYTES + 1)
        entries = read_opml(data)
    except (OSError, OpmlError) as e:
        print(f"cannot import {path}: {e}", file=err)
        return 1
    added, known, refused = registry.adopt(entries, allow_private)
    for url, why in refused:
        print(f"skipped {url}: {why}", file=err)
    failed = len(refused)
    print(
        f"{counted(len(entries), 'feed')} in {path}: {added:,} added, {known:,} known,"
        f" {failed:,} failed",
        file=out,
    )
    return 1 if failed and not added and not known else 0


def cmd_feeds_export(registry: FeedRegistry, out: TextIO = sys.stdout) -> int:
    """Print every feed as OPML."""
    out.write(export_opml(registry.list()))
    return 0


def cmd_feeds_list(registry: FeedRegistry, out: TextIO = sys.stdout) -> int:
    """Print every feed: number, URL, title, last success, failures, last error."""
    feeds = registry.list()
    if not feeds:
        print("no feeds: add one with `newsbot feeds add URL`", file=out)
    for feed in feeds:
        print(f"#{feed.id} {feed.url}", file=out)
        state = f"{feed.title or '(no title yet)'} · last ok {when(feed.last_ok)}"
        if feed.failures:
            state += f" · {failure_line(feed)}"
        print(f"    {state}", file=out)
    return 0


def cmd_feeds_remove(
    registry: FeedRegistry, which: str, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Unregister a feed by number or URL."""
    try:
        feed = registry.remove(which)
    except FeedError as e:
        print(f"cannot remove: {e}", file=err)
        return 1
    print(f"removed feed #{feed.id} {feed.url}", file=out)
    return 0


def cmd_feeds_poll(
    index: SearchIndex,
    registry: FeedRegistry,
    client: httpx.Client | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    now: float | None = None,
    allow_private: bool = False,
    force: bool = False,
) -> int:
    """Poll the feeds that are due (every feed with force) once and index their new articles.

    Exit 1 if any failed (each is printed once, on stderr).
    """
    now = time.time() if now is None else now
    counts = [0, 0, 0]

    def sink(articles: list[Article]) -> None:
        report = index.add(articles)
        counts[0] += report.added
        counts[1] += report.updated
        counts[2] += report.unchanged

    own = client is None
    client = client or http_client()
    # each failure is printed below, once: not also as poll_all's log line
    chatty = logging.getLogger("feeds.poll")
    level = chatty.level
    chatty.setLevel(max(level, logging.WARNING))
    try:
        # the bot's lock: beside a running bot (or replicas), one of them polls a round
        done = poll_due(registry, client, now, sink=sink, allow_private=allow_private, force=force)
    finally:
        chatty.setLevel(level)
        if own:
            client.close()
    if not done.held:
        print(
            "another process (a running bot, or another `newsbot feeds poll`) is polling"
            " the feeds now: nothing to do",
            file=out,
        )
        return 0
    due, failed = done.due, done.failed
    for feed in failed:
        print(f"feed #{feed.id} {feed.url}: {failure_line(feed)}", file=err)
    print(
        f"{counted(len(due), 'feed')} polled, {len(failed):,} failed;"
        f" {counted(len(done.articles), 'new entry')}: {counts[0]:,} added, {counts[1]:,} updated,"
        f" {counts[2]:,} unchanged",
        file=out,
    )
    if done.waiting:
        print(
            f"{counted(done.waiting, 'feed')} {'is' if done.waiting == 1 else 'are'} not due yet"
            f" (polled every {registry.interval:g} s,"
            " NEWSBOT_FEED_SECONDS); --force polls them now",
            file=out,
        )
    return 1 if failed else 0  # cron (and its mail) hears of any failing feed


def cmd_feeds(
    data_dir: Path,
    command: str,
    target: str | None = None,
    out: TextIO = sys.stdout,
    proxy: str | None = None,
    allow_private: bool = False,
    *,
    interval: float = POLL_SECONDS,
    force: bool = False,
    url: str | None = None,
    open_index: Callable[[Path], SearchIndex] = SearchIndex.open,
) -> int:
    """`newsbot feeds add URL | list | remove URL|NUMBER | poll | import FILE | export`.

    url: the registry is in that PostgreSQL database (NEWSBOT_DATABASE_URL), not newsbot.db.
    """
    if command == "poll":
        index = open_index(data_dir)  # with OpenSearch set, the new articles go there too
        try:
            with (
                FeedRegistry.open(data_dir, interval=interval, url=url) as registry,
                http_client(proxy=proxy) as client,
            ):
                return cmd_feeds_poll(
                    index,
                    registry,
                    client=client,
                    out=out,
                    allow_private=allow_private,
                    force=force,
                )
        finally:
            index.close()
    with FeedRegistry.open(data_dir, interval=interval, url=url) as registry:
        if command == "add":
            with http_client(proxy=proxy) as client:
                return cmd_feeds_add(
                    registry, target or "", out=out, client=client, allow_private=allow_private
                )
        if command == "remove":
            return cmd_feeds_remove(registry, target or "", out=out)
        if command == "list":
            return cmd_feeds_list(registry, out=out)
        if command == "import":
            return cmd_feeds_import(registry, target or "", out=out, allow_private=allow_private)
        if command == "export":
            return cmd_feeds_export(registry, out=out)
    return 2
