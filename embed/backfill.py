"""`newsbot embed`: embed a whole archive's pending articles, with a progress bar.

Safe to stop at any moment (Ctrl-C, kill -9): every finished batch is a complete chunk on
disk, and a rerun picks up with the articles that have none. While it runs, the bot's own
worker waits for the vectors folder's lock and the bot answers as before.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from index.embedding import Encoder
from index.progress import Progress
from index.search import SearchIndex

from .queue import EmbedQueue

__all__ = ["backfill"]


def backfill(
    index: SearchIndex,
    encoder: Encoder,
    articles: int = 32,
    windows: bool = True,
    limit: int = 0,
    out: TextIO | None = None,
) -> int:
    """Embed pending articles (leads first, then windows) until done or limit; how many."""
    out = out or sys.stdout
    queue = EmbedQueue(index, encoder, windows=windows)
    pending = queue.pending()
    print(
        f"{pending.articles:,} live articles: {pending.leads:,} without a lead vector, "
        f"{pending.windows if windows else 0:,} without their passage windows",
        file=out,
        flush=True,
    )
    todo = pending.total if not limit else min(limit, pending.total)
    if not todo:
        print("nothing to embed", file=out)
        return 0
    progress = Progress(todo, "articles", label="embedding ")
    started, done, passages = time.monotonic(), 0, 0
    try:
        while not limit or done < limit:
            batch = queue.step(min(articles, limit - done) if limit else articles)
            if batch is None:
                break
            done += batch.articles
            passages += batch.passages
            progress.update(batch.articles)
    finally:
        progress.close()
        secs = max(time.monotonic() - started, 1e-9)
        left = queue.pending()
        print(
            f"embedded {done:,} articles ({passages:,} passages, {passages / secs:.1f} a second);"
            f" {left.leads:,} leads and {left.windows if windows else 0:,} articles' windows left",
            file=out,
            flush=True,
        )
    return done
