"""The bot's embedding worker: one low-priority thread that works through the queue.

Readers never wait for it: articles are searchable lexically as soon as they are indexed,
and the semantic stage uses their vectors once this thread has written them. It embeds a
few articles at a time at the lowest CPU priority, and rests between batches so that it
takes at most `share` of one core even when the archive is far behind.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from index.embedding import Encoder
from index.search import SearchIndex
from storage.unreachable import unreachable

from .queue import EmbedQueue

__all__ = ["EmbedWorker", "start_worker"]

log = logging.getLogger(__name__)


class EmbedWorker:
    """A daemon thread embedding pending articles; start() once, stop() at shutdown."""

    def __init__(
        self,
        index: SearchIndex,
        encoder: Encoder,
        articles: int = 4,
        share: float = 0.5,
        idle: float = 30.0,
    ):
        self.queue = EmbedQueue(index, encoder)
        self.articles = articles
        self.share = share
        self.idle = idle
        self.embedded = 0
        self._waiting = False  # an outage was logged: the next batches say nothing of it
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (it finds its work itself)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="embed", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the thread to stop after its batch, and wait for it a little: a batch cut
        short by the process's exit is not stored, and is embedded again next time."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    close = stop  # an ExitStack closes it with the backends

    def _loop(self) -> None:
        try:  # Linux: a thread's own nice value; the event loop keeps its priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (AttributeError, OSError):
            pass
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                batch = self.queue.step(self.articles)
            except Exception as error:  # noqa: BLE001 - the worker must outlive one bad batch
                if not unreachable(error):
                    log.exception("embedding a batch failed; trying again later")
                elif not self._waiting:  # an outage: one line, no traceback, till it is over
                    log.warning("embedding waits for the backends: %s", str(error)[:300])
                self._waiting = unreachable(error)
                self._stop.wait(self.idle)
                continue
            self._waiting = False
            if batch is None:
                self._stop.wait(self.idle)  # nothing pending: look again later
                continue
            self.embedded += batch.articles
            busy = time.monotonic() - started
            self._stop.wait(busy * (1 - self.share) / self.share)


def start_worker(index: SearchIndex) -> EmbedWorker:
    """The bot's worker, started, with a model of its own (a reader's question never waits
    for a batch); the index's encoder if a second one cannot load."""
    from .encoder import load_encoder

    encoder = load_encoder(True) or index.semantic.encoder
    worker = EmbedWorker(index, encoder)
    worker.start()
    return worker
