"""What /readyz checks: each backend answers within a deadline, the index is open and synced.

A probe opens its own connection with its own short timeout, never the pool's: a pool whose
connections all hang on a dead server must not hold the answer up (a load balancer that
gets no answer takes the replica for dead, which is the one thing it is not).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import metrics

__all__ = ["TIMEOUT", "Probe", "Readiness"]

log = logging.getLogger(__name__)

TIMEOUT = 2.0  # seconds a backend has to answer a probe
# threads of their own: while the backends are down, the default executor's threads all
# wait on the pool, and a probe queued behind them would answer only when they give up
_PROBES = ThreadPoolExecutor(8, thread_name_prefix="probe")


@dataclass(frozen=True, slots=True)
class Probe:
    """A backend and a blocking check of it that raises when it does not answer."""

    name: str
    check: Callable[[], object]


class Readiness:
    """The answer of /readyz: every probe within its deadline, the index open and synced."""

    def __init__(self, checks: Sequence[Probe], timeout: float = TIMEOUT):
        self.checks = list(checks)
        self.timeout = timeout
        self.synced = False  # set once the index is open and caught up with the store
        self.last: dict | None = None  # the latest report, for /healthz
        self._down: set[str] = set()
        self._began = -1e9  # when the probes of `last` began (monotonic)
        self._running: tuple[float, asyncio.Task] | None = None  # a probe: when it began

    async def backends_down(self, since: float | None = None) -> bool:
        """Whether a backend failed a probe begun at `since` (monotonic) or later.

        Default: a probe of the last second. A report older than `since` says nothing of
        an outage that began after it: a probe is made (or one running since then awaited).
        """
        since = time.monotonic() - 1.0 if since is None else since
        if self._began < since:
            running = self._running
            if running is None or running[0] < since or running[1].done():
                began = time.monotonic()
                running = self._running = (began, asyncio.ensure_future(self._report(began)))
            await asyncio.shield(running[1])
        report = self.last or {}
        return any(report.get(p.name) != "ok" for p in self.checks)

    async def report(self, index_open: bool) -> dict:
        """ready, then each backend's "ok" or why not, index_open, synced, seconds taken."""
        return await self._report(time.monotonic(), index_open)

    async def _report(self, began: float, index_open: bool = True) -> dict:
        answers = await asyncio.gather(*(self._probe(p) for p in self.checks))
        out: dict = {"ready": False}
        out.update(zip((p.name for p in self.checks), answers, strict=True))
        out["index_open"], out["synced"] = index_open, self.synced
        out["ready"] = index_open and self.synced and all(a == "ok" for a in answers)
        out["seconds"] = round(time.monotonic() - began, 3)
        if began >= self._began:  # probes that began earlier and ended later say less
            self._began, self.last = began, out
            metrics.READY.set(1 if out["ready"] else 0)
        return out

    async def _probe(self, probe: Probe) -> str:
        try:
            # the thread ends by itself: every probe has its own timeout of the same length
            running = asyncio.get_running_loop().run_in_executor(_PROBES, probe.check)
            await asyncio.wait_for(running, self.timeout + 0.5)
        except TimeoutError:
            return self._failed(probe.name, f"no answer within {self.timeout:g} s")
        except Exception as error:  # any failure of the backend is a "not ready"
            return self._failed(probe.name, f"{type(error).__name__}: {error}"[:300])
        if probe.name in self._down:
            self._down.discard(probe.name)
            log.info("readiness: %s answers again", probe.name)
        return "ok"

    def _failed(self, name: str, why: str) -> str:
        metrics.BACKEND_ERRORS.labels(name).inc()
        if name not in self._down:  # one line when it goes, one when it comes back
            self._down.add(name)
            log.warning("readiness: %s does not answer: %s", name, why)
        return why
