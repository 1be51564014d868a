"""Safe fetching for feeds and pages: a hard deadline per fetch, and no private addresses.

A fetch is bounded in time whatever the server does (a byte every few seconds never trips
a read timeout): its sockets are cut when the deadline passes. Every hop, redirects
included, must go to a public address unless it stays on the host the operator named
(the feed's own) or private fetching is allowed (``NEWSBOT_ALLOW_PRIVATE_FETCH``).

Failures::

    Exception
     └── FetchRefused      a target this policy will not fetch, or a deadline passed
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["Deadline", "FetchRefused", "check_target", "is_public", "normalize_url"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchRefused(Exception):
    """A fetch this module refuses or cut short; the message says why."""


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_target(url: str, trusted_host: str | None = None, allow_private: bool = False) -> None:
    """Raise FetchRefused unless url's host resolves only to public addresses (or is trusted)."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        raise FetchRefused("the URL has no host")
    if allow_private or (trusted_host and host == trusted_host.lower()):
        return
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as e:
        raise FetchRefused(f"cannot resolve {host}: {getattr(e, 'strerror', None) or e}") from None
    for *_, sockaddr in infos:
        if not is_public(str(sockaddr[0])):
            raise FetchRefused(
                f"{host} is a private or local address ({sockaddr[0]});"
                " NEWSBOT_ALLOW_PRIVATE_FETCH=true allows it"
            )


def normalize_url(url: str) -> str:
    """One spelling per URL: scheme and host in lower case, no default port, no #fragment."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username or parts.password:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


class Deadline:
    """Cuts the connections of one fetch when its time is up (pass `trace` to httpx)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: arm a timer on each new connection's socket."""
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        timer = threading.Timer(max(self.at - time.monotonic(), 0.0), self._cut, (sock,))
        timer.daemon = True
        with self._lock:
            self._timers.append(timer)
        timer.start()

    def _cut(self, sock: socket.socket) -> None:
        self.expired = True
        try:
            sock.shutdown(socket.SHUT_RDWR)  # a blocked read returns at once
        except OSError:
            pass  # already closed: the fetch ended meanwhile

    def check(self) -> None:
        """Raise FetchRefused once the deadline has passed."""
        if self.expired or time.monotonic() > self.at:
            self.expired = True
            raise FetchRefused(f"took over {self.seconds:g} s")

    def close(self) -> None:
        """Disarm the timers."""
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
