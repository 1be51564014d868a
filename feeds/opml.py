"""OPML, the file feed readers exchange their feeds in: `newsbot feeds import|export`.

``export_opml(feeds)`` writes OPML 2.0 with one ``<outline type="rss" xmlUrl=…>`` per feed;
``read_opml(data)`` returns the (url, title) of every outline with an ``xmlUrl``, at any
depth (readers put feeds in folders). The file is parsed by lxml with entities, DTDs and
the network off, in whatever encoding it declares (UTF-8, UTF-16, UTF-32...), and refused
when it declares a DTD: no entity is ever expanded. Every field is bounded: the file's
size, outlines, depth, a title's and a URL's length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from xml.sax.saxutils import quoteattr

from lxml import etree

from index import MAX_URL_CHARS, bound, clean_line

from .poll import Feed

__all__ = ["MAX_OPML_BYTES", "MAX_OUTLINES", "OpmlError", "export_opml", "read_opml"]

MAX_OPML_BYTES = 5_000_000
MAX_OUTLINES = 10_000
MAX_DEPTH = 20
MAX_TITLE_CHARS = 200


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
    """(xmlUrl, title) of every feed outline; OpmlError when the file cannot be read.

    A URL over MAX_URL_CHARS comes back cut one character past it, so that adding it fails
    with its own reason while the file's megabytes are not kept.
    """
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"the file is over {MAX_OPML_BYTES / 1e6:g} MB")
    root = _parse(data)
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
        url = bound(clean_line(node.get("xmlUrl") or node.get("xmlurl") or ""), MAX_URL_CHARS + 1)
        if url:
            raw = node.get("title") or node.get("text") or ""
            title = bound(clean_line(raw[: MAX_TITLE_CHARS * 4]), MAX_TITLE_CHARS)
            found.setdefault(url, title if title and title != url else None)
        children = [c for c in node if c.tag == "outline"]
        count += len(children)
        if count > MAX_OUTLINES:
            raise OpmlError(f"over {MAX_OUTLINES:,} outlines")
        stack.extend((c, depth + 1) for c in reversed(children))
    return list(found.items())


def _parse(data: bytes) -> etree._Element:
    """The document's root, parsed without DTD, entities or network; OpmlError otherwise."""
    parser = etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as e:
        raise OpmlError(f"not well-formed XML: {e}") from None
    if root is None:
        raise OpmlError("not well-formed XML: the document is empty")
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise OpmlError("the file declares a DTD or entities, which OPML never needs")
    if not isinstance(root.tag, str):
        raise OpmlError("not well-formed XML: no root element")
    return root
