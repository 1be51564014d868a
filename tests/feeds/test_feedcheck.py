"""Adding feeds that answer (autodiscovery), OPML, forced polls, pictures and datelines."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from app.cli_feeds import cmd_feeds_add, cmd_feeds_export, cmd_feeds_import, cmd_feeds_poll
from feeds import FeedError, FeedRegistry, poll_all
from feeds.check import check_feed, feed_links
from feeds.opml import OpmlError, export_opml, read_opml
from index.search import SearchIndex

NOW = 1_715_000_000.0


def rss(base: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<title>Báo Ảnh Thử</title><link>{base}/</link><description>Tin</description>"
        f"<item><title>Giá vàng tăng mạnh</title><link>{base}/bai/vang.html</link>"
        f"<guid>{base}/bai/vang.html</guid><description>Giá vàng tăng.</description>"
        f'<enclosure url="{base}/anh/feed-vang.jpg" type="image/jpeg" length="1"/></item>'
        f"<item><title>Bão số 3 vào bờ</title><link>{base}/bai/mat.html</link>"
        f"<guid>{base}/bai/mat.html</guid><description>Bão số 3 đổ bộ đêm qua.</description>"
        f'<media:content url="/anh/bao.jpg" medium="image"/></item>'
        "</channel></rss>"
    )


def article_page(base: str) -> str:
    # the dateline sits in the article's header, where trafilatura keeps it as a paragraph
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Giá vàng tăng mạnh'
        f'</title><meta property="og:image" content="/anh/trang-vang.jpg">'
        f'<link rel="canonical" href="{base}/bai/vang.html"></head><body><article>'
        "<h1>Giá vàng tăng mạnh</h1><p>02/03/2026 08:00</p>"
        "<p>Giá vàng miếng sáng nay tăng thêm nửa triệu đồng mỗi lượng so với hôm qua.</p>"
        "<p>Nhiều người dân xếp hàng từ sớm để mua vàng tại các cửa hàng lớn.</p>"
        "</article></body></html>"
    )


PAGES = {
    "/": lambda b: (
        '<html><head><link rel="alternate" type="application/rss+xml" '
        'title="Tin mới" href="/rss.xml"></head><body><p>Trang chủ</p></body></html>'
    ),
    "/trang.html": lambda b: "<html><body><p>Không có nguồn tin.</p></body></html>",
    "/chet.html": lambda b: (
        '<html><head><link rel="alternate" type="application/atom+xml" '
        'href="/mat.xml"></head></html>'
    ),
    "/bai/vang.html": article_page,
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        base = f"http://{self.headers['Host']}"
        if self.path == "/rss.xml":
            body, ctype = rss(base).encode(), "application/rss+xml; charset=utf-8"
        elif self.path in PAGES:
            body, ctype = PAGES[self.path](base).encode(), "text/html; charset=utf-8"
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def base():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def client():
    with httpx.Client(timeout=5, trust_env=False) as c:
        yield c


@pytest.fixture
def registry(database_target):
    """The feed registry in newsbot.db, then in PostgreSQL."""
    with FeedRegistry(database_target, interval=300) as reg:
        yield reg


def test_a_feed_is_checked_and_a_page_leads_to_its_feed(client, base):
    direct = check_feed(client, base + "/rss.xml", allow_private=True)
    assert (direct.url, direct.title, direct.entries, direct.discovered) == (
        base + "/rss.xml",
        "Báo Ảnh Thử",
        2,
        False,
    )
    found = check_feed(client, base + "/", allow_private=True)
    assert found.url == base + "/rss.xml" and found.discovered
    with pytest.raises(FeedError, match="links to none"):
        check_feed(client, base + "/trang.html", allow_private=True)
    with pytest.raises(FeedError, match="HTTP 404"):
        check_feed(client, base + "/chet.html", allow_private=True)
    with pytest.raises(FeedError, match="HTTP 404"):
        check_feed(client, base + "/khong-co.xml", allow_private=True)
    with pytest.raises(FeedError):
        check_feed(client, "ftp://example.vn/rss")


def test_feed_links_read_only_feed_alternates():
    html = (
        '<link rel="alternate" type="application/rss+xml" href="/a.rss">'
        '<link rel="alternate stylesheet" type="text/css" href="/s.css">'
        '<link rel="alternate" type="application/atom+xml; charset=utf-8" href="b.xml">'
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
    )
    assert feed_links(html, "https://x.vn/tin/") == ["https://x.vn/a.rss", "https://x.vn/tin/b.xml"]


def test_cli_add_checks_and_registers_the_discovered_feed(registry, client, base):
    out, err = io.StringIO(), io.StringIO()
    assert (
        cmd_feeds_add(registry, base + "/", out=out, err=err, client=client, allow_private=True)
        == 0
    )
    assert f"added feed #1 {base}/rss.xml (linked from {base}/)" in out.getvalue()
    assert "2 entries now" in out.getvalue()
    assert (
        cmd_feeds_add(
            registry, base + "/trang.html", out=out, err=err, client=client, allow_private=True
        )
        == 1
    )
    assert "no feed" not in out.getvalue() and "links to none" in err.getvalue()
    assert [f.url for f in registry.list()] == [base + "/rss.xml"]


def test_pictures_come_from_the_page_or_the_entry_and_datelines_stay_out(registry, client, base):
    registry.add(base + "/rss.xml")
    found = {a.title: a for a in poll_all(registry, client, NOW, allow_private=True)}
    gold = found["Giá vàng tăng mạnh"]
    assert gold.image == base + "/anh/trang-vang.jpg"  # og:image of the page
    assert "02/03/2026" not in gold.body and gold.body.startswith("Giá vàng miếng")
    storm = found["Bão số 3 vào bờ"]  # no page: the entry's media:content
    assert storm.image == base + "/anh/bao.jpg"


def test_poll_waits_for_the_interval_unless_forced(tmp_path, client, base):
    index = SearchIndex.open(tmp_path)
    with FeedRegistry(index.store, interval=300) as registry:
        registry.add(base + "/rss.xml")
        out = io.StringIO()
        assert cmd_feeds_poll(index, registry, client, out=out, now=NOW, allow_private=True) == 0
        assert out.getvalue().startswith("1 feed polled")
        out = io.StringIO()
        cmd_feeds_poll(index, registry, client, out=out, now=NOW + 200, allow_private=True)
        assert out.getvalue().startswith("0 feeds polled")
        assert "1 feed is not due yet (polled every 300 s" in out.getvalue()
        out = io.StringIO()
        cmd_feeds_poll(
            index, registry, client, out=out, now=NOW + 200, force=True, allow_private=True
        )
        assert out.getvalue().startswith("1 feed polled")
        (feed,) = registry.list()
        assert feed.next_check == NOW + 200 + 300
    index.close()


def test_opml_round_trip(tmp_path):
    one = FeedRegistry(tmp_path / "a.db")
    one.add("https://vnexpress.net/rss/tin-moi-nhat.rss")
    two = one.add("https://tuoitre.vn/rss/tin-moi-nhat.rss?a=1&b=2")
    one.set_title(two.id, 'Tuổi Trẻ "mới" <nhất> & hay')
    out = io.StringIO()
    assert cmd_feeds_export(one, out) == 0
    path = tmp_path / "feeds.opml"
    path.write_text(out.getvalue(), encoding="utf-8")
    other = FeedRegistry(tmp_path / "b.db")
    out, err = io.StringIO(), io.StringIO()
    assert cmd_feeds_import(other, str(path), out, err) == 0
    assert "2 feeds in" in out.getvalue() and "2 added, 0 known, 0 failed" in out.getvalue()
    assert [(f.url, f.title) for f in other.list()] == [(f.url, f.title) for f in one.list()]
    out = io.StringIO()
    cmd_feeds_import(other, str(path), out, err)  # again: nothing twice
    assert "0 added, 2 known" in out.getvalue() and len(other.list()) == 2
    one.close()
    other.close()


def test_opml_reads_folders_and_refuses_what_is_not_opml():
    nested = (
        b'<?xml version="1.0"?><opml version="1.0"><head/><body>'
        b'<outline text="Tin"><outline text="A" xmlUrl="https://a.vn/rss"/>'
        b'<outline text="B" type="rss" xmlUrl="https://b.vn/rss"/></outline>'
        b'<outline text="C" xmlUrl="https://c.vn/rss"/></body></opml>'
    )
    assert read_opml(nested) == [
        ("https://a.vn/rss", "A"),
        ("https://b.vn/rss", "B"),
        ("https://c.vn/rss", "C"),
    ]
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;">]><opml><body><outline xmlUrl="&b;"/></body></opml>'
    )
    for bad in (bomb, b"<rss/>", b"not xml", b"<opml><head/></opml>"):
        with pytest.raises(OpmlError):
            read_opml(bad)
    deep = b"<opml><body>" + b"<outline>" * 30 + b"</outline>" * 30 + b"</body></opml>"
    with pytest.raises(OpmlError, match="deep"):
        read_opml(deep)
    assert export_opml([]).startswith('<?xml version="1.0" encoding="UTF-8"?>')


def test_newsbot_feeds_export_and_import_commands(tmp_path, monkeypatch, capsys):
    from app.cli import main

    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "one"))
    source = tmp_path / "in.opml"
    source.write_text(
        '<opml version="2.0"><body><outline text="VnExpress" type="rss"'
        ' xmlUrl="https://vnexpress.net/rss/tin-moi-nhat.rss"/></body></opml>',
        encoding="utf-8",
    )
    assert main(["feeds", "import", str(source)]) == 0
    capsys.readouterr()
    assert main(["feeds", "export"]) == 0
    exported = capsys.readouterr().out
    assert 'xmlUrl="https://vnexpress.net/rss/tin-moi-nhat.rss"' in exported
    assert 'title="VnExpress"' in exported
    (tmp_path / "out.opml").write_text(exported, encoding="utf-8")
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "two"))
    assert main(["feeds", "import", str(tmp_path / "out.opml")]) == 0
    assert main(["feeds", "import", str(tmp_path / "missing.opml")]) == 1
    with FeedRegistry(tmp_path / "two" / "newsbot.db") as registry:
        assert [(f.url, f.title) for f in registry.list()] == [
            ("https://vnexpress.net/rss/tin-moi-nhat.rss", "VnExpress")
        ]


def test_newsbot_feeds_poll_honours_newsbot_feed_seconds(tmp_path, monkeypatch, capsys, base):
    from app.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_FETCH", "true")  # the site is on loopback
    monkeypatch.setenv("NEWSBOT_FEED_SECONDS", "1000")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert main(["feeds", "add", base + "/"]) == 0
    assert f"added feed #1 {base}/rss.xml (linked from {base}/)" in capsys.readouterr().out
    assert main(["feeds", "poll"]) == 0
    assert capsys.readouterr().out.startswith("1 feed polled")
    with FeedRegistry(tmp_path / "data" / "newsbot.db") as registry:
        (feed,) = registry.list()
        assert feed.next_check == pytest.approx(feed.last_checked + 1000)
    assert main(["feeds", "poll"]) == 0
    assert "0 feeds polled" in (out := capsys.readouterr().out) and "every 1000 s" in out
    assert main(["feeds", "poll", "--force"]) == 0
    assert capsys.readouterr().out.startswith("1 feed polled")
