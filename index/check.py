"""`newsbot check`: verify the database and the index segment, and repair what can be."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path
from typing import TextIO

from .integrity import CHECKSUMS, verify
from .segment_files import read_segment

__all__ = ["cmd_check"]


def cmd_check(data_dir: Path, repair: bool = False, out: TextIO = sys.stdout) -> int:
    """Print what is sound and what is not; exit 1 while something is damaged."""
    data_dir = Path(data_dir)
    db = data_dir / "newsbot.db"
    if not db.is_file():
        print(f"no index in {data_dir} (newsbot.db is missing): nothing to check", file=out)
        return 1
    try:
        database, max_docno, live = _database(db)
    except sqlite3.DatabaseError as e:
        print(f"newsbot.db: damaged ({e})", file=out)
        print(
            "  SQLite cannot read it: restore a backup, or index the archive again into a new"
            " data folder (NEWSBOT_DATA_DIR)",
            file=out,
        )
        return 1
    print(f"newsbot.db: ok ({live:,} articles)", file=out)
    index_dir = data_dir / "index"
    current = _current(index_dir)
    problem = None
    if current is None:
        print("index segment: none yet (articles are served from newsbot.db's terms)", file=out)
    else:
        problem = _segment_problem(index_dir / current, database, max_docno)
        unsealed = problem is None and not (index_dir / current / CHECKSUMS).exists()
        state = problem or ("ok, no checksums (older version)" if unsealed else "ok")
        print(f"index segment {current}: {state}", file=out)
        if unsealed and repair:
            problem = "no checksums"
    leftovers = _leftovers(index_dir, current)
    if leftovers:
        names = ", ".join(p.name for p in leftovers[:5]) + (" ..." if len(leftovers) > 5 else "")
        print(f"leftovers of failed compactions: {len(leftovers)} ({names})", file=out)
    if not repair:
        if problem or leftovers:
            print("run `newsbot check --repair` to rebuild the index from newsbot.db", file=out)
        return 1 if problem else 0
    if problem is not None:
        from .search import SearchIndex  # loads numpy and the analyzer: only when repairing

        index = SearchIndex.open(data_dir)
        try:
            if index.damage is None:  # found by the full checksum only: open did not rebuild
                index.compact()
            name = (index_dir / "CURRENT").read_text().strip()
        finally:
            index.close()
        print(f"repaired: index segment {name} rebuilt from newsbot.db", file=out)
    for path in _leftovers(index_dir, _current(index_dir)):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if leftovers:
        print(f"removed {len(leftovers)} leftovers", file=out)
    return 0


def _database(db: Path) -> tuple[str, int, int]:
    """The database's id, highest docno and live articles, read only; DatabaseError if damaged."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (verdict,) = con.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise sqlite3.DatabaseError(verdict)
        row = con.execute("SELECT value FROM meta WHERE key='database'").fetchone()
        (max_docno,) = con.execute("SELECT coalesce(max(docno), 0) FROM articles").fetchone()
        (live,) = con.execute("SELECT count(*) FROM articles WHERE deleted_seq IS NULL").fetchone()
    finally:
        con.close()
    return (row[0] if row else ""), max_docno, live


def _segment_problem(folder: Path, database: str, max_docno: int) -> str | None:
    problem = verify(folder, database, max_docno, full=True)
    if problem is None:
        try:
            read_segment(folder)
        except (OSError, ValueError, EOFError, KeyError, IndexError, TypeError) as e:
            problem = f"unreadable ({type(e).__name__}: {e})"[:300]
    return problem


def _current(index_dir: Path) -> str | None:
    try:
        return (index_dir / "CURRENT").read_text().strip() or None
    except FileNotFoundError:
        return None


def _leftovers(index_dir: Path, current: str | None) -> list[Path]:
    """Folders and files of compactions that did not finish (or segments no longer current)."""
    if not index_dir.is_dir():
        return []
    return sorted(
        p
        for p in index_dir.iterdir()
        if p.name.endswith(".tmp") or (p.name.startswith("seg-") and p.name != current)
    )
