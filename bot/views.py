"""One result as every renderer reads it (the view model), and the one rule for its link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from index import Article, Excerpt, Hit, web_url

__all__ = [
    "ResultView",
    "article_link",
    "article_links",
    "deep_link",
    "hit_views",
    "view_of",
    "web_links",
]


@dataclass(frozen=True, slots=True)
class ResultView:
    """A result as shown: title, link, outlet, date, excerpt and its spans, other outlets."""

    id: str
    title: str
    link: str | None  # the article's web page, else the bot's deep link, else none
    source: str | None  # the outlet
    published: dt.date | None
    excerpt: str = ""
    spans: tuple[tuple[int, int], ...] = ()  # (start, end) of the matched words in excerpt
    also: tuple[str, ...] = ()  # other outlets that ran the same story

    @property
    def marks(self) -> Excerpt:
        """The excerpt with its spans, as the markup reads it."""
        return Excerpt(self.excerpt, self.spans)


def deep_link(username: str, token: str) -> str:
    """A t.me link that opens an article in the bot."""
    return f"https://t.me/{username}?start={token}"


def article_link(article: Article, username: str, token: str) -> str:
    """Where an article's title links: its own web page, else the bot's deep link to it."""
    return web_url(article.url) or deep_link(username, token)


def article_links(articles: Sequence[Article], tokens: Sequence[str], username: str) -> list[str]:
    """article_link of each article, with the token of each."""
    return [article_link(a, username, t) for a, t in zip(articles, tokens, strict=True)]


def web_links(articles: Sequence[Article]) -> list[str | None]:
    """Each article's web page, where there is no bot to deep-link to (a terminal)."""
    return [web_url(a.url) for a in articles]


def view_of(
    article: Article, link: str | None, excerpt: Excerpt | None = None, also: Sequence[str] = ()
) -> ResultView:
    """An article as a result with this link (and the excerpt chosen for it)."""
    return ResultView(
        id=article.id,
        title=article.title,
        link=link,
        source=article.source,
        published=article.published,
        excerpt=excerpt.text if excerpt else "",
        spans=tuple(excerpt.spans) if excerpt else (),
        also=tuple(also),
    )


def hit_views(hits: Sequence[Hit], links: Sequence[str | None]) -> list[ResultView]:
    """Each hit as a result with its link."""
    return [
        view_of(h.article, link, h.excerpt, h.also) for h, link in zip(hits, links, strict=True)
    ]
