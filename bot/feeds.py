"""The running bot's feed poller: due feeds fetched off the event loop, articles indexed."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import httpx

from feeds import FeedRegistry, http_client, poll_due
from index import Article, SearchIndex

from . import metrics

if TYPE_CHECKING:
    from storage import Database

__all__ = ["FeedPoller"]

log = logging.getLogger(__name__)


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

    def _poll(self, now: float) -> tuple[tuple[Article, ...], int, int]:
        """Poll what is due: new articles, feeds polled, feeds that failed this time."""
        # replicas and `newsbot feeds poll` take one lock: one of them polls at a time
        done = poll_due(
            self.registry, self.client, now, sink=self._add, allow_private=self.allow_private
        )
        return done.articles, len(done.due), len(done.failed)

    def _add(self, articles: Sequence[Article]) -> None:
        # pyvi runs inside index.add without the search lock: questions are answered meanwhile
        with self.writes:
            self.index.add(articles)
