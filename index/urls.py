"""The one rule for article links: absolute http(s), no spaces or controls, bounded length."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["MAX_URL_CHARS", "web_url"]

# Longer canonical URLs exist only to break things: a 9,000-character one made a reply
# "message is too long". Browsers and Telegram handle 2,000 everywhere.
MAX_URL_CHARS = 2_000


def web_url(url: str | None) -> str | None:
    """url if it is a link readers may follow (http or https, with a host), else None."""
    if not url or len(url) > MAX_URL_CHARS:
        return None
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and host else None
