"""Frozen records that cross the index's boundary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as read from an archive, a feed or a page."""

    id: str
    title: str
    body: str  # paragraphs joined by "\n", boilerplate already cut
    url: str | None = None
    published: dt.date | None = None
    source: str | None = None  # outlet: "Báo Diễn đàn doanh nghiệp", "vnexpress.net", ...
    category: str | None = None
    image: str | None = None  # http(s) URL of its picture: og:image, a feed enclosure


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be read: which one and why."""

    origin: str  # file name, or "file.jsonl:17" for one line of a file
    reason: str


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A passage of an article and the spans of the matched words in it."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()  # (start, end) offsets into text


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked article for a query."""

    article: Article
    score: float
    excerpt: Excerpt
    also: tuple[str, ...] = ()  # other outlets that ran the same story


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The hits of one query page, with what was actually searched."""

    query: str
    hits: tuple[Hit, ...]
    total: int  # articles that matched at all
    offset: int = 0
    folded: bool = False  # the query had no diacritics and was matched accent-insensitively
    date_from: dt.date | None = None  # the period the question asked about, if any
    date_to: dt.date | None = None
    # no article holds most of the question's important words: the hits are partial matches
    partial: bool = False
    # the question named a period and no good answer is dated in it (relevance order kept)
    period_empty: bool = False
    total_capped: bool = False  # OpenSearch counted this many and stopped: "1,000+"


@dataclass(frozen=True, slots=True)
class AddReport:
    """What one add() did."""

    added: int
    updated: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Size and shape of the index, for `newsbot stats`."""

    articles: int
    sources: tuple[tuple[str, int], ...]
    first: str | None
    last: str | None
    terms: int
    segment_docs: int
    delta_docs: int
    index_bytes: int
    database_bytes: int
    search: str = "embedded"  # what ranks: the embedded engine, or an OpenSearch cluster
    undated: int = 0  # articles without a date: outside every period a question names
    vectors: int = 0  # live articles with a lead vector (the semantic stage's coverage)
    windows: int = 0  # live articles with their passage windows embedded too
    semantic: str = "off"  # the encoder that embeds questions, or "off"
