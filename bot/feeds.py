"""The running bot's feed poller: due feeds fetched off the event loop, articles indexed."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import httpx

from feeds import FeedRegistry, http_client, poll_all
from index import Article, SearchIndex

from . import metrics

if TYPE_CHECKING:
    from storage import Database

__all__ = ["FeedPoller"]

log = logging.getLogger(__name__)

FEED_LOCK = "newsbot feeds"  # the advisory lock of feed polling


class FeedPoller:
    """Polls the registered feeds (feeds.poll) into the index; one poll at a time."""

    def __init__(
        self,
        index: SearchIndex,
        registry: FeedRegistry,
        client: httpx.Client,
        writes: threading.Lock,
        allow_private: bool = False,
    ):
        self.index = index
        self.allow_private = allow_private
        self.registry = registry
        self.client = client
        self.writes = writes  # shared with the refresh job: one index writer at a time
        self._busy = asyncio.Lock()

    @classmethod
    def open(
        cls,
        index: SearchIndex,
        interval: float,
        writes: threading.Lock,
        proxy: str | None = None,
        allow_private: bool = False,
        url: str | Database | None = None,
    ) -> FeedPoller:
        """A poller over the feed registry (the index's, or PostgreSQL's at url)."""
        registry = FeedRegistry.open(index.data_dir, interval=interval, url=url)
        return cls(index, registry, http_client(proxy=proxy), writes, allow_private)

    def close(self) -> None:
        """Release the HTTP client and the registry's connection."""
        self.client.close()
        self.registry.close()

    async def poll(self) -> int:
        """Poll every due feed once; returns the new articles (0 when a poll is running)."""
        if self._busy.locked():  # a slow poll overlaps the next tick, which just returns
            return 0
        async with self._busy:
            new, polled, failed = await asyncio.to_thread(self._poll, time.time())
        metrics.FEED_POLLS.inc(polled)
        metrics.FEED_FAILURES.inc(failed)
        if new:
            log.info("feeds brought %d new articles", len(new))
        return len(new)

    def _poll(self, now: float) -> tuple[list[Article], int, int]:
        """Poll what is due: new articles, feeds polled, feeds that failed this time."""
        # replicas sharing PostgreSQL: one polls at a time, the others skip this tick
        with self.registry.database.advisory(FEED_LOCK) as mine:
            if not mine:
                return [], 0, 0
            return self._poll_due(now)

    def _poll_due(self, now: float) -> tuple[list[Article], int, int]:
        due = self.registry.due(now)
        new = poll_all(
            self.registry, self.client, now, sink=self._add, allow_private=self.allow_private
        )
        after = (self.registry.get(f.id) for f in due)
        failed = sum(1 for f in after if f and f.last_checked == now and f.failures)
        return new, len(due), failed

    def _add(self, articles: Sequence[Article]) -> None:
        # pyvi runs inside index.add without the search lock: questions are answered meanwhile
        with self.writes:
            self.index.add(articles)
