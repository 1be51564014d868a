"""A feed served like VnExpress's: outlet names, the registry's state, what errors say."""

import datetime as dt
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from feeds import add_checked
from feeds.poll import FeedRegistry, poll, poll_all
from index import Article, Store, parse_topic
from index.outlets import outlet_keys, outlet_name
from index.search import SearchIndex

FEED_TITLE = "Tin mới nhất - VnExpress RSS"  # VnExpress's own feed title
NOW = 1_715_000_000.0
PAGES = {
    "gia-vang": ("Giá vàng miếng lập đỉnh mới", "Giá vàng miếng tăng thêm nửa triệu đồng."),
    "xe-dien": ("Xe điện chiếm một phần ba xe mới bán ra", "Người mua chọn xe điện nhiều hơn."),
}


def page(slug: str) -> str:
    title, text = PAGES[slug]
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f'<title>{title} - VnExpress</title><meta property="og:title" content="{title}">'
        '<meta property="og:site_name" content="VnExpress">'
        '<meta property="article:published_time" content="2024-05-06T08:30:00+07:00">'
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":'
        f'"NewsArticle","headline":"{title}","publisher":{{"@type":"Organization",'
        '"name":"VnExpress"}}</script>'
        f"</head><body><article><h1>{title}</h1><p>{text} {text}</p>"
        "<p>Thị trường được dự báo còn biến động trong những ngày tới.</p></article>"
        "</body></html>"
    )


def rss(base: str) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{base}/{slug}.html</link>"
        f"<guid>{base}/{slug}.html</guid><description>{text}</description>"
        "<pubDate>Mon, 06 May 2024 01:30:00 +0000</pubDate></item>"
        for slug, (title, text) in PAGES.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{FEED_TITLE}</title><link>{base}/</link>{items}</channel></rss>"
    )


@pytest.fixture
def base():
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            here = f"http://{self.headers['Host']}"
            slug = self.path.strip("/").removesuffix(".html")
            if self.path == "/rss":
                body, ctype = rss(here).encode(), "application/rss+xml; charset=utf-8"
            elif self.path == "/broken":
                body, ctype = b"<html>\n<body><p>Not a feed", "application/xml"
            elif slug in PAGES:
                body, ctype = page(slug).encode(), "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_vnexpress_feed_files_its_articles_under_vnexpress(tmp_path, base):
    index = SearchIndex.open(tmp_path)
    with FeedRegistry(index.store) as registry, httpx.Client(trust_env=False) as client:
        registry.add(base + "/rss")
        found = poll_all(registry, client, NOW, sink=index.add, allow_private=True)
    assert {a.source for a in found} == {"VnExpress"}
    assert dict(index.stats().sources) == {"VnExpress": 2}  # what `newsbot stats` lists
    result = index.search_text("giá vàng nguồn:vnexpress")
    assert [h.article.title for h in result.hits][:1] == ["Giá vàng miếng lập đỉnh mới"]
    topic = parse_topic("xe điện nguồn:vnexpress")
    assert [a.title for _, a in index.recent_matches(topic)] == [PAGES["xe-dien"][0]]
    index.close()


def test_outlets_are_named_by_their_domain_and_answer_to_short_names():
    assert outlet_name("https://vnexpress.net/gia-vang-123.html") == "VnExpress"
    assert outlet_name("https://m.tuoitre.vn/x.htm", "TUOI TRE ONLINE") == "Tuổi Trẻ"
    assert outlet_name("http://127.0.0.1:8000/x", "VnExpress") == "VnExpress"
    assert outlet_name("https://example.com/x") is None
    assert {"nld", "nguoilaodong"} <= outlet_keys("Người Lao Động")
    assert {"znews", "zingnews"} <= outlet_keys("Znews")


def test_upgrade_files_articles_polled_under_a_feed_title_under_their_outlet(tmp_path):
    db = tmp_path / "newsbot.db"
    store = Store(db)
    store_index = SearchIndex.open(tmp_path, store=store)
    store_index.add(
        [
            Article(
                "a",
                "Giá vàng",
                "Giá vàng tăng.",
                url="https://vnexpress.net/a.html",
                published=dt.date(2024, 5, 6),
                source=FEED_TITLE,
            ),
            Article(
                "b",
                "Mưa lớn",
                "Mưa lớn ở Huế.",
                url="https://baohue.vn/b.html",
                source="Báo Huế - Tin mới",
            ),
            Article("c", "Tin khác", "Tin khác.", source="vnexpress.net"),
        ]
    )
    with FeedRegistry(store) as registry:
        registry.add("https://vnexpress.net/rss/tin-moi-nhat.rss")
        registry.add("https://baohue.vn/rss")
    with sqlite3.connect(db) as raw:  # as an older newsbot left it
        raw.execute("UPDATE feeds SET title=? WHERE url LIKE '%vnexpress%'", (FEED_TITLE,))
        raw.execute("UPDATE feeds SET title='Báo Huế - Tin mới' WHERE url LIKE '%baohue%'")
        raw.execute("UPDATE meta SET value='1' WHERE key='feeds_version'")
    FeedRegistry(store).close()
    sources = dict(store_index.stats().sources)
    assert sources == {"VnExpress": 1, "baohue.vn": 1, "vnexpress.net": 1}
    assert [h.article.id for h in store_index.search_text("giá vàng nguồn:vnexpress").hits] == ["a"]
    store_index.close()


def test_feeds_add_and_list_agree_on_title_and_last_ok(tmp_path, base):
    with FeedRegistry(tmp_path / "newsbot.db") as registry, httpx.Client() as client:
        feed, checked = add_checked(registry, client, base + "/rss", allow_private=True)
        listed = registry.get(feed.id)
    assert checked.title == listed.title == FEED_TITLE
    assert listed.last_ok is not None and listed.last_ok == feed.last_ok


def test_a_shorter_interval_holds_from_the_next_poll(tmp_path, base):
    with FeedRegistry(tmp_path / "newsbot.db", interval=3600) as registry:
        registry.add(base + "/rss")
        with httpx.Client(trust_env=False) as client:
            poll_all(registry, client, NOW, allow_private=True)
        assert registry.due(NOW + 120) == []  # the hour the old setting asked for
    with FeedRegistry(tmp_path / "newsbot.db", interval=60) as registry:
        assert [f.url for f in registry.due(NOW + 120)] == [base + "/rss"]


def test_a_broken_feed_says_where_it_breaks(tmp_path, base):
    with FeedRegistry(tmp_path / "newsbot.db") as registry, httpx.Client() as client:
        feed = registry.add(base + "/broken")
        result = poll(feed, client, NOW, set(), allow_private=True)
    assert result.error == "not an RSS or Atom feed: broken XML (no element found)"
    assert "<unknown>" not in result.error
