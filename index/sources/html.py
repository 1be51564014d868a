"""Saved or fetched HTML pages: main text and metadata through trafilatura."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import trafilatura

from ..models import Article, Failure
from ..outlets import outlet_name
from .archive import content_id, cut_boilerplate, drop_repeats, host, parse_date, path_id, url_id
from .text import (
    MAX_BODY_CHARS,
    DecodeError,
    bound,
    clean_line,
    clean_text,
    decode_bytes,
    read_bounded,
    title_text,
)

# A paragraph that is only a dateline ("Thứ hai, 02/03/2026 08:00 (GMT+7)", "Cập nhật: 08:00
# 02/03/2026") is page furniture that trafilatura keeps with the text.
_DATE_PART = (
    r"(?:cập nhật|cap nhat|đăng lúc|ngày|lúc|thứ\s*(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s*nhật"
    r"|gmt\s*[+-]\s*\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}[:h]\d{2}(?::\d{2})?|sa|ch|am|pm)"
)
_DATE_LINE = re.compile(rf"[\s,|:()\[\]·–-]*(?:{_DATE_PART}[\s,|:()\[\]·–-]*)+", re.IGNORECASE)
_HAS_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_HEAD_END = re.compile(r"</head\s*>|<body[\s>]", re.IGNORECASE)


def read_html(path: Path) -> Iterator[Article | Failure]:
    """Read one saved page; raises DecodeError or OSError for an unreadable file."""
    result = _extract(decode_html(read_bounded(path)), None, path)
    yield result if isinstance(result, Article) else Failure(path.name, result)


def article_from_html(html: str, url: str | None = None) -> Article | None:
    """Extract the article of a page fetched from url, or None if it has none."""
    result = _extract(html, url, None)
    return result if isinstance(result, Article) else None


def _extract(html: str, url: str | None, path: Path | None) -> Article | str:
    """Extract an Article from a page, or return why there is none."""
    try:
        document = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False
        )
    except Exception:  # noqa: BLE001 - an HTML parser on any page: a crash means "no article"
        return "could not parse the page"
    if document is None:
        return "no article text found in the page"
    meta = document.as_dict()
    title = title_text(meta.get("title") or "")
    if not title:
        return "no title found in the page"
    paragraphs = [
        p for p in clean_text(meta.get("text") or "").split("\n") if p and not is_date_line(p)
    ]
    paragraphs, category, outlet = cut_boilerplate(paragraphs)
    # trafilatura keeps the <h1> as the first line; the title check drops it.
    paragraphs = drop_repeats(paragraphs, title)
    if not paragraphs:
        return "no article text found in the page"
    claimed = meta.get("url") if isinstance(meta.get("url"), str) else None
    page_url = canonical_url(html, url) or (claimed if same_host(claimed, url) else None) or url
    site = clean_line(meta.get("sitename") or "") or outlet
    source = outlet_name(page_url, site) or host(page_url)
    published = parse_date(meta.get("date"))
    if page_url:
        article_id = url_id(page_url)
    elif path is not None:
        article_id = path_id(path)
    else:
        article_id = content_id(source, title, published)
    return Article(
        id=article_id,
        title=title,
        body=bound("\n".join(paragraphs), MAX_BODY_CHARS),
        url=page_url,
        published=published,
        source=source,
        category=next(filter(None, map(clean_line, meta.get("categories") or [])), category),
        image=http_url(meta.get("image"), page_url),
    )


def is_date_line(paragraph: str) -> bool:
    """Whether a paragraph holds nothing but a date, a time, a weekday and such."""
    return len(paragraph) <= 80 and bool(
        _HAS_DATE.search(paragraph) and _DATE_LINE.fullmatch(paragraph)
    )


def http_url(value: object, base: str | None = None) -> str | None:
    """An absolute http(s) URL of sane length made of value (relative to base), else None."""
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        return None
    url = urljoin(base, value.strip()) if base else value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    return url


def same_host(url: str | None, base: str | None) -> bool:
    """Whether url is on the host base was fetched from (``www.``/``m.`` aside); True without base.

    A page may name its own address, never another outlet's: a canonical URL on another
    host would let any feed overwrite that outlet's article under its genuine URL.
    """
    if base is None:
        return True
    if not url:
        return False
    try:
        mine, theirs = urlsplit(base).hostname, urlsplit(url).hostname
    except ValueError:
        return False
    return bool(mine and theirs) and _site(mine) == _site(theirs)


def _site(hostname: str) -> str:
    hostname = hostname.lower().rstrip(".")
    for prefix in ("www.", "m.", "amp."):
        if hostname.startswith(prefix) and hostname.count(".") > 1:
            return hostname[len(prefix) :]
    return hostname


def canonical_url(html: str, base: str | None = None) -> str | None:
    """The page's own address: <link rel=canonical>, else og:url; absolute http(s) only.

    With base (the address it was fetched from), only an address on base's host counts.
    """
    end = _HEAD_END.search(html)
    parser = _HeadParser()
    parser.feed(html[: end.start()] if end else html[:200_000])
    for candidate in (parser.canonical, parser.og_url):
        if not candidate:
            continue
        absolute = urljoin(base, candidate.strip()) if base else candidate.strip()
        try:
            parts = urlsplit(absolute)
        except ValueError:
            continue
        if not same_host(absolute, base):
            continue
        # Some sites point every page's canonical at the home page; that names no article.
        if parts.scheme in ("http", "https") and parts.netloc and parts.path not in ("", "/"):
            return absolute
    return None


class _HeadParser(HTMLParser):
    """Collect the canonical link and og:url of a page's head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.canonical: str | None = None
        self.og_url: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.canonical = self.canonical or values.get("href")
        elif tag == "meta" and values.get("property", "").lower() == "og:url":
            self.og_url = self.og_url or values.get("content")


def decode_html(data: bytes) -> str:
    """Decode a page as UTF-8/UTF-16, else in the charset its <meta> declares."""
    try:
        return decode_bytes(data)
    except DecodeError as error:
        declared = _CHARSET.search(data[:8192])
        if declared is None or b"\x00" in data:
            raise
        try:
            return data.decode(declared[1].decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            raise error from None
