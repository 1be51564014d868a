"""A ``.json`` array of records read one item at a time, never the whole document at once."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import TextIO

from .text import MAX_RECORD_BYTES, bomless_utf16

CHUNK_CHARS = 65_536
_GAP = re.compile(r"[\s,]*")  # between items: whitespace and the separating commas
_TOO_BIG = f"record is over the {MAX_RECORD_BYTES / 1e6:g} MB limit"


def text_encoding(head: bytes) -> str:
    """The codec of a JSON file from its first bytes: a BOM, BOM-less UTF-16, else UTF-8."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return bomless_utf16(head) or "utf-8-sig"


def array_items(text: TextIO) -> Iterator[tuple[int, object, str | None]]:
    """(line, item, None) per item of the JSON array text holds, or (line, None, problem).

    A problem ends the array: after a malformed item there is no telling where the next
    one starts. Memory stays within about two items (each at most MAX_RECORD_BYTES).
    """
    decoder = json.JSONDecoder()
    buf, pos, eof = "", 0, False
    line, mark = 1, 0  # the line number at buf[mark]: counted forward, never twice

    def line_at(at: int) -> int:
        nonlocal line, mark
        line += buf.count("\n", mark, at)
        mark = at
        return line

    def more(size: int = CHUNK_CHARS) -> bool:
        nonlocal buf, pos, mark, eof
        got = text.read(size)
        eof = not got
        line_at(pos)
        buf, pos, mark = buf[pos:] + got, 0, 0
        return bool(got)

    more()
    pos = _GAP.match(buf).end()  # a leading "," is not valid, but harmless to skip
    if buf[pos : pos + 1] != "[":
        yield line_at(pos), None, "not a JSON array"
        return
    pos += 1
    while True:
        pos = _GAP.match(buf, pos).end()
        if pos >= len(buf):
            if more():
                continue
            yield line_at(pos), None, "truncated JSON: the array is never closed"
            return
        if buf[pos] == "]":
            return
        try:
            item, end = decoder.raw_decode(buf, pos)
        except json.JSONDecodeError as e:
            cut = e.pos >= len(buf) or e.msg.startswith("Unterminated")
            if not cut:
                yield line_at(e.pos), None, f"invalid JSON: {e.msg} (column {e.colno})"
                return
            if len(buf) - pos > MAX_RECORD_BYTES:
                yield line_at(pos), None, _TOO_BIG
                return
            # read as much again as is buffered: a long item costs linear time, not quadratic
            if not more(max(CHUNK_CHARS, len(buf) - pos)):
                yield (
                    line_at(min(e.pos, len(buf))),
                    None,
                    f"truncated JSON: {e.msg} (column {e.colno})",
                )
                return
            continue
        except RecursionError:
            yield line_at(pos), None, "invalid JSON: nested too deeply"
            return
        if end >= len(buf) and not eof:
            more()  # a number cut by the chunk's end would parse as a shorter one
            continue
        yield line_at(pos), item, None
        pos = end
