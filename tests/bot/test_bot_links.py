"""Article URLs are data from outside: only http(s) of sane length ever becomes a link."""

from __future__ import annotations

import pytest

from bot import render, views
from bot.texts import VI
from index.analysis import Analyzer
from index.models import Article
from index.search import SearchIndex
from index.urls import MAX_URL_CHARS, web_url

LONG = "https://example.vn/" + "a" * 9_000
BAD = ["tg://proxy?server=1.2.3.4&port=443", "ftp://example.vn/a", "javascript:alert(1)", LONG]


@pytest.mark.parametrize("url", BAD)
def test_the_full_text_links_only_web_pages(url: str) -> None:
    article = Article("x1", "Tiêu đề", "Đoạn một.\nĐoạn hai.", url=url)
    messages = render.article(article, VI)
    assert all("href" not in m and url not in m for m in messages)
    assert all(render.utf16_len(m) <= render.MAX_MESSAGE for m in messages)
    assert views.article_link(article, "tin_bot", "x1") == "https://t.me/tin_bot?start=x1"


def test_web_url_rule() -> None:
    assert web_url("https://vnexpress.net/a.html") == "https://vnexpress.net/a.html"
    assert web_url("HTTP://Example.vn/a") == "HTTP://Example.vn/a"
    assert web_url("https://example.vn/" + "a" * (MAX_URL_CHARS - 19)) is not None
    for url in [*BAD, None, "", "https://", "https://exa mple.vn", "http://[::1", "/relative"]:
        assert web_url(url) is None


def test_urls_are_checked_when_stored(tmp_path) -> None:
    index = SearchIndex.open(tmp_path, Analyzer(segment=lambda text: text))
    try:
        index.add(
            [
                Article(f"a{n}", "Tiêu đề", "Nội dung", url=url)
                for n, url in enumerate([*BAD, "https://ok.vn/1"])
            ]
        )
        urls = [index.get(f"a{n}").url for n in range(len(BAD) + 1)]
        assert urls == [None] * len(BAD) + ["https://ok.vn/1"]
    finally:
        index.close()
