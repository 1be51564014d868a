"""Bytes to clean text: encoding detection, size bounds and the cleaning all readers share."""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from ..normalize import INVISIBLE

MAX_ARTICLE_BYTES = 10_000_000  # one .txt or .html file holds one article
MAX_RECORD_BYTES = 2_000_000  # one JSON line or CSV row
MAX_TITLE_CHARS = 500
MAX_BODY_CHARS = 1_000_000

# UTF-32 first: its little-endian mark starts with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)

# Line-like separators become newlines; invisible characters go (normalize.INVISIBLE).
# (Regexes: str.translate with a table is several times slower.)
_LINE_BREAKS = re.compile(r"\r\n?|[\v\f\x85\u2028\u2029]")


class DecodeError(ValueError):
    """Input that is not text this package reads; the message is the reason."""


def megabytes(size: int) -> str:
    """Format a byte count the way failures report it: "104.9 MB"."""
    return f"{size / 1e6:.1f} MB"


def read_bounded(path: Path, limit: int = MAX_ARTICLE_BYTES) -> bytes:
    """Read a whole one-article file, refusing empty files and files over limit."""
    size = path.stat().st_size
    if size > limit:
        raise DecodeError(
            f"file is {megabytes(size)}, over the {limit / 1e6:g} MB limit for one article"
        )
    with path.open("rb") as f:
        data = f.read(limit + 1)  # the file may have grown since stat
    if len(data) > limit:
        raise DecodeError(f"file is over the {limit / 1e6:g} MB limit for one article")
    if not data.strip():
        raise DecodeError("empty file")
    return data


def decode_bytes(data: bytes) -> str:
    """Decode UTF-8 (BOM optional) or UTF-16/32 (BOM, or BOM-less UTF-16); raise DecodeError."""
    if not data:
        raise DecodeError("empty file")
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as e:
                raise DecodeError(f"not valid {label} text despite its byte-order mark") from e
            break
    else:
        if b"\x00" in data:
            codec = bomless_utf16(data)
            try:
                text = data.decode(codec or "")
            except (LookupError, UnicodeDecodeError) as e:
                raise DecodeError("binary file (NUL bytes)") from e
            # Binary data can have the same NUL pattern; text has no stray control chars.
            if any(c < " " and c not in "\t\n\r\v\f" for c in text[:4096]):
                raise DecodeError("binary file (NUL bytes)")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DecodeError(
                    f"not UTF-8 or UTF-16 text (byte 0x{data[e.start]:02x} at offset {e.start})"
                ) from e
    if "\x00" in text:
        raise DecodeError("binary file (NUL bytes)")
    return text


def bomless_utf16(data: bytes) -> str | None:
    """Name the UTF-16 byte order of BOM-less data, or None if it does not look like UTF-16."""
    sample = data[: 4096 & ~1]
    half = len(sample) // 2
    if len(data) % 2 or not half:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    # Text in UTF-16 has NULs in the high byte of every ASCII letter, space and digit,
    # so one byte position is full of them and the other has almost none.
    if odd >= half // 5 and even <= half // 100:
        return "utf-16-le"
    if even >= half // 5 and odd <= half // 100:
        return "utf-16-be"
    return None


def clean_text(s: str) -> str:
    """Normalise text to NFC paragraphs joined by "\\n": no control or zero-width chars, no blanks."""
    s = INVISIBLE.sub("", _LINE_BREAKS.sub("\n", s))
    s = unicodedata.normalize("NFC", s)
    return "\n".join(line for line in (raw.strip() for raw in s.split("\n")) if line)


def clean_line(s: str) -> str:
    """Clean a one-line field (title, source): like clean_text, with lines joined by spaces."""
    return " ".join(clean_text(s).split("\n"))


def bound(s: str, limit: int) -> str:
    """Cut s to at most limit characters."""
    return s if len(s) <= limit else s[:limit].rstrip()


def title_text(s: str) -> str:
    """An article's title as every reader keeps it: one clean line of MAX_TITLE_CHARS at most."""
    return bound(clean_line(s), MAX_TITLE_CHARS)


def body_text(s: str) -> str:
    """An article's body as every reader keeps it: clean paragraphs, MAX_BODY_CHARS at most."""
    return bound(clean_text(s), MAX_BODY_CHARS)
