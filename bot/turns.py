"""One search at a time per user: a flood from one user holds one worker thread, not all."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

__all__ = ["Turns"]

T = TypeVar("T")


class Turns:
    """Each user's searches run one after another, each in a worker thread of its own turn.

    The callbacks run concurrently (concurrent_updates); without turns, 24 presses of one
    user fill the thread pool and another user's question waits behind all of them.
    """

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def run(self, user_id: int | None, work: Callable[..., T], *args: object) -> T:
        """work(*args) in a worker thread, after the user's earlier work is done."""
        if user_id is None:
            return await asyncio.to_thread(work, *args)
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        self._waiting[user_id] = self._waiting.get(user_id, 0) + 1
        try:
            async with lock:
                return await asyncio.to_thread(work, *args)
        finally:
            self._waiting[user_id] -= 1
            if not self._waiting[user_id]:  # nobody else in line: forget the user
                del self._waiting[user_id], self._locks[user_id]
