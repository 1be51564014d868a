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
        self.answers: dict[str, str] = {}  # each backend's "ok" or why not, of the newest probes
        self._down: set[str] = set()
        self._began = -1e9  # when the probes of `answers` began (monotonic)
        self._seconds = 0.0  # how long they took
        self._running: tuple[float, asyncio.Task] | None = None  # probes: when they began

    async def backends_down(self, since: float | None = None) -> bool:
        """Whether a backend failed a probe begun at `since` (monotonic) or later.

        Default: a probe of the last second. Probes older than `since` say nothing of an
        outage that began after them: new ones are made (or those running since awaited).
        """
        await self._probed(time.monotonic() - 1.0 if since is None else since)
        return any(self.answers.get(p.name) != "ok" for p in self.checks)

    async def report(self, index_open: bool, since: float | None = None) -> dict:
        """ready, then each backend's "ok" or why not, index_open, synced, seconds taken.

        From probes begun at `since` or later (default: now); /readyz shares those of the
        last second, so that a busy health checker does not multiply the probes (nor pile
        them up in a server that has stopped answering).
        """
        await self._probed(time.monotonic() if since is None else since)
        out: dict = {"ready": False, **self.answers}
        out["index_open"], out["synced"] = index_open, self.synced
        ok = all(self.answers.get(p.name) == "ok" for p in self.checks)
        out["ready"] = index_open and self.synced and ok
        out["seconds"] = self._seconds
        metrics.READY.set(1 if out["ready"] else 0)
        self.last = out
        return out

    async def _probed(self, since: float) -> None:
        """Probes begun at `since` or later have answered (or failed)."""
        if self._began >= since:
            return
        running = self._running
        if running is None or running[0] < since or running[1].done():
            began = time.monotonic()
            running = self._running = (began, asyncio.ensure_future(self._probe_all(began)))
        await asyncio.shield(running[1])

    async def _probe_all(self, began: float) -> None:
        answers = await asyncio.gather(*(self._probe(p) for p in self.checks))
        if began >= self._began:  # probes that began earlier and ended later say less
            self._began, self._seconds = began, round(time.monotonic() - began, 3)
            self.answers = dict(zip((p.name for p in self.checks), answers, strict=True))

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
            metrics.RECONNECTS.labels(probe.name).inc()
            log.info("readiness: %s answers again", probe.name)
        return "ok"

    def _failed(self, name: str, why: str) -> str:
        metrics.BACKEND_ERRORS.labels(name).inc()
        if name not in self._down:  # one line when it goes, one when it comes back
            self._down.add(name)
            log.warning("readiness: %s does not answer: %s", name, why)
        return why
