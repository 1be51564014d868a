"""Worker processes that end with their parent, however the parent ends (kill -9 included)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
WATCH_SECONDS = 1.0


def die_with_parent(parent: int) -> None:
    """Make this process end when `parent` does: a parent-death signal, and a watchdog."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still ends us, a second later
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    # Elsewhere (and should the signal go astray) a thread notices the reparenting.
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="orphan-watch").start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)
