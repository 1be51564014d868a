"""One round of feed polling under one lock, whoever runs it: the bot's job or `feeds poll`.

Replicas sharing PostgreSQL take its advisory lock; processes sharing a data folder (the
bot and a cron `newsbot feeds poll`) take an flock beside the registry's file. Whoever
holds it polls the due feeds; the others skip this round, so no feed is fetched twice.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from index import Article

from .poll import poll_all
from .registry import Feed, FeedRegistry

__all__ = ["FEED_LOCK", "Round", "poll_due"]

FEED_LOCK = "newsbot feeds"  # the advisory lock of feed polling


@dataclass(frozen=True, slots=True)
class Round:
    """What one poll_due() did; held is False when another process was polling."""

    held: bool
    due: tuple[Feed, ...] = ()
    failed: tuple[Feed, ...] = ()
    articles: tuple[Article, ...] = ()
    waiting: int = 0  # feeds not due yet


def poll_due(
    registry: FeedRegistry,
    client: httpx.Client,
    now: float,
    *,
    sink: Callable[[list[Article]], object] | None = None,
    allow_private: bool = False,
    force: bool = False,
) -> Round:
    """Poll the due feeds (every feed with force) once, if no other process is polling."""
    with _round_lock(registry) as mine:
        if not mine:
            return Round(held=False)
        if force:
            registry.poll_now()
        due = registry.due(now)
        found = poll_all(registry, client, now, sink=sink, allow_private=allow_private)
        after = (registry.get(f.id) for f in due)
        failed = tuple(f for f in after if f and f.last_checked == now and f.failures)
        waiting = len(registry.list()) - len(due)
    return Round(True, tuple(due), failed, tuple(found), waiting)


@contextmanager
def _round_lock(registry: FeedRegistry) -> Iterator[bool]:
    database = registry.database
    if database.dialect != "sqlite":
        with database.advisory(FEED_LOCK) as mine:
            yield mine
        return
    path = Path(database.path)
    fd = os.open(path.with_name(path.name + ".poll.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True  # closing the file drops the lock, a killed process's too
    finally:
        os.close(fd)
