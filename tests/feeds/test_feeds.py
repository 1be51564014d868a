"""Feeds against a real local HTTP server: RSS, Atom, article pages, 304s and failures."""

import datetime as dt
import email.utils
import io
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

import feeds.poll
from app.cli_feeds import (
    cmd_feeds_add,
    cmd_feeds_list,
    cmd_feeds_poll,
    cmd_feeds_remove,
    cmd_feeds_stats,
)
from app.cli_index import cmd_stats
from feeds.poll import POLL_SECONDS, FeedError, FeedRegistry, poll, poll_all
from index.search import SearchIndex
from index.sources.archive import url_id

PAGES = {
    "gia-vang": (
        "Giá vàng trong nước tăng mạnh đầu tuần",
        "2024-05-06T08:30:00+07:00",
        [
            "Sáng thứ Hai, giá vàng miếng tại các cửa hàng lớn được điều chỉnh tăng thêm nửa"
            " triệu đồng mỗi lượng so với cuối tuần trước.",
            "Các doanh nghiệp kinh doanh vàng cho biết lượng khách đến mua tăng rõ rệt, nhiều"
            " người xếp hàng từ sớm.",
            "Giới phân tích nhận định thị trường còn biến động trong những ngày tới.",
        ],
    ),
    "xang-dau": (
        "Nhiều trạm xăng dầu ngưng bán hàng trong đêm",
        "2024-05-05T21:00:00+07:00",
        [
            "Tối qua, nhiều trạm xăng dầu ở ngoại thành treo biển tạm ngưng bán vì hết hàng.",
            "Người dân phải đi xa hơn để đổ xăng, có nơi xếp hàng gần một tiếng đồng hồ.",
            "Cơ quan quản lý đã yêu cầu các đầu mối bảo đảm nguồn cung trong tuần này.",
        ],
    ),
    "khong-khi-lanh": (
        "Miền Bắc đón đợt không khí lạnh mới",
        "2024-05-04T06:00:00+07:00",
        [
            "Theo cơ quan khí tượng, một đợt không khí lạnh sẽ tràn về các tỉnh miền Bắc.",
            "Nhiệt độ vùng núi có thể xuống dưới mười độ vào ban đêm và sáng sớm.",
            "Người dân được khuyên giữ ấm cho trẻ nhỏ và người già.",
        ],
    ),
    "hoc-phi": (
        "Nhiều trường đại học giữ nguyên học phí năm nay",
        "2024-05-07T09:15:00+07:00",
        [
            "Nhiều trường đại học công lập thông báo giữ nguyên mức học phí cho năm học mới.",
            "Các trường cho biết muốn chia sẻ khó khăn với sinh viên và gia đình.",
            "Một số ngành đặc thù vẫn có thể điều chỉnh theo lộ trình đã công bố.",
        ],
    ),
}

MISSING_SUMMARY = "<p>Bộ Y tế khuyến cáo người dân <b>tiêm nhắc lại</b> vắc xin cúm mùa.</p>"
ATOM_MODIFIED = "Sat, 04 May 2024 00:00:00 GMT"


def page_html(base: str, slug: str) -> str:
    title, published, paragraphs = PAGES[slug]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        f'<link rel="canonical" href="{base}/tin/{slug}">'
        f'<meta property="og:title" content="{title}">'
        f'<meta property="article:published_time" content="{published}">'
        '</head><body><nav><a href="/">Trang chủ</a> <a href="/kinh-doanh">Kinh doanh</a></nav>'
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer>Bản quyền thuộc về Báo Thử Nghiệm</footer></body></html>"
    )


class Site:
    """What the server serves; tests change it between polls."""

    def __init__(self) -> None:
        # (slug or path, title, summary, date) of each RSS item, newest first
        self.rss_items = [
            ("gia-vang", PAGES["gia-vang"][0], "Giá vàng tăng.", dt.datetime(2024, 5, 6, 1, 30)),
            ("xang-dau", PAGES["xang-dau"][0], "Trạm xăng ngưng bán.", dt.datetime(2024, 5, 5)),
            ("/het.html", "Khuyến cáo tiêm vắc xin cúm", MISSING_SUMMARY, dt.datetime(2024, 5, 3)),
        ]
        self.rss_etag = '"rss-1"'
        self.broken = True  # /hong.xml answers 500
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    def paths(self) -> list[str]:
        with self.lock:
            return [p for p, _ in self.requests]

    def rss(self, base: str) -> str:
        items = []
        for slug, title, summary, when in self.rss_items:
            if "://" in slug:
                link = slug
            else:
                link = base + (slug if slug.startswith("/") else f"/bai/{slug}.html")
            stamp = email.utils.format_datetime(when.replace(tzinfo=dt.UTC))
            items.append(
                f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
                f"<description><![CDATA[{summary}]]></description><pubDate>{stamp}</pubDate></item>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Báo Thử Nghiệm - Tin mới</title><link>{base}/</link>"
            f"<description>Tin mới</description>{''.join(items)}</channel></rss>"
        )

    def atom(self, base: str) -> str:
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Thời tiết Thử Nghiệm</title><id>urn:thu-nghiem:thoi-tiet</id>"
            "<updated>2024-05-04T00:00:00Z</updated>"
            f"<entry><title>{PAGES['khong-khi-lanh'][0]}</title>"
            f'<link href="{base}/bai/khong-khi-lanh.html"/><id>urn:thu-nghiem:kkl</id>'
            "<updated>2024-05-03T23:00:00Z</updated><summary>Không khí lạnh về.</summary></entry>"
            "</feed>"
        )


def make_handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def send(self, status, body=b"", ctype="text/html; charset=utf-8", headers=()):
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def do_GET(self):
            with site.lock:
                site.requests.append((self.path, dict(self.headers)))
            base = f"http://{self.headers['Host']}"
            if self.path == "/rss.xml":
                if self.headers.get("If-None-Match") == site.rss_etag:
                    return self.send(304, headers=[("ETag", site.rss_etag)])
                return self.send(
                    200,
                    site.rss(base).encode(),
                    "application/rss+xml; charset=utf-8",
                    [("ETag", site.rss_etag)],
                )
            if self.path == "/atom.xml":
                if self.headers.get("If-Modified-Since") == ATOM_MODIFIED:
                    return self.send(304)
                return self.send(
                    200,
                    site.atom(base).encode(),
                    "application/atom+xml",
                    [("Last-Modified", ATOM_MODIFIED)],
                )
            if self.path.startswith("/bai/") and self.path.endswith(".html"):
                slug = self.path[5:-5]
                if slug in PAGES:
                    return self.send(200, page_html(base, slug).encode())
            if self.path == "/hong.xml":
                if not site.broken:
                    return self.send(200, site.atom(base).encode(), "application/atom+xml")
                return self.send(500, b"server error")
            if self.path == "/trang.html":
                return self.send(200, b"<html><body><p>Not a feed at all.</p></body></html>")
            return self.send(404, b"not found")

    return Handler


@pytest.fixture
def site():
    return Site()


@pytest.fixture
def base(site):
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site))
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
def registry(database_target, tmp_path):
    """The feed registry in newsbot.db, then in PostgreSQL."""
    if not isinstance(database_target, str):
        database_target = tmp_path / "data" / "newsbot.db"
    with FeedRegistry(database_target) as reg:
        yield reg


NOW = 1_715_000_000.0


def test_feeds_add_list_remove(registry):
    first = registry.add("https://example.vn/rss/tin-moi.rss")
    second = registry.add("  http://example.vn/atom.xml  ")
    assert second.url == "http://example.vn/atom.xml"
    assert [f.id for f in registry.list()] == [first.id, second.id]
    assert {f.id for f in registry.due(NOW)} == {first.id, second.id}  # polled at once
    for bad in (
        "ftp://example.vn/rss",
        "javascript:alert(1)",
        "example.vn/rss",
        "",
        "http://",
        "http://example.vn/" + "a" * 3000,
        "http://example.vn/a b",
    ):
        with pytest.raises(FeedError):
            registry.add(bad)
    with pytest.raises(FeedError, match=f"#{first.id}"):
        registry.add("https://example.vn/rss/tin-moi.rss")
    assert registry.remove(str(first.id)).url == first.url
    assert registry.remove("http://example.vn/atom.xml").id == second.id
    assert registry.list() == []
    with pytest.raises(FeedError):
        registry.remove("7")


def test_feeds_cli_commands(registry):
    out, err = io.StringIO(), io.StringIO()
    # without the network: registered unchecked (the checked add is tested against a server)
    assert cmd_feeds_add(registry, "https://example.vn/rss", out=out, err=err, check=False) == 0
    assert cmd_feeds_add(registry, "gopher://example.vn", out=out, err=err) == 1
    assert "added feed #1 https://example.vn/rss" in out.getvalue()
    assert "gopher://example.vn" in err.getvalue()
    out = io.StringIO()
    cmd_feeds_list(registry, out=out)
    assert "#1 https://example.vn/rss" in out.getvalue() and "last ok never" in out.getvalue()
    out = io.StringIO()
    assert cmd_feeds_remove(registry, "#1", out=out, err=err) == 0
    assert cmd_feeds_remove(registry, "#1", out=out, err=err) == 1
    out = io.StringIO()
    cmd_feeds_list(registry, out=out)
    assert "no feeds" in out.getvalue()


def test_first_poll_fetches_pages_with_text_date_and_canonical_url(registry, client, site, base):
    registry.add(base + "/rss.xml")
    registry.add(base + "/atom.xml")
    articles = {a.title: a for a in poll_all(registry, client, NOW, allow_private=True)}
    gold = articles[PAGES["gia-vang"][0]]
    assert gold.url == base + "/tin/gia-vang"  # the page's canonical link
    assert gold.id == url_id(base + "/tin/gia-vang")
    assert gold.published == dt.date(2024, 5, 6)
    assert "nửa triệu đồng mỗi lượng" in gold.body
    assert gold.source.startswith("127.0.0.1")  # no outlet named: its host, not the feed title
    cold = articles[PAGES["khong-khi-lanh"][0]]  # from the Atom feed
    assert cold.url == base + "/tin/khong-khi-lanh" and cold.source.startswith("127.0.0.1")
    assert "dưới mười độ" in cold.body
    assert len(articles) == 4
    feeds = registry.list()
    assert all(f.failures == 0 and f.last_ok == NOW for f in feeds)
    assert feeds[0].etag == '"rss-1"' and feeds[1].last_modified == ATOM_MODIFIED
    assert feeds[0].title == "Báo Thử Nghiệm - Tin mới"


def test_page_that_fails_falls_back_to_the_entry_summary(registry, client, base):
    registry.add(base + "/rss.xml")
    articles = {a.url: a for a in poll_all(registry, client, NOW, allow_private=True)}
    flu = articles[base + "/het.html"]
    assert flu.title == "Khuyến cáo tiêm vắc xin cúm"
    assert flu.body == "Bộ Y tế khuyến cáo người dân tiêm nhắc lại vắc xin cúm mùa."
    assert flu.id == url_id(base + "/het.html")
    assert flu.published == dt.date(2024, 5, 3)  # pubDate, in Vietnam time


def test_second_poll_is_conditional_and_brings_nothing_twice(registry, client, site, base):
    registry.add(base + "/rss.xml")
    registry.add(base + "/atom.xml")
    assert len(poll_all(registry, client, NOW, allow_private=True)) == 4
    assert (
        poll_all(registry, client, NOW + 1, allow_private=True) == []
    )  # not due yet: no request at all
    before = len(site.requests)
    later = NOW + POLL_SECONDS
    assert poll_all(registry, client, later, allow_private=True) == []
    asked = dict(site.requests[before:])
    assert set(asked) == {"/rss.xml", "/atom.xml"}  # feeds only, no page
    assert asked["/rss.xml"]["If-None-Match"] == '"rss-1"'
    assert asked["/atom.xml"]["If-Modified-Since"] == ATOM_MODIFIED
    assert all(f.last_ok == later and f.next_check == later + POLL_SECONDS for f in registry.list())


def test_a_new_item_brings_only_itself(registry, client, site, base):
    registry.add(base + "/rss.xml")
    poll_all(registry, client, NOW, allow_private=True)
    site.rss_items.insert(
        0, ("hoc-phi", PAGES["hoc-phi"][0], "Học phí giữ nguyên.", dt.datetime(2024, 5, 7))
    )
    site.rss_etag = '"rss-2"'
    before = len(site.requests)
    new = poll_all(registry, client, NOW + POLL_SECONDS, allow_private=True)
    assert [a.title for a in new] == [PAGES["hoc-phi"][0]]
    assert site.paths()[before:] == ["/rss.xml", "/bai/hoc-phi.html"]
    assert registry.list()[0].etag == '"rss-2"'


def test_failing_feeds_back_off_and_never_stop_the_others(registry, client, site, base, tmp_path):
    broken = registry.add(base + "/hong.xml")
    not_feed = registry.add(base + "/trang.html")
    closed = registry.add("http://127.0.0.1:9/rss.xml")  # discard port: connection refused
    registry.add(base + "/rss.xml")
    assert len(poll_all(registry, client, NOW, allow_private=True)) == 3
    failed = {f.id: f for f in registry.failing()}
    assert set(failed) == {broken.id, not_feed.id, closed.id}
    assert failed[broken.id].last_error == "HTTP 500"
    assert "not an RSS or Atom feed" in failed[not_feed.id].last_error
    assert failed[closed.id].last_error
    first_wait = failed[broken.id].next_check - NOW
    assert first_wait == 2 * POLL_SECONDS
    # retried only when due, and then it waits longer
    assert [f.id for f in registry.due(NOW + POLL_SECONDS)] == [registry.list()[3].id]
    again = NOW + first_wait
    poll_all(registry, client, again, allow_private=True)
    retried = registry.get(broken.id)
    assert retried.failures == 2 and retried.next_check - again == 4 * POLL_SECONDS
    for _ in range(8):  # the wait stops growing at 6 hours
        retried = registry.get(broken.id)
        result = poll(retried, client, retried.next_check, allow_private=True)
        registry.record(retried, result, retried.next_check)
    retried = registry.get(broken.id)
    assert retried.failures == 10 and retried.next_check - retried.last_checked == 6 * 3600
    # `newsbot stats` lists the failing feeds
    index = SearchIndex.open(tmp_path / "data")
    out = io.StringIO()
    cmd_stats(index, out=out)
    cmd_feeds_stats(tmp_path / "data", out=out, url=getattr(registry.database, "url", None))
    index.close()
    text = out.getvalue()
    assert "articles:   0" in text and "feeds:      4 (3 failing)" in text
    assert f"#{broken.id} {base}/hong.xml" in text and "HTTP 500" in text
    # a feed that works again is polled as usual
    site.broken = False
    assert [
        a.title for a in poll_all(registry, client, retried.next_check, allow_private=True)
    ] == [PAGES["khong-khi-lanh"][0]]
    assert registry.get(broken.id).failures == 0 and registry.get(broken.id).last_error is None


def test_feeds_poll_command_indexes_new_articles(tmp_path, client, site, base):
    index = SearchIndex.open(tmp_path / "data")
    with FeedRegistry(index.store) as registry:
        registry.add(base + "/rss.xml")
        registry.add(base + "/hong.xml")
        out, err = io.StringIO(), io.StringIO()
        assert (
            cmd_feeds_poll(index, registry, client, out=out, err=err, now=NOW, allow_private=True)
            == 1  # a feed failed: cron hears of it
        )
        assert out.getvalue().strip() == (
            "2 feeds polled, 1 failed; 3 new entries: 3 added, 0 updated, 0 unchanged"
        )
        assert "hong.xml" in err.getvalue() and "HTTP 500" in err.getvalue()
    hits = index.search("trạm xăng dầu").hits
    assert hits and hits[0].article.url == base + "/tin/xang-dau"
    assert index.search("vac xin cum").hits[0].article.url == base + "/het.html"
    index.close()


def test_newsbot_feeds_commands_end_to_end(tmp_path, monkeypatch, base):
    from app.cli import main

    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_FETCH", "true")  # the site is on loopback
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    assert main(["feeds", "add", base + "/atom.xml"]) == 0
    assert main(["feeds", "list"]) == 0
    assert main(["feeds", "poll"]) == 0
    index = SearchIndex.open(tmp_path / "data")
    assert index.search("không khí lạnh").hits[0].article.url == base + "/tin/khong-khi-lanh"
    index.close()
    assert main(["feeds", "remove", "1"]) == 0


def test_polls_are_bounded_and_only_follow_http_links(registry, client, site, base, monkeypatch):
    site.rss_items.append(
        ("file:///etc/passwd", "Liên kết lạ", "Không được mở tệp.", dt.datetime(2024, 5, 2))
    )
    monkeypatch.setattr(feeds.poll, "MAX_NEW_ENTRIES", 2)
    feed = registry.add(base + "/rss.xml")
    first = poll_all(registry, client, NOW, allow_private=True)
    assert len(first) == 2
    state = registry.get(feed.id)
    # entries were left over: no validators kept (a 304 would hide them), back soon
    assert state.etag is None and state.next_check == NOW + 60
    second = poll_all(registry, client, NOW + 60, allow_private=True)
    assert len(second) == 2 and not {a.id for a in first} & {a.id for a in second}
    odd = next(a for a in second if a.title == "Liên kết lạ")
    assert odd.url is None and odd.body == "Không được mở tệp."
    assert all(not p.startswith("file") for p in site.paths())
    assert registry.get(feed.id).etag == '"rss-1"'
    # a page over the size limit is not read: the entry's summary stands in
    monkeypatch.setattr(feeds.poll, "MAX_PAGE_BYTES", 500)
    site.rss_items.insert(
        0, ("hoc-phi", PAGES["hoc-phi"][0], "Học phí giữ nguyên.", dt.datetime(2024, 5, 7))
    )
    site.rss_etag = '"rss-2"'
    (big,) = poll_all(registry, client, NOW + 60 + POLL_SECONDS, allow_private=True)
    assert big.body == "Học phí giữ nguyên." and big.url == base + "/bai/hoc-phi.html"


def test_articles_lost_by_the_sink_are_fetched_again(registry, client, site, base):
    rss = registry.add(base + "/rss.xml")
    registry.add(base + "/atom.xml")
    kept = []

    def sink(articles):
        if any("vàng" in a.title for a in articles):
            raise OSError("disk full")
        kept.extend(articles)

    assert (
        len(poll_all(registry, client, NOW, sink=sink, allow_private=True)) == 1
    )  # the Atom feed went on
    assert [a.title for a in kept] == [PAGES["khong-khi-lanh"][0]]
    failed = registry.get(rss.id)
    assert failed.failures == 1 and "disk full" in failed.last_error and failed.etag is None
    again = poll_all(registry, client, failed.next_check, sink=kept.extend, allow_private=True)
    assert len(again) == 3 and len(kept) == 4


def test_feeds_stay_free_of_telegram():
    code = (
        "import sys, feeds, feeds.opml, index.topics, index.check;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'bot'));"
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_newsbot_feeds_poll_sends_new_articles_to_opensearch(
    tmp_path, monkeypatch, base, opensearch_url
):
    from opensearch_node import fresh_index_name
    from opensearchpy import OpenSearch

    from app.cli import main

    name = fresh_index_name()
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_FETCH", "true")  # the site is on loopback
    monkeypatch.setenv("NEWSBOT_OPENSEARCH_URL", opensearch_url)
    monkeypatch.setenv("NEWSBOT_OPENSEARCH_INDEX", name)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["feeds", "add", base + "/atom.xml"]) == 0
    assert main(["feeds", "poll"]) == 0
    client = OpenSearch(opensearch_url)  # the poll itself sent them: nothing else opened
    held = client.count(index=name)["count"]
    index = SearchIndex.open(tmp_path / "data")
    assert held == index.stats().articles > 0
    index.close()
    client.indices.delete(index=name)
    client.close()
