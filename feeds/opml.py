"""OPML, the file feed readers exchange their feeds in: `newsbot feeds import|export`.

``export_opml(feeds)`` writes OPML 2.0 with one ``<outline type="rss" xmlUrl=…>`` per feed;
``read_opml(data)`` returns the (url, title) of every outline with an ``xmlUrl``, at any
depth (readers put feeds in folders). The file is bounded in size and depth, and refused
when it declares a DTD or entities (no entity expansion ever runs).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from xml.sax.saxutils import quoteattr

from .poll import Feed

__all__ = ["MAX_OPML_BYTES", "MAX_OUTLINES", "OpmlError", "export_opml", "read_opml"]

MAX_OPML_BYTES = 5_000_000
MAX_OUTLINES = 10_000
MAX_DEPTH = 20


class OpmlError(ValueError):
    """A file that is not OPML we can read; the message says why."""


def export_opml(feeds: Iterable[Feed], title: str = "newsbot feeds") -> str:
    """Feeds as an OPML 2.0 document."""
    when = dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_text(title)}</title><dateCreated>{when}</dateCreated></head>",
        "  <body>",
    ]
    for feed in feeds:
        name = feed.title or feed.url
        lines.append(
            f'    <outline type="rss" text={quoteattr(name)} title={quoteattr(name)}'
            f" xmlUrl={quoteattr(feed.url)}/>"
        )
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def read_opml(data: bytes) -> list[tuple[str, str | None]]:
    """(xmlUrl, title) of every feed outline; OpmlError when the file cannot be read."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"the file is over {MAX_OPML_BYTES / 1e6:g} MB")
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise OpmlError("the file declares a DTD or entities, which OPML never needs")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise OpmlError(f"not well-formed XML: {e}") from None
    if root.tag != "opml":
        raise OpmlError(f"the root element is <{root.tag}>, not <opml>")
    body = root.find("body")
    if body is None:
        raise OpmlError("the file has no <body>")
    found: dict[str, str | None] = {}
    stack = [(body, 0)]
    count = 0
    while stack:  # depth first, in document order
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise OpmlError(f"outlines nested over {MAX_DEPTH} deep")
        url = (node.get("xmlUrl") or node.get("xmlurl") or "").strip()
        if url:
            title = (node.get("title") or node.get("text") or "").strip()
            found.setdefault(url, title if title and title != url else None)
        children = [c for c in node if c.tag == "outline"]
        count += len(children)
        if count > MAX_OUTLINES:
            raise OpmlError(f"over {MAX_OUTLINES:,} outlines")
        stack.extend((c, depth + 1) for c in reversed(children))
    return list(found.items())
