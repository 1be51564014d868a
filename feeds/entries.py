"""Feed entries (feedparser's dicts) read as articles: keys, links, dates, text (pure)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from email.message import Message
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from index import (
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    Article,
    DecodeError,
    body_text,
    bound,
    content_id,
    decode_html,
    title_text,
    url_id,
)

__all__ = [
    "decode_page",
    "entry_date",
    "entry_key",
    "http_link",
    "summary_article",
    "text_of_html",
]

_VIETNAM = dt.timezone(dt.timedelta(hours=7))


def entry_key(entry: dict) -> str:
    """What identifies an entry within its feed: its id, else its link, else a content hash."""
    key = str(entry.get("id") or entry.get("link") or "")
    if key and len(key) <= 300:
        return key
    raw = key or "\x1f".join(str(entry.get(k) or "") for k in ("title", "summary", "published"))
    return "h:" + hashlib.sha1(raw.encode()).hexdigest()


def http_link(link: object, base: str) -> str | None:
    """An entry's link made absolute, if it is http(s)."""
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        url = urljoin(base, link.strip())
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL_CHARS:
        return None
    return url


def entry_date(entry: dict) -> dt.date | None:
    """The entry's published (else updated) date, in Vietnam time."""
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        stamp = entry.get(name)
        if stamp:
            try:
                utc = dt.datetime(*stamp[:6], tzinfo=dt.UTC)
                return utc.astimezone(_VIETNAM).date()
            except (TypeError, ValueError, OverflowError):  # 9999-12-31 23:00 UTC and beyond
                continue
    return None


def decode_page(data: bytes, content_type: str) -> str:
    """A page's text: the charset its headers declare, else UTF-8/UTF-16 or its <meta>."""
    message = Message()
    message["content-type"] = content_type or "text/html"
    charset = message.get_content_charset()
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return decode_html(data)
    except DecodeError:
        return data.decode("utf-8", "replace")


_BLOCKS = frozenset(
    {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"}
)
_SPACES = re.compile(r"[ \t]+")


class _Text(HTMLParser):
    """The text of an HTML fragment, a line per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Sequence) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def text_of_html(fragment: str) -> str:
    """Plain text of an HTML fragment (feed titles and summaries)."""
    if "<" not in fragment and "&" not in fragment:
        return fragment
    parser = _Text()
    parser.feed(fragment[:MAX_BODY_CHARS])
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def summary_article(
    entry: dict, source: str, link: str | None, published: dt.date | None, image: str | None
) -> Article | None:
    """An entry as an article from its own title and summary (when its page gives none)."""
    title = title_text(text_of_html(entry.get("title") or ""))
    texts = [entry.get("summary") or ""]
    texts += [c.get("value") or "" for c in entry.get("content") or [] if isinstance(c, dict)]
    body = body_text(text_of_html(max(texts, key=len)))
    if not title:
        title = bound(body.split("\n", 1)[0], MAX_TITLE_CHARS)
    if not title:
        return None
    return Article(
        id=url_id(link) if link else content_id(source, title, published),
        title=title,
        body=body,
        url=link,
        published=published,
        source=source,
        image=image,
    )
