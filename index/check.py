"""Verify a data folder's database and index segment, and rebuild what can be rebuilt."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from storage import Database, DatabaseError

from .integrity import CHECKSUMS, newest_segment, verify
from .segment_format import read_segment
from .vector_table import VectorTable
from .vectors import VectorFiles

if TYPE_CHECKING:
    from .store_seam import ArticleStore

__all__ = ["DataCheck", "check_data", "drop_vectors", "rebuild_index", "remove_leftovers"]


@dataclass(frozen=True, slots=True)
class DataCheck:
    """What was found in a data folder: the database, the current segment, leftovers."""

    found: bool  # newsbot.db exists
    database_error: str | None = None  # SQLite cannot read newsbot.db
    articles: int = 0  # live articles
    segment: str | None = None  # the current segment's name (none yet: served from terms)
    problem: str | None = None  # what is wrong with the segment
    unsealed: bool = False  # sound, but written by a version without checksums
    leftovers: tuple[str, ...] = ()  # names of the files of compactions that did not finish
    vectors: str | None = None  # what is wrong with the passage vectors (repair drops them)


def check_data(data_dir: Path, store: ArticleStore | None = None) -> DataCheck:
    """Check newsbot.db (read only), or a shared store, and the current segment against it."""
    data_dir = Path(data_dir)
    db = data_dir / "newsbot.db"
    if store is not None:  # PostgreSQL checks its own pages: read what the segment needs
        database, max_docno = store.database_id(), store.max_docno()
        live = store.counts()["articles"]
    elif not db.is_file():
        return DataCheck(found=False)
    else:
        try:
            database, max_docno, live = _database(db)
        except DatabaseError as e:
            return DataCheck(found=True, database_error=str(e))
    index_dir = data_dir / "index"
    current = _current(index_dir)
    problem, unsealed = None, False
    if current is not None:
        problem = _segment_problem(index_dir / current, database, max_docno)
        unsealed = problem is None and not (index_dir / current / CHECKSUMS).exists()
    elif (current := newest_segment(index_dir)) is not None:
        # not a leftover: the only segment, lost by its CURRENT; --repair rebuilds one
        problem = "CURRENT is missing: the segment is not in use (every open reads all terms)"
    leftovers = tuple(p.name for p in _leftovers(index_dir, current))
    vectors = _vectors(data_dir, store).problem(max_docno)
    return DataCheck(True, None, live, current, problem, unsealed, leftovers, vectors)


def rebuild_index(data_dir: Path, store: ArticleStore | None = None) -> str:
    """Rebuild the index segment from newsbot.db (or store); the new segment's name."""
    from .search import SearchIndex  # loads numpy and the analyzer: only when repairing

    index = SearchIndex.open(data_dir, store=store)
    try:
        if index.damage is None:  # found by the full checksum only: open did not rebuild
            index.compact()
        return (Path(data_dir) / "index" / "CURRENT").read_text().strip()
    finally:
        index.close()


def drop_vectors(data_dir: Path, store: ArticleStore | None = None) -> int:
    """Delete damaged passage vectors (the embedding queue makes them again); the chunks
    (the rows, in a shared store's table)."""
    return _vectors(data_dir, store).drop()


def _vectors(data_dir: Path, store: ArticleStore | None) -> VectorFiles | VectorTable:
    """Where the index of a data folder keeps its vectors (as SearchIndex decides)."""
    if store is not None and store.shared:
        return VectorTable(store.database)
    return VectorFiles(Path(data_dir) / "vectors")


def remove_leftovers(data_dir: Path) -> int:
    """Delete the files of compactions that did not finish; how many there were."""
    index_dir = Path(data_dir) / "index"
    found = _leftovers(index_dir, _current(index_dir))
    for path in found:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return len(found)


def _database(db: Path) -> tuple[str, int, int]:
    """The database's id, highest docno and live articles, read only; DatabaseError if damaged."""
    database = Database(db, read_only=True)
    try:
        verdict = database.quick_check()
        if verdict != "ok":
            raise DatabaseError(verdict)
        row = database.one("SELECT value FROM meta WHERE key='database'")
        (max_docno,) = database.one("SELECT coalesce(max(docno), 0) FROM articles") or (0,)
        (live,) = database.one("SELECT count(*) FROM articles WHERE deleted_seq IS NULL") or (0,)
    finally:
        database.close()
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
