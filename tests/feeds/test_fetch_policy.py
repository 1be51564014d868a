"""One private-address rule for every fetch, connections pinned to the checked address, the proxy.

The servers are real (loopback HTTP and HTTPS); only name resolution is replaced, as a
rebinding DNS server would answer: a public address to the check, 127.0.0.1 afterwards.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

import feeds.fetch
from app.cli_feeds import cmd_feeds_add, cmd_feeds_import
from feeds import FeedRegistry, poll_all
from feeds.fetch import FetchRefused, check_target, is_public
from feeds.poll import FetchError, fetch_bounded

NOW = 1_715_000_000.0
FEED = (
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Nội bộ</title>'
    "<item><title>Bí mật</title><link>{base}/page.html</link><description>Tóm tắt."
    "</description></item></channel></rss>"
)


class Site:
    """A loopback server answering every path with its name; /go redirects to /page.html."""

    def __init__(self, host: str, name: str, port: int = 0, tls: ssl.SSLContext | None = None):
        self.requests: list[tuple[str, str]] = []  # (path, Host header)
        self.page: str | None = None  # the article page, else a page saying the site's name
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.requests.append((self.path, self.headers.get("Host", "")))
                if self.path == "/go":
                    self.send_response(302)
                    self.send_header("Location", "/page.html")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path.endswith(".xml"):
                    body, kind = FEED.format(base=site.base).encode(), "application/rss+xml"
                else:
                    text = site.page or f"<html><body>{name}</body></html>"
                    body, kind = text.encode(), "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.base = f"{'https' if tls else 'http'}://{host}:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def twin_sites(tls: ssl.SSLContext | None = None) -> tuple[Site, Site]:
    """A "public" site on 127.0.0.2 and an admin page on 127.0.0.1, on one port."""
    for _ in range(20):
        public = Site("127.0.0.2", "public", tls=tls)
        try:
            return public, Site("127.0.0.1", "admin", public.port, tls=tls)
        except OSError:  # the port is taken on 127.0.0.1: another one
            public.close()
    raise RuntimeError("no port free on both addresses")


@pytest.fixture
def rebinding(monkeypatch):
    """rebind.test: 127.0.0.2 (counted public here) to the check, 127.0.0.1 to the connect.

    The check asks without a port, a connection with one: the two lookups of every hop.
    """
    real = socket.getaddrinfo
    answers: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in ("rebind.test", b"rebind.test"):
            address = "127.0.0.2" if port is None else "127.0.0.1"
            answers.append(address)
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(feeds.fetch, "is_public", lambda address: address == "127.0.0.2")
    return answers


@pytest.fixture
def client():
    with httpx.Client(timeout=5, trust_env=False) as c:
        yield c


def test_a_rebinding_name_reaches_the_checked_address_on_every_hop(rebinding, client) -> None:
    public, admin = twin_sites()
    try:
        got = fetch_bounded(client, f"http://rebind.test:{public.port}/go", {}, 10_000)
    finally:
        public.close()
        admin.close()
    assert admin.requests == []
    assert b"public" in got.content
    host = f"rebind.test:{public.port}"
    assert public.requests == [("/go", host), ("/page.html", host)]
    assert got.url == f"http://{host}/page.html"  # the name, not the address


def test_https_is_pinned_and_still_verified_against_the_name(rebinding, tmp_path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=rebind.test"]
        + ["-addext", "subjectAltName=DNS:rebind.test"],
        check=True,
        capture_output=True,
    )
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    public, admin = twin_sites(server_tls)
    trusting = ssl.create_default_context(cafile=str(cert))
    try:
        with httpx.Client(timeout=5, trust_env=False, verify=trusting) as client:
            got = fetch_bounded(client, f"https://rebind.test:{public.port}/page.html", {}, 10_000)
            # a certificate for another name is refused although the address is the same
            with pytest.raises(FetchError, match="certificate|CERTIFICATE|hostname"):
                fetch_bounded(client, f"https://127.0.0.2:{public.port}/page.html", {}, 10_000)
    finally:
        public.close()
        admin.close()
    assert b"public" in got.content and admin.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/rss.xml",
        "http://2130706433:{port}/rss.xml",
        "http://0:{port}/rss.xml",
        "http://[::ffff:127.0.0.1]:{port}/rss.xml",
        "http://localhost:{port}/rss.xml",
    ],
)
def test_a_private_feed_is_polled_only_when_allowed(tmp_path, client, url) -> None:
    site = Site("127.0.0.1", "intranet")
    try:
        with FeedRegistry(tmp_path / "newsbot.db") as registry:
            feed = registry.add(url.format(port=site.port))
            assert poll_all(registry, client, NOW) == []
            assert "private or local address" in registry.get(feed.id).last_error
            assert site.requests == []
            registry.poll_now()
            (article,) = poll_all(registry, client, NOW, allow_private=True)
            assert article.title == "Bí mật"
    finally:
        site.close()


def test_embedded_ipv4_forms_are_judged_by_their_ipv4() -> None:
    for private in [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo of 127.0.0.1
    ]:
        assert not is_public(private), private
    assert is_public("64:ff9b::808:808")  # NAT64 of 8.8.8.8
    for url in ["http://[64:ff9b::7f00:1]/x", "http://[::127.0.0.1]:8080/x", "http://0/x"]:
        with pytest.raises(FetchRefused, match="private or local"):
            check_target(url)
    assert check_target("http://10.0.0.1/x", allow_private=True) is None


OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><body>
<outline text="a" type="rss" xmlUrl="http://127.0.0.1:18081/secret-feed"/>
<outline text="b" type="rss" xmlUrl="http://2130706433:18081/secret-feed"/>
<outline text="c" type="rss" xmlUrl="http://0:18081/secret-feed"/>
<outline text="d" type="rss" xmlUrl="http://[::ffff:127.0.0.1]:18081/secret-feed"/>
<outline text="e" type="rss" xmlUrl="http://[64:ff9b::7f00:1]/secret-feed"/>
<outline text="f" type="rss" xmlUrl="http://[::127.0.0.1]/secret-feed"/>
<outline text="g" type="rss" xmlUrl="https://vnexpress.net/rss/tin-moi-nhat.rss"/>
</body></opml>"""


def test_opml_import_follows_the_private_address_rule(tmp_path) -> None:
    path = tmp_path / "feeds.opml"
    path.write_text(OPML, encoding="utf-8")
    with FeedRegistry(tmp_path / "one.db") as registry:
        out, err = _io(), _io()
        assert cmd_feeds_import(registry, str(path), out=out, err=err) == 0
        assert [f.url for f in registry.list()] == ["https://vnexpress.net/rss/tin-moi-nhat.rss"]
        assert err.getvalue().count("private or local address") == 6
        assert "7 feeds in" in out.getvalue() and "1 added" in out.getvalue()
    with FeedRegistry(tmp_path / "two.db") as registry:
        assert cmd_feeds_import(registry, str(path), out=_io(), allow_private=True) == 0
        assert len(registry.list()) == 7


def test_feeds_add_refuses_a_private_feed_unless_allowed(tmp_path, client) -> None:
    site = Site("127.0.0.1", "intranet")
    try:
        with FeedRegistry(tmp_path / "newsbot.db") as registry:
            err = _io()
            url = f"http://2130706433:{site.port}/rss.xml"
            assert cmd_feeds_add(registry, url, out=_io(), err=err, client=client) == 1
            assert "private or local address" in err.getvalue() and site.requests == []
            assert registry.list() == []
            added = cmd_feeds_add(registry, url, out=_io(), client=client, allow_private=True)
            assert added == 0 and len(registry.list()) == 1
    finally:
        site.close()


class Proxy:
    """A forward proxy that answers every request itself (a feed), remembering what it got."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy.requests.append(self.path)  # absolute: http://host/path
                body = FEED.format(base="http://feeds.invalid").encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_newsbot_feeds_add_goes_through_newsbot_proxy(tmp_path, monkeypatch) -> None:
    from app.cli import main

    proxy = Proxy()
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSBOT_PROXY", proxy.url)
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_FETCH", "true")
    try:
        # port 9 of localhost is closed: only the proxy can answer it
        assert main(["feeds", "add", "http://localhost:9/rss.xml"]) == 0
    finally:
        proxy.close()
    assert proxy.requests == ["http://localhost:9/rss.xml"]


def _io():
    import io

    return io.StringIO()


def test_a_feed_cannot_overwrite_another_outlets_article(tmp_path, client) -> None:
    from index.search import SearchIndex

    genuine, forger = Site("127.0.0.1", "genuine"), Site("127.0.0.2", "forger")
    story = "<p>" + "Giá vàng trong nước tăng mạnh theo giá thế giới sáng nay. " * 4 + "</p>"
    pages = {
        genuine: f"<html><head><title>Giá vàng tăng</title></head><body><article><h1>Giá vàng tăng</h1>{story}</article></body></html>",
        forger: (
            f'<html><head><title>Tin giả</title><link rel="canonical" href="{genuine.base}/page.html">'
            f"</head><body><article><h1>Tin giả</h1>{story.replace('tăng', 'giảm')}</article></body></html>"
        ),
    }
    for site, text in pages.items():
        site.page = text
    index = SearchIndex.open(tmp_path / "data")
    try:
        with FeedRegistry(tmp_path / "data" / "newsbot.db") as registry:
            registry.add(genuine.base + "/a.xml")
            poll_all(registry, client, NOW, sink=index.add, allow_private=True)
            registry.add(forger.base + "/b.xml")
            report = []
            poll_all(
                registry,
                client,
                NOW,
                sink=lambda a: report.append(index.add(a)),
                allow_private=True,
            )
        assert [(r.added, r.updated) for r in report] == [(1, 0)]
        hit = index.search("giá vàng tăng").hits[0].article
        assert (hit.title, hit.url) == ("Giá vàng tăng", genuine.base + "/page.html")
    finally:
        index.close()
        genuine.close()
        forger.close()
