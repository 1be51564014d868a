"""Fetch safety against real local servers: deadlines, private addresses, redirects, URLs."""

from __future__ import annotations

import datetime as dt
import email.utils
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

import feeds.fetch
import feeds.poll
from feeds import FeedError, FeedRegistry, poll_all
from feeds.fetch import FetchRefused, check_target, is_public, normalize_url

NOW = 1_715_000_000.0
PAGE = (
    "<!doctype html><html><head><title>Trang nội bộ</title></head><body><article>"
    "<h1>Trang nội bộ bí mật</h1>"
    + "<p>Tài liệu nội bộ chỉ dành cho máy chủ riêng.</p>" * 5
    + "</article></body></html>"
)


def rss(links: list[str]) -> str:
    stamp = email.utils.format_datetime(dt.datetime(2024, 5, 6, tzinfo=dt.UTC))
    items = "".join(
        f"<item><title>Tin {n}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>Tóm tắt {n}.</description><pubDate>{stamp}</pubDate></item>"
        for n, link in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Báo</title>{items}</channel></rss>"
    )


class Server:
    """A small HTTP server on one loopback address: a feed, a page, a redirect."""

    def __init__(self, host: str):
        self.requests: list[str] = []
        self.feed_links: list[str] = []
        self.redirect_to = ""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                if self.path == "/rss.xml":
                    body, ctype = rss(server.feed_links).encode(), "application/rss+xml"
                elif self.path == "/page.html":
                    body, ctype = PAGE.encode(), "text/html; charset=utf-8"
                elif self.path == "/go":
                    self.send_response(302)
                    self.send_header("Location", server.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                else:
                    body, ctype = b"not found", "text/plain"
                self.send_response(200 if ctype != "text/plain" else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers():
    made = [Server("127.0.0.1"), Server("127.0.0.2")]
    yield made
    for s in made:
        s.close()


@pytest.fixture
def client():
    with httpx.Client(timeout=5, trust_env=False) as c:
        yield c


@pytest.fixture
def registry(tmp_path):
    with FeedRegistry(tmp_path / "newsbot.db") as reg:
        yield reg


def test_entries_on_private_hosts_are_not_fetched(servers, client, registry, monkeypatch) -> None:
    feed_host, other = servers
    # 127.0.0.1 stands for a public address here; 127.0.0.2 stays private
    monkeypatch.setattr(feeds.fetch, "is_public", lambda address: address == "127.0.0.1")
    feed_host.feed_links = [
        other.base + "/page.html",  # a private address: refused
        feed_host.base + "/go",  # the feed's host, redirecting to the private one: refused
        feed_host.base + "/page.html",  # the feed's host: fetched
    ]
    feed_host.redirect_to = other.base + "/page.html"
    registry.add(feed_host.base + "/rss.xml")
    found = {a.url: a for a in poll_all(registry, client, NOW)}
    assert other.requests == []
    assert found[other.base + "/page.html"].body == "Tóm tắt 0."
    assert found[feed_host.base + "/go"].body == "Tóm tắt 1."
    assert "Tài liệu nội bộ" in found[feed_host.base + "/page.html"].body
    assert feed_host.requests.count("/go") == 1


def test_private_fetching_can_be_allowed(servers, client, registry) -> None:
    feed_host, other = servers
    feed_host.feed_links = [other.base + "/page.html"]
    registry.add(feed_host.base + "/rss.xml")
    (article,) = poll_all(registry, client, NOW, allow_private=True)
    assert other.requests == ["/page.html"] and "Tài liệu nội bộ" in article.body


def test_address_rules() -> None:
    for private in [
        "127.0.0.2",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "224.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
        "::ffff:127.0.0.1",
        "fc00::1",
    ]:
        assert not is_public(private), private
    assert is_public("8.8.8.8") and is_public("2001:4860:4860::8888")
    with pytest.raises(FetchRefused, match="private or local address"):
        check_target("http://localhost:8080/x")
    check_target("http://10.0.0.1/x", allow_private=True)


class Gauge:
    """Connections open now, the most open at once, and the bytes each one sent."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.open = self.peak = 0
        self.sent: list[int] = []

    def opened(self) -> None:
        with self.lock:
            self.open += 1
            self.peak = max(self.peak, self.open)

    def closed(self, sent: int) -> None:
        with self.lock:
            self.open -= 1
            self.sent.append(sent)
            self.lock.notify_all()

    def ended(self, count: int) -> list[int]:
        """The bytes sent by each of the first `count` connections, once they have ended."""
        with self.lock:
            self.lock.wait_for(lambda: len(self.sent) >= count, timeout=60)
            return list(self.sent)


class Drip(socketserver.ThreadingTCPServer):
    """Answers every request one byte at a time, 0.25 s apart, for up to 35 s.

    Its connections are counted in a Gauge shared by several of them: how many were open
    at once, and how many bytes each sent before the client hung up.
    """

    daemon_threads = True
    allow_reuse_address = True
    REPLY = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n" + b" " * 80

    def __init__(self, gauge: Gauge) -> None:
        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.recv(65536)
                gauge.opened()
                sent = 0
                try:
                    for byte in Drip.REPLY:
                        self.request.sendall(bytes([byte]))
                        sent += 1
                        time.sleep(0.25)
                except OSError:
                    pass  # the client hung up: what the deadline is for
                finally:
                    gauge.closed(sent)

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def test_a_dripping_server_is_cut_at_the_deadline_and_holds_up_no_other_feed(
    servers, client, registry, monkeypatch
) -> None:
    monkeypatch.setattr(feeds.poll, "FETCH_DEADLINE_SECONDS", 1.0)
    gauge = Gauge()
    drips = [Drip(gauge) for _ in range(3)]
    try:
        slow = [registry.add(d.base + "/rss.xml") for d in drips]
        servers[0].feed_links = [servers[0].base + "/page.html"]
        good = registry.add(servers[0].base + "/rss.xml")
        found = poll_all(registry, client, NOW, allow_private=True)
        sent = gauge.ended(3)  # a drip sees the hang-up at its next byte
    finally:
        for d in drips:
            d.shutdown()
            d.server_close()
    assert [a.title for a in found] == ["Trang nội bộ bí mật"]
    assert registry.get(good.id).failures == 0
    for feed in slow:
        assert registry.get(feed.id).last_error == "took over 1 s"
    # the three were read at the same time, not one after another
    assert gauge.peak == 3
    # and each was cut off: the client hung up long before the reply's end (35 s away)
    assert len(sent) == 3 and max(sent) < len(Drip.REPLY) // 2, sent


def test_feed_urls_are_normalised(registry) -> None:
    assert normalize_url("HTTP://Example.VN:80/rss?a=1#top") == "http://example.vn/rss?a=1"
    assert normalize_url("https://example.vn") == "https://example.vn/"
    assert normalize_url("https://[::1]:8443/x") == "https://[::1]:8443/x"
    feed = registry.add("HTTP://Example.vn/rss.xml#moi")
    assert feed.url == "http://example.vn/rss.xml"
    for twin in ["http://example.vn:80/rss.xml", "http://EXAMPLE.vn/rss.xml#cu"]:
        with pytest.raises(FeedError, match="already registered"):
            registry.add(twin)
    registry.add("http://example.vn/rss.xml?page=2")  # another query is another feed


def test_an_extreme_pub_date_drops_the_date_and_keeps_the_feed(servers, client, registry) -> None:
    feed_host = servers[0]
    text = rss([feed_host.base + "/page.html"]).replace(
        email.utils.format_datetime(dt.datetime(2024, 5, 6, tzinfo=dt.UTC)),
        "Fri, 31 Dec 9999 23:00:00 +0000",
    )
    feed = registry.add(feed_host.base + "/rss.xml")
    original = rss
    globals()["rss"] = lambda links: text  # the server builds its feed with rss()
    try:
        (article,) = poll_all(registry, client, NOW, allow_private=True)
    finally:
        globals()["rss"] = original
    assert registry.get(feed.id).failures == 0
    assert article.title == "Trang nội bộ bí mật" and article.published is None


def test_invisible_characters_never_reach_a_stored_feed_url(registry) -> None:
    for typed in [
        "http://exa\u200bmple.vn/rss",
        "http://example.vn/\u202essr",
        "http://example.vn/\x00x",
    ]:
        feed = registry.add(typed)
        assert all(ch.isprintable() and not ch.isspace() for ch in feed.url), feed.url
    assert [f.url for f in registry.list()] == [
        "http://example.vn/rss",
        "http://example.vn/ssr",
        "http://example.vn/x",
    ]
