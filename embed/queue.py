"""The embedding queue: what still needs vectors, derived from the archive and the vectors folder.

Nothing is stored for the queue itself: an article is pending while its vectors folder holds
no complete chunk for it, so the queue survives any crash and never embeds an article twice.
Leads come first, newest articles first (readers ask about recent news); passage windows
follow once every live article has its lead.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np

from index.embedding import Encoder, lead_text, passage_texts
from index.search import SearchIndex
from index.vectors import LEAD, WINDOWS

__all__ = ["COMPACT_AFTER", "Batch", "EmbedQueue", "Pending"]

# chunks beyond this are merged into one, so loading stays one read
COMPACT_AFTER = 16


@dataclass(frozen=True, slots=True)
class Pending:
    """How many live articles still lack their lead vector, and their windows."""

    leads: int
    windows: int
    articles: int

    @property
    def total(self) -> int:
        """Work items left (a lead or an article's windows each count one)."""
        return self.leads + self.windows


@dataclass(frozen=True, slots=True)
class Batch:
    """What one step embedded: articles, passages and their tokens' worth of text."""

    articles: int
    passages: int
    characters: int


class EmbedQueue:
    """Embeds pending articles in batches, one writer at a time per vectors folder."""

    def __init__(self, index: SearchIndex, encoder: Encoder, windows: bool = True):
        self.index = index
        self.encoder = encoder
        self.windows = windows
        self.files = index.semantic.files  # a vectors folder, or the shared database's table

    def _todo(self) -> tuple[np.ndarray, np.ndarray]:
        """(docnos lacking a lead, docnos lacking windows), newest first."""
        with self.index._lock:
            alive = self.index.segments.live().alive.copy()
        live = np.flatnonzero(alive)[::-1]
        tiers = self.files.tiers()
        have = np.array([tiers.get(int(d), -1) for d in live], np.int64)
        leads = live[have < LEAD]
        windows = live[have < WINDOWS] if self.windows else live[:0]
        return leads, windows

    def pending(self) -> Pending:
        """What is left to embed."""
        leads, windows = self._todo()
        return Pending(len(leads), len(windows), int(self.index.segments.live().alive.sum()))

    def step(self, articles: int = 16) -> Batch | None:
        """Embed the next up to `articles` pending ones as one chunk; None when all are done."""
        with self.lock():
            leads, windows = self._todo()
            tier = LEAD if len(leads) else WINDOWS
            docnos = (leads if len(leads) else windows)[:articles]
            if not len(docnos):
                return None
            texts = self.index.store.texts(int(d) for d in docnos)
            rows, passages, done = [], [], []
            for d in docnos.tolist():
                title, body = texts.get(d, ("", ""))
                if tier == LEAD:
                    parts = [(0, lead_text(title, body)[0])]
                else:
                    parts = list(enumerate(passage_texts(title, body)))[1:]
                for part, text in parts:
                    if text.strip():
                        rows.append((d, part))
                        passages.append(text)
                done.append((d, tier))
            vectors = self.encoder.passages(passages)
            self.files.append(rows, vectors, done)
            self.files.tidy(self._alive(), COMPACT_AFTER)
        self.index.semantic.refresh()
        return Batch(len(docnos), len(passages), sum(map(len, passages)))

    def run(
        self,
        articles: int = 16,
        stop: Callable[[], bool] = lambda: False,
        progress: Callable[[Batch], None] | None = None,
    ) -> int:
        """Embed until nothing is pending or stop() says so; the articles embedded."""
        done = 0
        while not stop():
            batch = self.step(articles)
            if batch is None:
                break
            done += batch.articles
            if progress is not None:
                progress(batch)
        return done

    def _alive(self) -> np.ndarray:
        with self.index._lock:
            return self.index.segments.live().alive.copy()

    def lock(self) -> AbstractContextManager[bool]:
        """One embedder per vectors folder or shared database (the bot's worker or `newsbot embed`)."""
        return self.files.lock()
