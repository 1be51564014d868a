"""Readers that turn archive files, JSON Lines, CSV and HTML pages into Articles.

Bad input never raises: each unreadable file, line or row becomes a ``Failure`` saying
which one and why, and reading goes on with the rest.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..models import Article, Failure
from .archive import parse_date, read_archive
from .html import article_from_html, read_html
from .records import read_csv, read_jsonl
from .text import (
    MAX_ARTICLE_BYTES,
    MAX_BODY_CHARS,
    MAX_RECORD_BYTES,
    MAX_TITLE_CHARS,
    DecodeError,
    clean_text,
    decode_bytes,
)

__all__ = [
    "MAX_ARTICLE_BYTES",
    "MAX_BODY_CHARS",
    "MAX_RECORD_BYTES",
    "MAX_TITLE_CHARS",
    "SUFFIXES",
    "DecodeError",
    "article_from_html",
    "clean_text",
    "decode_bytes",
    "discover",
    "parse_date",
    "read_file",
]

Reader = Callable[[Path], Iterator[Article | Failure]]

# Longest first, so that ".jsonl.gz" wins over a shorter match.
_READERS: dict[str, Reader] = {
    ".jsonl.gz": read_jsonl,
    ".ndjson.gz": read_jsonl,
    ".json.gz": read_jsonl,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".json": read_jsonl,
    ".html": read_html,
    ".htm": read_html,
    ".csv": read_csv,
    ".txt": read_archive,
}
SUFFIXES: tuple[str, ...] = tuple(_READERS)

_SNIFF_BYTES = 65_536


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[Failure]]:
    """Expand files and folders into the files to read, and failures for the paths that are not."""
    found: list[Path] = []
    failures: list[Failure] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(_walk(path, failures))
        elif path.is_file():
            # Named explicitly, so an unknown extension gets a chance if it is text.
            if _suffix(path) or _looks_like_text(path):
                found.append(path)
            else:
                failures.append(Failure(str(given), f"unsupported file type {path.suffix!r}"))
        elif path.exists():
            failures.append(Failure(str(given), "not a regular file or folder"))
        elif path.is_symlink():
            failures.append(
                Failure(str(given), "a symbolic link that leads nowhere (or to itself)")
            )
        else:
            failures.append(Failure(str(given), "no such file or folder"))
    # A file may be named twice, or both alone and inside a folder: read it once.
    unique: dict[Path, Path] = {}
    for path in found:
        try:
            unique.setdefault(path.resolve(strict=True), path)
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
            failures.append(Failure(path.name, "a symbolic link that leads nowhere (or to itself)"))
    return list(unique.values()), failures


def read_file(path: Path) -> Iterator[Article | Failure]:
    """Read one file as its extension says (unknown: archive text); never raises for bad input."""
    path = Path(path)
    reader = _READERS.get(_suffix(path) or ".txt", read_archive)
    try:
        yield from reader(path)
    except DecodeError as e:
        yield Failure(path.name, str(e))
    except OSError as e:
        yield Failure(path.name, f"cannot read the file: {e.strerror or e}")


def _suffix(path: Path) -> str | None:
    """The supported suffix path ends with, if any."""
    name = path.name.lower()
    return next((suffix for suffix in _READERS if name.endswith(suffix)), None)


def _walk(folder: Path, failures: list[Failure]) -> list[Path]:
    """Supported, non-hidden files under folder, recursively, sorted by path."""

    def unreadable(error: OSError) -> None:
        failures.append(Failure(str(error.filename), f"cannot read the folder: {error.strerror}"))

    found = []
    for root, dirs, files in os.walk(folder, onerror=unreadable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # also prunes the walk
        found.extend(Path(root, name) for name in files if not name.startswith("."))
    return sorted(path for path in found if _suffix(path))


def _looks_like_text(path: Path) -> bool:
    """Whether the start of a file decodes as text (an empty file counts: reading says so)."""
    try:
        with path.open("rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError:
        return True  # reading it will report why it cannot be read
    if not head.strip():
        return True
    # The sniffed block may end inside a character; try dropping up to 3 bytes.
    for cut in range(4) if len(head) == _SNIFF_BYTES else range(1):
        try:
            decode_bytes(head[: len(head) - cut])
        except DecodeError:
            continue
        return True
    return False
