"""Safe fetching for feeds and pages: a hard deadline per fetch, and no private addresses.

A fetch is bounded in time whatever the server does (a byte every few seconds never trips
a read timeout): its sockets are cut when the deadline passes. Every hop, redirects
included, must go to a public address unless private fetching is allowed
(``NEWSBOT_ALLOW_PRIVATE_FETCH``): one rule for feeds added, imported and polled, their
pages and every redirect. The host is resolved once and the connection goes to the address
that was checked (``pinned``), so a name that answers a public address to the check and
127.0.0.1 to the connect (DNS rebinding) reaches nothing private. IPv6 forms that carry an
IPv4 address (mapped, IPv4-compatible, NAT64, 6to4, Teredo) are judged by that address.

Failures::

    Exception
     └── FetchRefused      a target this policy will not fetch, or a deadline passed
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "Deadline",
    "FetchRefused",
    "Pinned",
    "check_target",
    "is_public",
    "names_private",
    "normalize_url",
    "pinned",
    "refuse_private",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchRefused(Exception):
    """A fetch this module refuses or cut short; the message says why."""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: an IPv4 in the low bits
_COMPATIBLE = ipaddress.ip_network("::/96")  # IPv4-compatible (deprecated): ::127.0.0.1


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not ip.is_multicast


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, where the network would route it there."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or ip in _COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _addresses(host: str) -> list[str]:
    """Every address host resolves to (a literal in any spelling resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as e:
        raise FetchRefused(f"cannot resolve {host}: {getattr(e, 'strerror', None) or e}") from None
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in infos))


def _refused(host: str, address: str) -> FetchRefused:
    return FetchRefused(
        f"{host} is a private or local address ({address});"
        " NEWSBOT_ALLOW_PRIVATE_FETCH=true allows it"
    )


def check_target(url: str, allow_private: bool = False) -> str | None:
    """The public address to connect to for url; FetchRefused if any of its host's is private.

    None when private fetching is allowed: the connection then resolves the name itself.
    """
    host = _host(url)
    if allow_private:
        return None
    addresses = _addresses(host)
    for address in addresses:
        if not is_public(address):
            raise _refused(host, address)
    return addresses[0]


def refuse_private(url: str, allow_private: bool = False) -> None:
    """FetchRefused if url names a private address; a name that does not resolve passes.

    For registering feeds (``feeds import``): an unknown name is checked again when polled.
    """
    host = _host(url)
    if allow_private:
        return
    try:
        addresses = _addresses(host)
    except FetchRefused:
        return
    for address in addresses:
        if not is_public(address):
            raise _refused(host, address)


def names_private(url: str) -> bool:
    """Whether url's host is local or a private address in any spelling, without a lookup.

    For links others fetch (a picture Telegram downloads): no DNS on the sending path.
    """
    try:
        host = _host(url)
    except FetchRefused:
        return True
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (OSError, UnicodeError):
        return False  # a name: not an address
    return any(not is_public(str(sockaddr[0])) for *_, sockaddr in infos)


def _host(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError as e:
        raise FetchRefused(f"not a valid URL: {e}") from None
    if not host:
        raise FetchRefused("the URL has no host")
    return host


@dataclass(frozen=True, slots=True)
class Pinned:
    """A request for url sent to the address that was checked, not to a second lookup."""

    url: str  # the host replaced by the address
    headers: dict[str, str]  # Host: the name, as the server expects it
    extensions: dict[str, str]  # sni_hostname: TLS is checked against the name


def pinned(url: str, address: str | None) -> Pinned:
    """url sent to address (None: by name), with the Host header and TLS name of url's host."""
    parts = urlsplit(url)
    if address is None:
        return Pinned(url, {}, {})
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    userinfo, _, name = parts.netloc.rpartition("@")  # name: host[:port] as the URL spells it
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    target = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    tls = {"sni_hostname": host} if parts.scheme == "https" else {}
    return Pinned(target, {"Host": name}, tls)


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
