"""A circuit breaker for one server (a PostgreSQL pool, OpenSearch's searches): once the
server is gone, calls fail at once.

Without it, every call while PostgreSQL is down waits the pool's whole timeout, and a call
made on the event loop stops the bot for that long. The first call that finds the server
gone opens the breaker; while open, calls raise Unreachable without waiting, and a thread
of the breaker's own pings the server every second; the first answer closes it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg
from psycopg_pool import PoolClosed, PoolTimeout

__all__ = ["Breaker", "Unreachable", "breaker_for", "lost_connection"]

log = logging.getLogger(__name__)

PING_SECONDS = 1.0
_BREAKERS: dict[str, Breaker] = {}
_made = threading.Lock()


class Unreachable(psycopg.OperationalError):
    """The database did not answer lately: the call was not tried (the breaker is open)."""

    transient = True  # the same call succeeds once the server is back


def lost_connection(error: BaseException) -> bool:
    """Whether an error says the server cannot be reached (not a failed statement)."""
    if isinstance(error, PoolTimeout | PoolClosed | Unreachable):
        return True
    if isinstance(error, psycopg.OperationalError):
        state = error.sqlstate
        # no SQLSTATE: the connection broke; 08: connection exception; 57P: shut down
        return state is None or state.startswith(("08", "57P"))
    return False


class Breaker:
    """Open after a lost connection, closed by the first ping that answers."""

    def __init__(
        self,
        name: str,
        ping: Callable[[], object],
        lost: Callable[[BaseException], bool] = lost_connection,
        doubtful: tuple[type[BaseException], ...] = (PoolTimeout,),
        error: type[Exception] = Unreachable,
    ):
        self.name = name
        self._ping = ping
        self._lost = lost  # whether an error says the server cannot be reached
        self._doubtful = doubtful  # such errors may only mean busy: a ping decides
        self._error = error  # what check() raises while open
        self._lock = threading.Lock()
        self.opened: float | None = None  # time.time() it opened, None while closed
        self._pinging = False  # a thread pings: to confirm the outage, or to see it end

    def check(self) -> None:
        """Raise its error (Unreachable for PostgreSQL) while open."""
        opened = self.opened
        if opened is not None:
            raise self._error(f"{self.name} unreachable for {time.time() - opened:.0f} s")

    def trip(self, error: BaseException) -> None:
        """Open on a lost connection (other errors pass); a ping thread then waits it out.

        A pool timeout may only mean a busy pool: a ping decides before the breaker opens.
        """
        if not self._lost(error):
            return
        with self._lock:
            if self.opened is not None or self._pinging:
                return
            self._pinging = True
            if not isinstance(error, self._doubtful):
                self._open(error)
        threading.Thread(target=self._wait_out, args=(error,), name="breaker", daemon=True).start()

    def _open(self, error: BaseException) -> None:
        self.opened = time.time()
        log.warning("%s does not answer (%s): failing fast until it does", self.name, error)

    def _wait_out(self, error: BaseException) -> None:
        first = True
        while True:
            if not first:
                time.sleep(PING_SECONDS)
            try:
                self._ping()
            except Exception:  # still down: ping again
                with self._lock:
                    if self.opened is None:
                        self._open(error)
                first = False
                continue
            with self._lock:
                self._pinging = False
                if self.opened is None:  # a busy pool, not a dead server
                    return
                took, self.opened = time.time() - self.opened, None
            log.info("%s answers again after %.0f s", self.name, took)
            return


def breaker_for(url: str, name: str, ping: Callable[[], object]) -> Breaker:
    """The one breaker of a database URL in this process, shared by every pool of it."""
    with _made:
        found = _BREAKERS.get(url)
        if found is None:
            found = _BREAKERS[url] = Breaker(name, ping)
        return found
