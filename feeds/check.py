"""Checking a feed before it is added: fetched, parsed, and found from a page that links it.

``newsbot feeds add`` and the bot's ``/nguon them`` (``/feeds add``) both call it::

    with http_client() as client:
        feed, found = add_checked(registry, client, "https://vnexpress.net/")
    # found.url: the feed the page named in <link rel="alternate" type="application/rss+xml">

An address that answers with a feed (RSS or Atom) is taken as it is; an HTML page is read for
its feed links (autodiscovery) and the first one that answers with a feed is taken. Anything
else is a FeedError that says why: the network, the HTTP status, or "no feed found".
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import feedparser
import httpx

from index import bound, clean_line

from .poll import MAX_FEED_BYTES, FetchError, fetch_bounded
from .registry import Feed, FeedError, FeedRegistry, check_url

__all__ = ["Checked", "add_checked", "check_feed", "feed_links"]

MAX_CANDIDATES = 5  # feed links of one page tried
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+xml")
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9,"
    " text/html;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True, slots=True)
class Checked:
    """A feed that answered: its address (after autodiscovery), title and entries now."""

    url: str
    title: str | None
    entries: int
    discovered: bool  # found through a page's <link rel="alternate">


def check_feed(client: httpx.Client, url: str, allow_private: bool = False) -> Checked:
    """Fetch url; the feed it is or links to, else FeedError saying why.

    The address and the feed links found on its page pass the private-address rule of
    every fetch: public addresses only, unless allow_private (NEWSBOT_ALLOW_PRIVATE_FETCH).
    """
    url = check_url(url)
    got = _get(client, url, allow_private)
    parsed = _parse(got.content, got.url, got.content_type)
    if parsed is not None:
        return Checked(got.url, _title(parsed), len(parsed.entries), False)
    links = feed_links(_text(got.content), got.url)
    if not links:
        raise FeedError("not an RSS or Atom feed, and the page links to none")
    reasons = []
    for link in links[:MAX_CANDIDATES]:
        try:
            found = _get(client, link, allow_private)
        except FeedError as e:
            reasons.append(f"{link}: {e}")
            continue
        parsed = _parse(found.content, found.url, found.content_type)
        if parsed is not None:
            return Checked(found.url, _title(parsed), len(parsed.entries), True)
        reasons.append(f"{link}: not an RSS or Atom feed")
    raise FeedError("the feeds the page links to do not answer: " + "; ".join(reasons))


def add_checked(
    registry: FeedRegistry, client: httpx.Client, url: str, allow_private: bool = False
) -> tuple[Feed, Checked]:
    """Check a URL (check_feed) and register the feed it leads to; FeedError if either fails."""
    checked = check_feed(client, url, allow_private)
    feed = registry.add(checked.url)
    # `feeds list` then shows what `feeds add` said: the title, and that it answered
    return registry.answered(feed.id, checked.title, time.time()) or feed, checked


def _get(client: httpx.Client, url: str, allow_private: bool):
    try:
        return fetch_bounded(client, url, {"Accept": _ACCEPT}, MAX_FEED_BYTES, allow_private)
    except FetchError as e:
        raise FeedError(str(e)) from None


def _parse(data: bytes, url: str, content_type: str):
    """The parsed feed, or None when the bytes are no feed (an HTML page, say)."""
    if "html" in content_type.lower() and b"<rss" not in data[:2048]:
        return None
    # A stream, never bytes or str: feedparser fetches URLs and opens file names it is given.
    parsed = feedparser.parse(
        io.BytesIO(data), response_headers={"content-location": url, "content-type": content_type}
    )
    return parsed if parsed.get("version") else None


def _title(parsed) -> str | None:
    return bound(clean_line(parsed.feed.get("title") or ""), 200) or None


def _text(data: bytes) -> str:
    return data[:1_000_000].decode("utf-8", "replace")


def feed_links(html: str, base: str) -> list[str]:
    """The feeds a page names in <link rel="alternate" type="application/rss+xml" href>."""
    parser = _Links()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - a broken page simply names no feed
        pass
    out: list[str] = []
    for href in parser.links:
        url = urljoin(base, href.strip())
        if urlsplit(url).scheme in ("http", "https") and url not in out:
            out.append(url)
    return out


class _Links(HTMLParser):
    """Collect a page's feed links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("link", "a"):
            return
        values = {name: (value or "") for name, value in attrs}
        rel = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _FEED_TYPES and values.get("href"):
            self.links.append(values["href"])
