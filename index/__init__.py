"""Pure search over a Vietnamese news archive: reading, analysis, BM25, excerpts.

The names below are the index's public API: bot/ imports these and nothing else
(tests/test_boundaries.py checks it). They load on first use, so importing one module
of the package does not import all of it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_EXPORTS = {
    "Article": "models",
    "Excerpt": "models",
    "Hit": "models",
    "SearchResult": "models",
    "Progress": "progress",
    "SearchIndex": "search",
    "Store": "sql_store",
    "ExactNotServed": "firststage",
    "MAX_DEPTH": "search",
    "MAX_QUERY_CHARS": "search",
    "normalize": "normalize",
    "clean_input": "normalize",
    "INVISIBLE": "normalize",
    "web_url": "urls",
    "UnknownSource": "outlets",
    "resolve": "outlets",
    "missing_sources": "outlets",
    "outlet_name": "outlets",
    "page_hits": "pages",
    "Clause": "topics",
    "Topic": "topics",
    "TopicError": "topics",
    "TopicIndex": "topics",
    "ArticleText": "topics",
    "parse_topic": "topics",
    "passage": "topics",
    "ingest": "ingest",
    "DataCheck": "check",
    "check_data": "check",
    "drop_vectors": "check",
    "rebuild_index": "check",
    "remove_leftovers": "check",
    # reading pages and text: feeds/ reads its entries and pages with these
    "MAX_URL_CHARS": "urls",
    "MAX_BODY_CHARS": "sources.text",
    "MAX_TITLE_CHARS": "sources.text",
    "DecodeError": "sources.text",
    "bound": "sources.text",
    "clean_line": "sources.text",
    "clean_text": "sources.text",
    "title_text": "sources.text",
    "body_text": "sources.text",
    "content_id": "sources.archive",
    "url_id": "sources.archive",
    "host": "sources.archive",
    "article_from_html": "sources.html",
    "decode_html": "sources.html",
    "http_url": "sources.html",
}

__all__ = [
    "Article",
    "ArticleText",
    "Clause",
    "DataCheck",
    "DecodeError",
    "ExactNotServed",
    "Excerpt",
    "Hit",
    "INVISIBLE",
    "MAX_BODY_CHARS",
    "MAX_DEPTH",
    "MAX_QUERY_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_URL_CHARS",
    "Progress",
    "SearchIndex",
    "SearchResult",
    "Store",
    "Topic",
    "TopicError",
    "TopicIndex",
    "UnknownSource",
    "article_from_html",
    "body_text",
    "bound",
    "check_data",
    "clean_input",
    "clean_line",
    "clean_text",
    "content_id",
    "decode_html",
    "drop_vectors",
    "host",
    "http_url",
    "ingest",
    "missing_sources",
    "normalize",
    "outlet_name",
    "page_hits",
    "parse_topic",
    "passage",
    "rebuild_index",
    "remove_leftovers",
    "resolve",
    "title_text",
    "url_id",
    "web_url",
]


# These share their module's name: importing the module would shadow a lazy name with the
# module itself, so they are bound now.
from .ingest import ingest  # noqa: E402
from .normalize import normalize  # noqa: E402


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next lookup is an ordinary one
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from .check import DataCheck, check_data, drop_vectors, rebuild_index, remove_leftovers
    from .firststage import ExactNotServed
    from .models import Article, Excerpt, Hit, SearchResult
    from .normalize import INVISIBLE, clean_input
    from .outlets import UnknownSource, missing_sources, outlet_name, resolve
    from .pages import page_hits
    from .progress import Progress
    from .search import MAX_DEPTH, MAX_QUERY_CHARS, SearchIndex
    from .sources.archive import content_id, host, url_id
    from .sources.html import article_from_html, decode_html, http_url
    from .sources.text import (
        MAX_BODY_CHARS,
        MAX_TITLE_CHARS,
        DecodeError,
        body_text,
        bound,
        clean_line,
        clean_text,
        title_text,
    )
    from .sql_store import Store
    from .topics import ArticleText, Clause, Topic, TopicError, TopicIndex, parse_topic, passage
    from .urls import MAX_URL_CHARS, web_url
