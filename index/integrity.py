"""Segments tied to their database: a checksum of every file, and the database they index.

``seal`` writes ``CHECKSUMS`` into a segment folder just written (size and CRC-32 of each
file, the database's id and the docno range). ``verify`` says what is wrong with a segment,
if anything: missing or resized files (cheap, on every open), changed bytes (``full``, for
``newsbot check``), or a database that is not the one the segment was built from (a
replaced or emptied ``newsbot.db``). A damaged segment is rebuilt from SQLite's stored
terms, which never needs pyvi.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

__all__ = ["CHECKSUMS", "newest_segment", "seal", "verify"]

CHECKSUMS = "CHECKSUMS"
_BLOCK = 1 << 20


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            crc = zlib.crc32(block, crc)
    return crc


def newest_segment(index_dir: Path) -> str | None:
    """The newest finished segment folder of an index directory, CURRENT or not."""
    try:
        names = [p.name for p in index_dir.iterdir() if p.is_dir()]
    except OSError:
        return None
    done = sorted(n for n in names if n.startswith("seg-") and not n.endswith(".tmp"))
    return done[-1] if done else None


def seal(directory: Path, database: str, upto: int) -> None:
    """Record size and CRC-32 of every file of a segment, and the database it indexes."""
    files = {
        p.name: [p.stat().st_size, _crc(p)]
        for p in sorted(directory.iterdir())
        if p.is_file() and p.name != CHECKSUMS
    }
    text = json.dumps({"database": database, "upto": upto, "files": files}, indent=1)
    with open(directory / CHECKSUMS, "wb") as f:
        f.write(text.encode())
        f.flush()
        os.fsync(f.fileno())


def verify(directory: Path, database: str, max_docno: int, *, full: bool = False) -> str | None:
    """What is wrong with a segment, or None. A segment from before checksums passes."""
    try:
        sealed = json.loads((directory / CHECKSUMS).read_text())
        files = sealed["files"]
    except FileNotFoundError:
        if not directory.is_dir():
            return f"the segment folder {directory.name} is missing"
        # written before segments were sealed: only its docno range can be compared
        try:
            upto = int(json.loads((directory / "segment.json").read_text())["upto"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            return f"segment.json is damaged ({type(e).__name__})"
        return "it indexes articles the database no longer has" if upto > max_docno + 1 else None
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"its checksum file is damaged ({type(e).__name__})"
    if sealed.get("database") != database:
        return "it was built from another newsbot.db (the database was replaced or emptied)"
    if int(sealed.get("upto", 0)) > max_docno + 1:
        return "it indexes articles the database no longer has"
    for name, (size, crc) in sorted(files.items()):
        path = directory / name
        try:
            actual = path.stat().st_size
        except OSError:
            return f"{name} is missing"
        if actual != size:
            return f"{name} has {actual:,} bytes instead of {size:,}"
        if full and _crc(path) != crc:
            return f"{name} has changed (checksum)"
    return None
