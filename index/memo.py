"""A bounded memo for the per-term lookups of indexing (folded terms, the segmenter's codes)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

__all__ = ["memo_map"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def memo_map(
    cache: dict[K, V], limit: int, keys: Sequence[K], compute: Callable[[K], V]
) -> list[V]:
    """Each key's value, computed once and kept in cache (emptied when it holds over limit)."""
    # indexing looks up every term of every article: a dict lookup costs less than computing
    try:
        return list(map(cache.__getitem__, keys))
    except KeyError:
        if len(cache) > limit:
            cache.clear()
        out = []  # built here, not read back: another thread may clear the cache meanwhile
        for key in keys:
            value = cache.get(key)
            if value is None:
                value = cache[key] = compute(key)
            out.append(value)
        return out
