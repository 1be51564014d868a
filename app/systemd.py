"""systemd's notify protocol: READY=1 once the bot receives updates, WATCHDOG=1 while it lives.

Under a unit with Type=notify and WatchdogSec= (deploy/newsbot.service), systemd counts the
bot started only once it serves (the index synced, the Bot API reached: what /readyz needs
of the process itself), and restarts it when its event loop stops turning (what /healthz
tells a load balancer). Without NOTIFY_SOCKET (a shell, cron, a container) nothing is sent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

__all__ = ["keep_alive", "notify"]

log = logging.getLogger(__name__)
_failed: set[str] = set()


def notify(message: str) -> bool:
    """Send one notification ("READY=1", "STATUS=…") to systemd; False when not under it."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return False
    if path.startswith("@"):  # an abstract socket
        path = "\0" + path[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)  # a reader that lags must never stop the event loop
            sock.connect(path)
            sock.sendall(message.encode())
    except OSError as error:  # systemd gone or behind: the bot serves anyway
        if not _failed:
            log.warning("cannot notify systemd at %s: %s", path, error)
        _failed.add(path)  # one line, not one a ping
        return False
    return True


def _watchdog_seconds() -> float | None:
    usec, pid = os.environ.get("WATCHDOG_USEC"), os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1e6


async def keep_alive(stop: asyncio.Event) -> None:
    """WATCHDOG=1 at half systemd's interval, from the event loop, until stopped."""
    interval = _watchdog_seconds()
    if interval is None:
        return
    while not stop.is_set():
        notify("WATCHDOG=1")
        try:
            await asyncio.wait_for(stop.wait(), interval / 2)
        except TimeoutError:
            pass
