"""Saved HTML pages and fetched pages through trafilatura."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from pathlib import Path

import pytest

from index.models import Article, Failure
from index.sources import article_from_html, read_file

PARAGRAPHS = [
    "Thành phố Hà Nội sẽ mở thêm mười tuyến xe buýt điện trong năm nay, theo kế hoạch "
    "của Sở Giao thông vận tải được công bố sáng thứ ba.",
    "Các tuyến mới nối trung tâm với các khu đô thị phía tây, giúp giảm ùn tắc và khí thải "
    "trong giờ cao điểm, theo đại diện Sở.",
    "Người dân được miễn phí vé trong tháng đầu tiên khi tuyến mới vận hành, nhằm khuyến "
    "khích thói quen đi xe buýt.",
]


def page(head: str = "", paragraphs: list[str] = PARAGRAPHS, charset: str = "utf-8") -> str:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="{charset}">
<title>Hà Nội mở rộng tuyến buýt điện - VnExpress</title>
<meta property="og:title" content="Hà Nội mở rộng tuyến buýt điện">
<meta property="og:site_name" content="VnExpress">
{head}
</head><body>
<nav><a href="/">Trang chủ</a> | <a href="/thoi-su">Thời sự</a> | <a href="/the-gioi">Thế giới</a></nav>
<article><h1>Hà Nội mở rộng tuyến buýt điện</h1>
{body}</article>
<footer>Bản quyền thuộc về VnExpress. Mọi hình thức sao chép phải được đồng ý.</footer>
</body></html>"""


CANONICAL = "https://vnexpress.net/ha-noi-mo-rong-tuyen-buyt-dien-4720001.html"
FULL_HEAD = f"""<link rel="canonical" href="{CANONICAL}">
<meta property="article:published_time" content="2024-03-05T08:00:00+07:00">
<meta property="article:section" content="Thời sự">"""


def url_id(url: str) -> str:
    return "u" + hashlib.sha1(url.encode()).hexdigest()[:16]


def test_saved_page_with_canonical_link_and_date(tmp_path: Path) -> None:
    path = tmp_path / "buyt-dien.html"
    path.write_text(page(FULL_HEAD), encoding="utf-8")
    assert list(read_file(path)) == [
        Article(
            id=url_id(CANONICAL),
            title="Hà Nội mở rộng tuyến buýt điện",
            body="\n".join(PARAGRAPHS),  # no <h1> repeat, no menu, no footer
            url=CANONICAL,
            published=dt.date(2024, 3, 5),
            source="VnExpress",
            category="Thời sự",
        )
    ]


def test_og_url_when_canonical_names_the_home_page() -> None:
    head = '<link rel="canonical" href="https://vnexpress.net/">\n'
    head += '<meta property="og:url" content="https://vnexpress.net/buyt-dien-2.html">'
    got = article_from_html(page(head))
    assert got is not None
    assert got.url == "https://vnexpress.net/buyt-dien-2.html"
    assert got.id == url_id(got.url)


def test_fetched_page_without_canonical_uses_the_given_url() -> None:
    got = article_from_html(page(), url="https://vnexpress.net/buyt-dien-3.html")
    assert got is not None
    assert (got.url, got.id) == (
        "https://vnexpress.net/buyt-dien-3.html",
        url_id("https://vnexpress.net/buyt-dien-3.html"),
    )
    assert got.body.split("\n") == PARAGRAPHS


def test_relative_canonical_resolved_against_the_given_url() -> None:
    html = page('<link rel="canonical" href="/thoi-su/buyt-dien-4.html">')
    got = article_from_html(html, url="https://vnexpress.net/amp/buyt-dien-4.html?utm=rss")
    assert got is not None
    assert got.url == "https://vnexpress.net/thoi-su/buyt-dien-4.html"


def test_saved_page_without_url_gets_a_file_id(tmp_path: Path) -> None:
    path = tmp_path / "trang.htm"
    path.write_text(page(), encoding="utf-8")
    [got] = list(read_file(path))
    assert isinstance(got, Article)
    assert got.url is None
    assert got.id == "f" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]


def to_cp1258(s: str) -> bytes:
    """Encode Vietnamese as Windows-1258 does: tone marks as separate combining chars."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in s:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def test_page_in_a_declared_legacy_charset(tmp_path: Path) -> None:
    path = tmp_path / "cu.html"
    path.write_bytes(to_cp1258(page(FULL_HEAD, charset="windows-1258")))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    [got] = list(read_file(path))
    assert isinstance(got, Article), got
    # Cleaning composes the separate tone marks back to NFC.
    assert got.title == "Hà Nội mở rộng tuyến buýt điện"
    assert got.body == "\n".join(PARAGRAPHS)


def test_page_without_article_text(tmp_path: Path) -> None:
    path = tmp_path / "rong.html"
    path.write_text("<html><head><title>Trống</title></head><body></body></html>", encoding="utf-8")
    assert list(read_file(path)) == [Failure("rong.html", "no article text found in the page")]
    assert article_from_html("<html><body></body></html>") is None
    assert article_from_html("") is None


def test_binary_html_file(tmp_path: Path) -> None:
    path = tmp_path / "anh.html"
    path.write_bytes(b"\x00\x01\x02\x03" * 100 + b"\xff\x00")
    assert list(read_file(path)) == [Failure("anh.html", "binary file (NUL bytes)")]


@pytest.mark.parametrize(
    "claim",
    [
        '<link rel="canonical" href="https://tuoitre.vn/gia-vang-20240305.htm">',
        '<meta property="og:url" content="https://tuoitre.vn/gia-vang-20240305.htm">',
        '<link rel="canonical" href="//tuoitre.vn/gia-vang-20240305.htm">',
    ],
)
def test_a_canonical_url_on_another_host_is_not_trusted(claim: str) -> None:
    fetched = "https://tin-gia.example/bai/gia-vang.html"
    got = article_from_html(page(claim), url=fetched)
    assert got is not None
    assert (got.url, got.id) == (fetched, url_id(fetched))


def test_a_canonical_url_on_the_same_site_is_trusted() -> None:
    head = '<link rel="canonical" href="https://www.vnexpress.net/buyt-dien-5.html">'
    got = article_from_html(page(head), url="https://vnexpress.net/amp/buyt-dien-5.html")
    assert got is not None and got.url == "https://www.vnexpress.net/buyt-dien-5.html"
