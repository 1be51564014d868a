"""An entry's picture: a feed enclosure, ``media:content`` or ``media:thumbnail`` image."""

from __future__ import annotations

from index import http_url

__all__ = ["entry_image"]

_IMAGE_ENDINGS = (".jpg", ".jpeg", ".png", ".webp", ".gif")


def entry_image(entry: dict, base: str) -> str | None:
    """The first image a feed entry carries, as an absolute http(s) URL."""
    candidates: list[tuple[object, str]] = []
    for enclosure in entry.get("enclosures") or []:
        candidates.append((enclosure.get("href") or enclosure.get("url"), enclosure.get("type")))
    for media in entry.get("media_content") or []:
        kind = media.get("type") or ("image/" if media.get("medium") == "image" else "")
        candidates.append((media.get("url"), kind))
    for thumb in entry.get("media_thumbnail") or []:
        candidates.append((thumb.get("url"), "image/"))
    for url, kind in candidates:
        link = http_url(url, base)
        if link is None:
            continue
        kind = (kind or "").lower()
        # an enclosure without a type is an image when its name says so
        if kind.startswith("image/") or (
            not kind and link.lower().split("?")[0].endswith(_IMAGE_ENDINGS)
        ):
            return link
    return None
