"""`newsbot stats` counts of a SearchIndex: articles, postings, files and vector coverage."""

from __future__ import annotations

from typing import Any, Protocol

from .fields import BODY
from .models import IndexStats

__all__ = ["index_stats"]


class Counted(Protocol):
    """What the counts read of a SearchIndex (search.py imports this module, not back)."""

    data_dir: Any
    store: Any
    segments: Any
    semantic: Any
    first_stage: Any
    fields: Any
    _lock: Any

    def delta_size(self) -> int: ...


def index_stats(index: Counted) -> IndexStats:
    """Counts for `newsbot stats`."""
    counts = index.store.counts()
    # (a folder that does not exist yet globs to nothing)
    index_bytes = sum(
        f.stat().st_size
        for folder in ("index", "vectors")
        for f in (index.data_dir / folder).rglob("*")
        if f.is_file()
    )
    db_bytes = sum(p.stat().st_size for p in index.data_dir.glob("newsbot.db*"))
    with index._lock:
        terms = index.fields[BODY.name].vocab_size()
        alive = index.segments.live().alive.copy()
    stage = index.semantic
    stage.refresh()
    covered = stage.coverage(alive)
    return IndexStats(
        articles=counts["articles"],
        sources=tuple(map(tuple, counts["sources"])),
        first=counts["first"],
        last=counts["last"],
        terms=terms,
        segment_docs=index.segments.state.segment_docs,
        delta_docs=index.delta_size(),
        index_bytes=index_bytes,
        database_bytes=db_bytes,
        search=index.first_stage.describe() if index.first_stage is not None else "embedded",
        undated=counts["undated"],
        vectors=covered.leads,
        windows=covered.windows,
        semantic=getattr(stage.encoder, "name", "on") if stage.on else "off",
    )
