"""News feeds (RSS 2.0 and Atom): polling the feeds of the registry (registry.py).

The bot's job and ``newsbot feeds poll`` reach it through rounds.poll_due (one poller at a
time, under a lock); alone it is used like this (blocking I/O: run it in a thread)::

    registry = FeedRegistry(index.store)              # tables live in newsbot.db
    registry.add("https://vnexpress.net/rss/tin-moi-nhat.rss")   # FeedError if bad
    with http_client() as client:
        new = poll_all(registry, client, time.time(), sink=index.add)

Polling a feed sends a conditional GET (If-None-Match, If-Modified-Since); 304 means nothing
new. Each entry not seen before has its page fetched and extracted (``article_from_html``:
text, date, canonical URL), falling back to the entry's title and summary when the page
fails or holds no article text. Entries are remembered per feed (``feed_items``), so a page
is fetched once. Everything is bounded: bytes per feed and per page, seconds per fetch
(``fetch.Deadline``), new entries per poll, seconds per feed, feeds at once; only
http(s) links are followed, and feeds and pages only on public addresses (``feeds.fetch``).

A feed that fails (network, HTTP status, not a feed) is retried after
``min(interval * 2**failures, 6 h)``; its error is kept for ``newsbot feeds list`` and
``newsbot stats``. One feed's failure never stops the others: ``poll_all`` does not raise
for it. With ``sink``, a feed's articles are handed over before its entries are marked as
seen, so a crash in between fetches them again instead of losing them.

Failures::

    ValueError
     └── FeedError      a feed URL that cannot be added, or a feed that is not known
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import time
from collections.abc import Callable, Container
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXParseException

import feedparser
import httpx

from index import Article, article_from_html, bound, clean_line, host, outlet_name
from storage import DatabaseError

from .entries import (
    decode_page,
    entry_date,
    entry_key,
    http_link,
    summary_article,
    text_of_html,
)
from .fetch import Deadline, FetchRefused, check_target, pinned
from .pictures import entry_image
from .registry import (
    MAX_BACKOFF_SECONDS,
    MAX_ERROR_CHARS,
    POLL_SECONDS,
    Feed,
    FeedError,
    FeedRegistry,
    PollResult,
)

__all__ = [
    "MAX_BACKOFF_SECONDS",
    "POLL_SECONDS",
    "Feed",
    "FeedError",
    "FeedRegistry",
    "PollResult",
    "http_client",
    "poll",
    "poll_all",
]

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0
FEED_BUDGET_SECONDS = 120.0  # page fetches of one feed per poll; the rest waits
FETCH_DEADLINE_SECONDS = 30.0  # one feed or page, start to last byte, however slow the server
FEED_CONCURRENCY = 4  # feeds polled at once: a slow one holds up no other
MAX_REDIRECTS = 5
MAX_FEED_BYTES = 5_000_000
MAX_PAGE_BYTES = 5_000_000
MAX_NEW_ENTRIES = 50  # pages fetched per feed per poll
MAX_FEED_ENTRIES = 1_000  # entries of one feed document looked at
USER_AGENT = "newsbot/0.1 (news feed reader)"

_VIETNAM = dt.timezone(dt.timedelta(hours=7))

# ---- fetching ---------------------------------------------------------------------------


class FetchError(Exception):
    """A request that brought nothing usable; the message says why."""


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int
    url: str  # after redirects
    content: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


class FeedClient(httpx.Client):
    """An httpx client that remembers its proxy (fetch_bounded pins addresses around it)."""

    def __init__(self, *, proxy: str | None = None, **kwargs: Any):
        super().__init__(proxy=proxy, **kwargs)
        self.proxy_url = proxy


def http_client(timeout: float = TIMEOUT_SECONDS, proxy: str | None = None) -> FeedClient:
    """An HTTP client for polling: timeouts, redirects followed, our User-Agent, a proxy."""
    return FeedClient(
        timeout=httpx.Timeout(timeout),
        proxy=proxy,
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT},
    )


def fetch_bounded(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    limit: int,
    allow_private: bool = False,
) -> Fetched:
    """GET url, following redirects, reading at most limit bytes before a deadline.

    Each hop must pass check_target (public addresses only, unless allowed) and is sent to
    the very address that was checked.
    """
    deadline = Deadline(FETCH_DEADLINE_SECONDS)
    # a fresh connection per fetch, so that the deadline's timer is armed on its socket
    headers = {**headers, "Connection": "close"}
    try:
        for _ in range(MAX_REDIRECTS + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                raise FetchError("redirected away from http(s)")
            address = check_target(url, allow_private)
            if urlsplit(url).scheme == "https" and _tunnels(client):
                # an HTTP proxy's CONNECT tunnel takes TLS's name from the target: it must
                # stay the name, so the proxy resolves it (checked here all the same)
                address = None
            hop = pinned(url, address)
            with client.stream(
                "GET",
                hop.url,
                headers={**headers, **hop.headers},
                follow_redirects=False,
                extensions={"trace": deadline.trace, **hop.extensions},
            ) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                return _read(response, url, limit, deadline)
        raise FetchError(f"over {MAX_REDIRECTS} redirects")
    except FetchRefused as e:
        raise FetchError(str(e)) from None
    except httpx.TimeoutException:
        raise FetchError("timed out") from None
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        if deadline.expired:
            raise FetchError(f"took over {FETCH_DEADLINE_SECONDS:g} s") from None
        raise FetchError(f"{type(e).__name__}: {e}"[:MAX_ERROR_CHARS]) from None
    finally:
        deadline.close()


def _tunnels(client: httpx.Client) -> bool:
    """Whether the client's https requests go through an HTTP proxy's CONNECT tunnel."""
    proxy = getattr(client, "proxy_url", None) or ""
    return proxy.startswith(("http://", "https://"))


def _read(response: httpx.Response, url: str, limit: int, deadline: Deadline) -> Fetched:
    """The response's status, validators and at most limit bytes of its body (url: by name)."""
    fields = (
        url,
        response.headers.get("content-type", ""),
        response.headers.get("etag"),
        response.headers.get("last-modified"),
    )
    if response.status_code == 304:
        return Fetched(304, fields[0], b"", *fields[1:])
    if not 200 <= response.status_code < 300:
        raise FetchError(f"HTTP {response.status_code}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(f"over the {limit / 1e6:g} MB limit")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        deadline.check()
        size += len(chunk)
        if size > limit:
            raise FetchError(f"over the {limit / 1e6:g} MB limit")
        chunks.append(chunk)
    deadline.check()
    return Fetched(response.status_code, fields[0], b"".join(chunks), *fields[1:])


def poll(
    feed: Feed,
    client: httpx.Client,
    now: float,
    seen: Container[str] = frozenset(),
    *,
    allow_private: bool = False,
) -> PollResult:
    """Fetch a feed and the pages of its entries not in seen; errors come back in the result.

    The feed and its pages are fetched from public addresses only, unless allowed.
    """
    headers = {
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9,"
        " text/xml;q=0.9, */*;q=0.5"
    }
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        got = fetch_bounded(client, feed.url, headers, MAX_FEED_BYTES, allow_private)
    except FetchError as e:
        return PollResult(error=str(e))
    if got.status == 304:
        return PollResult(
            not_modified=True, title=feed.title, etag=feed.etag, last_modified=feed.last_modified
        )
    # A stream, never bytes or str: feedparser fetches URLs and opens file names it is given.
    parsed = feedparser.parse(
        io.BytesIO(got.content),
        response_headers={"content-location": got.url, "content-type": got.content_type},
    )
    if not parsed.get("version") and not parsed.entries:
        return PollResult(error=not_a_feed(parsed.get("bozo_exception")))
    title = bound(clean_line(text_of_html(parsed.feed.get("title") or "")), 200) or None
    # the outlet, never the feed's title ("Tin mới nhất - VnExpress RSS"): each page names
    # its own (index.outlets); entries without one take the feed's site
    site = http_link(parsed.feed.get("link"), got.url)
    source = outlet_name(site) or outlet_name(got.url) or host(site or got.url) or feed.url
    keys: dict[str, None] = {}  # ordered, unique
    articles: list[Article] = []
    fetched = 0
    deadline = time.monotonic() + FEED_BUDGET_SECONDS
    complete = True
    for entry in parsed.entries[:MAX_FEED_ENTRIES]:
        key = entry_key(entry)
        if key in seen or key in keys:
            keys[key] = None
            continue
        if fetched >= MAX_NEW_ENTRIES or time.monotonic() > deadline:
            complete = False
            continue
        fetched += 1
        article = _entry_article(entry, client, source, got.url, allow_private)
        keys[key] = None
        if article is not None:
            articles.append(article)
    return PollResult(
        articles=tuple(articles),
        title=title,
        # Left-over entries need the whole feed again next time, not a 304.
        etag=got.etag if complete else None,
        last_modified=got.last_modified if complete else None,
        entry_keys=tuple(keys),
        complete=complete,
    )


def not_a_feed(reason: object) -> str:
    """Why a document is no feed, said for people (not "<unknown>:2:0: syntax error")."""
    if isinstance(reason, SAXParseException):  # (feedparser's line numbers are its own)
        return f"not an RSS or Atom feed: broken XML ({reason.getMessage()})"
    return "not an RSS or Atom feed" + (f": {reason}" if reason else "")


def poll_all(
    registry: FeedRegistry,
    client: httpx.Client,
    now: float,
    *,
    sink: Callable[[list[Article]], object] | None = None,
    allow_private: bool = False,
    polled: Callable[[Feed, PollResult], object] | None = None,
) -> list[Article]:
    """Poll every due feed once, FEED_CONCURRENCY at a time; returns the new articles.

    A failing feed never raises. The sink, the registry and polled (told of each feed as it
    is done: a progress bar) are called from this thread only.
    """

    def fetch(feed: Feed, seen: set[str]) -> PollResult:
        try:
            return poll(feed, client, now, seen, allow_private=allow_private)
        except Exception as e:  # noqa: BLE001 - one feed's bug must not stop the others
            log.exception("polling feed #%d failed", feed.id)
            return PollResult(error=f"internal error: {type(e).__name__}: {e}")

    found: list[Article] = []
    with ThreadPoolExecutor(FEED_CONCURRENCY, thread_name_prefix="feed") as pool:
        running = {pool.submit(fetch, f, registry.seen(f.id)): f for f in registry.due(now)}
        for done in as_completed(running):
            feed, result = running[done], done.result()
            try:
                if sink is not None and result.articles:
                    sink(list(result.articles))
            except Exception as e:  # noqa: BLE001 - the entries stay unseen: fetched again
                log.exception("indexing feed #%d failed", feed.id)
                result = PollResult(error=f"internal error: {type(e).__name__}: {e}")
            try:
                registry.record(feed, result, now)
            except DatabaseError:
                log.exception("could not record the poll of feed #%d", feed.id)
                continue
            if result.error:
                log.info("feed #%d %s: %s", feed.id, feed.url, result.error)
            found.extend(result.articles)
            if polled is not None:
                polled(feed, result)
    return found


def _page_article(client: httpx.Client, url: str, allow_private: bool = False) -> Article | None:
    """Fetch and extract an article page; None when it fails or has no article text."""
    accept = {"Accept": "text/html,application/xhtml+xml"}
    try:
        got = fetch_bounded(client, url, accept, MAX_PAGE_BYTES, allow_private)
    except FetchError as e:
        log.info("page %s: %s", url, e)
        return None
    if got.content_type and "html" not in got.content_type.lower():
        return None
    return article_from_html(decode_page(got.content, got.content_type), got.url)


def _entry_article(
    entry: dict,
    client: httpx.Client,
    source: str,
    base: str,
    allow_private: bool = False,
) -> Article | None:
    """The entry's page as an article, else the entry's own title and summary."""
    link = http_link(entry.get("link"), base)
    published = entry_date(entry)
    image = entry_image(entry, base)
    if link is not None:
        page = _page_article(client, link, allow_private)
        if page is not None:
            return dataclasses.replace(
                page,
                published=page.published or published,
                source=page.source or source,
                image=page.image or image,
            )
    return summary_article(entry, source, link, published, image)
