"""How an article is kept: its analyzed terms, packed, and a digest of its content."""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from dataclasses import dataclass

from .models import Article

__all__ = ["StoredDoc", "date_of", "digest", "pack_terms", "unpack_terms"]


@dataclass(frozen=True, slots=True)
class StoredDoc:
    """An article's number and analyzed terms as kept in the database."""

    docno: int
    title_terms: list[str]
    body_terms: list[str]
    published: dt.date | None


def digest(article: Article) -> str:
    """Content hash: an article whose digest changed is an edit."""
    parts = (
        article.title,
        article.body,
        article.url or "",
        str(article.published or ""),
        article.source or "",
        article.category or "",
    )
    # the picture counts only when there is one: archives indexed before it stay unchanged
    if article.image:
        parts += (article.image,)
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def pack_terms(title_terms: list[str], body_terms: list[str]) -> bytes:
    """Terms as stored: two space-joined lines, compressed."""
    return zlib.compress((" ".join(title_terms) + "\n" + " ".join(body_terms)).encode(), 3)


def unpack_terms(blob: bytes) -> tuple[list[str], list[str]]:
    """Inverse of pack_terms."""
    title, _, body = zlib.decompress(blob).decode().partition("\n")
    return title.split(), body.split()


def date_of(value: str | None) -> dt.date | None:
    """A stored ISO date, or None."""
    return dt.date.fromisoformat(value) if value else None
