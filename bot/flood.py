"""Per-user flood limit on questions: a token bucket, with one polite warning per flood."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FloodLimit", "Verdict"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a question may go ahead; if not, whether to warn and how long to wait."""

    allowed: bool
    warn: bool = False
    wait: int = 0


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float
    warned: bool = False


class FloodLimit:
    """At most `questions` per `seconds` for each user, refilled continuously."""

    def __init__(
        self, questions: int = 8, seconds: float = 30.0, clock: Callable[[], float] = time.monotonic
    ):
        self.capacity = float(max(1, questions))
        self.rate = self.capacity / max(seconds, 1e-6)
        self.clock = clock
        self._buckets: dict[int, _Bucket] = {}

    def check(self, user_id: int) -> Verdict:
        """Take one question from the user's bucket."""
        now = self.clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) > 10_000:
                self._forget_idle(now)
            bucket = self._buckets[user_id] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return Verdict(True)
        wait = math.ceil((1.0 - bucket.tokens) / self.rate)
        # one warning per flood: answering every extra message would feed the flood
        warn, bucket.warned = not bucket.warned, True
        return Verdict(False, warn, wait)

    def _forget_idle(self, now: float) -> None:
        full = [
            u
            for u, b in self._buckets.items()
            if b.tokens + (now - b.stamp) * self.rate >= self.capacity
        ]
        for user_id in full:
            del self._buckets[user_id]
