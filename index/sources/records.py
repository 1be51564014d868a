"""JSON Lines (plain or gzip'd) and CSV files: one article per line or row, streamed.

Both carry the corpus schema: id, title, url, published, source, category, body. A bad
line or row becomes a Failure named ``"file.jsonl:LINE"`` and reading goes on.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..models import Article, Failure
from .archive import content_id, cut_boilerplate, parse_date, strip_ui_prefix, url_id
from .jsonarray import array_items, text_encoding
from .text import (
    MAX_RECORD_BYTES,
    DecodeError,
    body_text,
    clean_line,
    decode_bytes,
    title_text,
)

COLUMNS = ("id", "title", "url", "published", "source", "category", "body")

_TOO_BIG = f"record is over the {MAX_RECORD_BYTES / 1e6:g} MB limit"
# Errors of a corrupt or cut-off gzip stream, met mid-file.
_STREAM_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, UnicodeDecodeError)


def read_jsonl(path: Path) -> Iterator[Article | Failure]:
    """Read JSON Lines (.jsonl, .ndjson, .json, gzip'd or not), one article per line."""
    if path.name.lower().endswith(".json"):
        document = _json_document(path)
        if document is not None:
            yield from _counted(path, document)
            return
    yield from _counted(path, _json_lines(path))


def _json_lines(path: Path) -> Iterator[Article | Failure]:
    last = 0
    with _open(path) as stream:
        try:
            for last, text, problem in _lines(stream):
                origin, where = f"{path.name}:{last}", f"line {last}"
                if problem is not None:
                    yield Failure(origin, f"{where}: {problem}")
                elif text.strip():
                    record, problem = _parse_json(text.strip())
                    yield (
                        _article(record, origin, where)
                        if problem is None
                        else Failure(origin, f"{where}: {problem}")
                    )
        except _STREAM_ERRORS as e:
            yield Failure(path.name, f"data broken after line {last}: {e}")


def _counted(path: Path, items: Iterator[Article | Failure]) -> Iterator[Article | Failure]:
    """items, then a failure naming the file if there were none: no file is skipped silently."""
    empty = True
    for item in items:
        empty = False
        yield item
    if empty:
        yield Failure(path.name, "no records: the file is empty or holds only blank lines")


def read_csv(path: Path) -> Iterator[Article | Failure]:
    """Read a CSV file with a header row naming the corpus columns, one article per row."""
    yield from _counted(path, _csv_rows(path))


def _csv_rows(path: Path) -> Iterator[Article | Failure]:
    # Never lower a limit someone else raised; the bound is in characters, close enough.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_BYTES))
    problems: dict[int, str] = {}
    done = 0
    with _open(path) as stream:

        def feed() -> Iterator[str]:
            for number, text, problem in _lines(stream):
                if problem is not None:
                    problems[number] = problem
                # A bad line still counts as a line, so reader.line_num stays physical;
                # its structure (quotes, line end) stays, its record is reported failed.
                yield text if problem is None or text else "\n"

        reader = csv.reader(feed())
        header: list[str] | None = None
        try:
            while True:
                start = done + 1
                origin, where = f"{path.name}:{start}", f"line {start}"
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as e:
                    done = reader.line_num
                    yield Failure(origin, f"{where}: {e}")
                    continue
                done = reader.line_num
                trouble = [problems.pop(n) for n in sorted(problems) if n <= done]
                if trouble:
                    yield Failure(origin, f"{where}: {trouble[0]}")
                elif not any(field.strip() for field in row):
                    continue
                elif header is None:
                    header = [name.strip().lower() for name in row]
                    missing = [c for c in ("title", "body") if c not in header]
                    if missing:
                        yield Failure(
                            path.name,
                            f"CSV header has no {', '.join(missing)} column "
                            f"(found: {', '.join(header)})",
                        )
                        return
                elif len(row) > len(header):
                    yield Failure(
                        origin, f"{where}: {len(row)} fields but the header has {len(header)}"
                    )
                elif sum(map(len, row)) > MAX_RECORD_BYTES:
                    yield Failure(origin, f"{where}: {_TOO_BIG}")
                else:
                    yield _article(dict(zip(header, row, strict=False)), origin, where)
        except _STREAM_ERRORS as e:
            yield Failure(path.name, f"data broken after line {done}: {e}")


@contextmanager
def _open(path: Path) -> Iterator[BinaryIO]:
    """Open path for binary reading, unzipping it if it is gzip data whatever its name."""
    with path.open("rb") as raw:
        if raw.peek(2)[:2] == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=raw) as unzipped:
                yield unzipped
        else:
            yield raw


def _lines(stream: BinaryIO) -> Iterator[tuple[int, str, str | None]]:
    """Yield (line number, text, problem) per physical line, each at most one record long."""
    utf16 = stream.peek(2)[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    source = io.TextIOWrapper(stream, encoding="utf-16", newline="") if utf16 else stream
    number = 0
    while raw := source.readline(MAX_RECORD_BYTES + 1):
        number += 1
        if len(raw) > MAX_RECORD_BYTES and raw[-1:] not in ("\n", b"\n"):
            # Skip the rest of the line without ever holding it whole.
            while raw and raw[-1:] not in ("\n", b"\n"):
                raw = source.readline(MAX_RECORD_BYTES + 1)
            yield number, "", _TOO_BIG
            continue
        if isinstance(raw, str):
            text, problem = raw, None
        else:
            text, problem = _decode_line(raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw)
        if problem is None and "\x00" in text:
            text, problem = "", "binary data (NUL bytes)"
        yield number, text, problem


def _decode_line(raw: bytes) -> tuple[str, str | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        # the text with its bad bytes replaced keeps the line's quotes and commas: a CSV
        # record spanning lines fails alone instead of swallowing the records after it
        text = raw.decode("utf-8", "replace")
        return text, f"not UTF-8 text (byte 0x{raw[e.start]:02x} at column {e.start + 1})"


def _parse_json(text: str) -> tuple[object, str | None]:
    """Parse one JSON value, or say why not, telling a cut-off line from a malformed one."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as e:
        cut = e.pos >= len(text) or e.msg.startswith("Unterminated")
        return None, f"{'truncated' if cut else 'invalid'} JSON: {e.msg} (column {e.colno})"
    except RecursionError:
        return None, "invalid JSON: nested too deeply"


def _json_document(path: Path) -> Iterator[Article | Failure] | None:
    """The records of a .json file holding one array or object, or None to read it as lines."""
    try:
        with _open(path) as stream:
            head = stream.peek(4096)[:4096]
    except _STREAM_ERRORS as e:
        return iter([Failure(path.name, f"data broken at the start: {e}")])
    encoding = text_encoding(head)
    try:
        start = head.decode(encoding, "ignore").lstrip("\ufeff \t\r\n")[:1]
    except LookupError:
        return None
    if start == "[":
        return _json_array(path, encoding)
    if start != "{" or path.stat().st_size > MAX_RECORD_BYTES:
        return None  # JSON Lines, or bad data that the line reader names
    try:
        text = decode_bytes(path.read_bytes()).strip()
        document = json.loads(text)
    except (DecodeError, json.JSONDecodeError, RecursionError):
        return None  # JSON Lines: every line an object
    return iter([_article(document, f"{path.name}:1", "item 1")])


def _json_array(path: Path, encoding: str) -> Iterator[Article | Failure]:
    with _open(path) as stream, io.TextIOWrapper(stream, encoding=encoding) as text:
        number = 0
        try:
            for line, item, problem in array_items(text):
                if problem is not None:
                    yield Failure(path.name, f"line {line}: {problem}")
                    return
                number += 1
                yield _article(item, f"{path.name}:{number}", f"item {number}")
        except _STREAM_ERRORS as e:
            yield Failure(path.name, f"data broken after item {number}: {e}")


def _article(record: object, origin: str, where: str) -> Article | Failure:
    """Turn one decoded record into an Article, or a Failure saying which field is wrong."""
    if not isinstance(record, Mapping):
        return Failure(origin, f"{where}: not a JSON object (got {type(record).__name__})")
    try:
        fields = {key: _text(record.get(key), key) for key in COLUMNS}
    except TypeError as e:
        return Failure(origin, f"{where}: {e}")
    title = title_text(fields["title"] or "")
    if not title:
        return Failure(origin, f"{where}: missing title")
    body = body_text(fields["body"] or "")
    # exports of crawls keep the sites' furniture too ("Lưu bài viết thành công…", "Nguồn: …")
    body = "\n".join(cut_boilerplate(strip_ui_prefix(body.split("\n")))[0])
    if not body:
        return Failure(origin, f"{where}: missing body")
    url, source, category, given_id = (
        clean_line(fields[key] or "") or None for key in ("url", "source", "category", "id")
    )
    published = parse_date(fields["published"])
    return Article(
        id=given_id or (url_id(url) if url else content_id(source, title, published)),
        title=title,
        body=body,
        url=url,
        published=published,
        source=source,
        category=category,
    )


def _text(value: object, key: str) -> str | None:
    """A field as text: strings as is, numbers (ids) spelled out, a list of paragraphs joined."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "\n".join(value)
    raise TypeError(f"{key} is not text (got {type(value).__name__})")
