"""Segments: the postings on disk plus the live delta beside them; load, refresh, compact.

An index directory holds one segment folder per compaction and a CURRENT file naming the live
one. What a load builds (Loaded) is swapped in whole, under the lock, so searches never see
half of it; refresh() brings in what other processes wrote since, in small steps.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bm25 import BM25Params, FieldPostings
from .fields import FIELDS, field_terms, unit
from .integrity import newest_segment, seal, verify
from .segment_format import FORMAT_VERSION, SegmentWriter, read_segment, read_segment_info
from .store_seam import ArticleStore
from .stored_doc import StoredDoc

log = logging.getLogger(__name__)

NO_DATE = -(10**6)  # the day number of an undated article: before every date
_EPOCH = dt.date(1970, 1, 1)


def days(d: dt.date | None) -> int:
    """A date as a day number (NO_DATE for none), as the date arrays hold it."""
    return (d - _EPOCH).days if d else NO_DATE


def vars_of(params: BM25Params) -> dict:
    """BM25 parameters as JSON."""
    return {"k1": params.k1, "b": params.b, "epsilon": params.epsilon}


@dataclass(eq=False)
class Loaded:
    """The postings of one segment and its delta, with per-docno liveness and dates."""

    fields: dict[str, FieldPostings]
    segment_name: str | None
    segment_docs: int
    upto: int  # docnos below this are in the segment
    alive: np.ndarray
    dates: np.ndarray
    max_loaded: int
    seq: int  # the store's change number this reflects
    stale_segment: str | None = None  # a segment of other fields, to be rewritten

    def grow(self, docno: int) -> None:
        """Make room in the per-docno arrays for docno."""
        if docno >= len(self.alive):
            size = max(docno + 1, int(len(self.alive) * 1.25) + 1024)
            alive = np.zeros(size, bool)
            alive[: len(self.alive)] = self.alive
            dates = np.full(size, NO_DATE, np.int64)
            dates[: len(self.dates)] = self.dates
            self.alive, self.dates = alive, dates

    def apply(self, retired: Iterable[StoredDoc], added: Iterable[StoredDoc]) -> int:
        """Bring retirements and additions (read back from the store) into the postings."""
        changes = 0
        for doc in retired:
            if doc.docno < len(self.alive) and self.alive[doc.docno]:
                for f, terms in field_terms(doc.title_terms, doc.body_terms).items():
                    self.fields[f].remove(doc.docno, terms)
                self.alive[doc.docno] = False
                changes += 1
        for doc in added:
            if (
                doc.docno <= self.max_loaded
                and doc.docno < len(self.alive)
                and (self.alive[doc.docno] or doc.docno < self.upto)
            ):
                continue
            self.grow(doc.docno)
            for f, terms in field_terms(doc.title_terms, doc.body_terms).items():
                self.fields[f].add(doc.docno, terms)
            self.alive[doc.docno] = True
            self.dates[doc.docno] = days(doc.published)
            self.max_loaded = max(self.max_loaded, doc.docno)
            changes += 1
        return changes

    def delta_size(self) -> int:
        """Live articles held in memory outside the on-disk segment."""
        return int(self.alive[self.upto :].sum()) if self.upto < len(self.alive) else 0


class Segments:
    """The index directory of a data directory, loaded; safe to share between threads."""

    def __init__(
        self, data_dir: Path, store: ArticleStore, params: BM25Params, lock: threading.RLock
    ):
        self.data_dir = data_dir
        self.store = store
        self.params = params
        self._lock = lock
        self.damage: str | None = None  # the last damage found (and rebuilt) since open
        self.state: Loaded
        self._fresh = False  # a new folder beside a shared store: its segment comes first
        self._load(opening=True)
        if self.state.stale_segment is not None or self.damage is not None or self._fresh:
            self.compact()

    @property
    def segment_name(self) -> str | None:
        """The folder of the live segment (None before the first compaction)."""
        return self.state.segment_name

    @property
    def _index_dir(self) -> Path:
        return self.data_dir / "index"

    def _current_segment(self) -> str | None:
        try:
            return (self._index_dir / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def _load(self, opening: bool = False) -> None:
        """Load the current segment and the delta beside it, then swap them in."""
        # Built without holding the lock: searches go on meanwhile.
        for attempt in range(5):
            try:
                built = self._build(opening)
                break
            except FileNotFoundError:
                # another process replaced the segment while we read it: read the new one
                if attempt == 4:
                    raise
                time.sleep(0.1)
        with self._lock:
            self.state = built

    def _build(self, opening: bool = False) -> Loaded:
        """Read the segment and the stored terms beside it."""
        seq = self.store.seq()
        name = self._current_segment()
        stale = None
        base_docnos = np.zeros(0, np.int32)
        fields: dict[str, FieldPostings] = {}
        upto = 0
        loaded = None
        if name and self._older_format(name):
            # postings of an older layout: served from the stored terms (no pyvi) until
            # the segment is rewritten, straight away
            stale, name = name, None
        elif name:
            loaded = self._read_segment(name)
        elif opening and (orphan := newest_segment(self._index_dir)) is not None:
            # segments but no CURRENT: every open would read every article's stored terms
            self.damage = f"index CURRENT is missing ({orphan} is not in use)"
            log.warning("%s; rebuilding the segment from newsbot.db", self.damage)
        if loaded is None:
            name = None
        elif list(loaded[0]["fields"]) != list(FIELDS):
            # written by a version with other fields: serve from the stored terms
            # (no pyvi) and write a segment of today's fields
            stale = name
            name = None
        if name is not None:
            info, base_docnos, base_fields = loaded
            upto = info["upto"]
            for f in FIELDS:
                fp = FieldPostings(f, self.params, base_fields[f], unit(f))
                fp.set_base_stats(len(base_docnos), int(base_fields[f].dl.sum()))
                fields[f] = fp
        else:
            fields = {f: FieldPostings(f, self.params, unit=unit(f)) for f in FIELDS}
        alive = np.zeros(max(upto, 1024), bool)
        alive[base_docnos] = True
        dates = np.full(len(alive), NO_DATE, np.int64)
        for docno, published in self.store.live_dates():
            if docno < len(dates) and published:
                dates[docno] = days(dt.date.fromisoformat(published))
        state = Loaded(
            fields=fields,
            segment_name=name,
            segment_docs=len(base_docnos),
            upto=upto,
            alive=alive,
            dates=dates,
            max_loaded=upto - 1 if upto else 0,
            seq=seq,
            stale_segment=stale,
        )
        # a replica's new folder beside a shared store (PostgreSQL) holding articles: as for
        # a stale segment, open() writes one straight away, so no delta is built first
        self._fresh = opening and name is None and self.store.shared and self.store.max_docno() > 0
        if stale is not None or self._fresh:
            return state  # open() writes a new segment straight away: no delta to build first
        # retired since the segment was written: take them out of the statistics
        state.apply(self.store.retired_docs(0), [])
        state.apply([], self.store.live_docs(max(upto - 1, 0)))
        return state

    def _older_format(self, name: str) -> bool:
        """Whether a segment was written in an older layout (rewritten, not damaged)."""
        try:
            fmt = read_segment_info(self._index_dir / name).get("format")
        except (OSError, ValueError):
            return False  # _read_segment says what is wrong
        return isinstance(fmt, int) and fmt < FORMAT_VERSION

    def _read_segment(self, name: str) -> tuple | None:
        """The segment, or None when it is damaged or not this database's (self.damage says)."""
        folder = self._index_dir / name
        try:
            # every byte: a same-size change would otherwise reach a search as an IndexError
            problem = verify(folder, self.store.database_id(), self.store.max_docno(), full=True)
            if problem is None:
                return read_segment(folder)
        except FileNotFoundError:
            if self._current_segment() != name:
                raise  # another process replaced the segment meanwhile: _load reads the new one
            problem = "a file is missing"
        except (OSError, ValueError, EOFError, KeyError, IndexError, TypeError) as e:
            problem = f"{type(e).__name__}: {e}"[:300]
        # every term is in SQLite too: the index is rebuilt from there, without pyvi
        self.damage = f"index segment {name} is damaged: {problem}"
        log.warning("%s; rebuilding it from newsbot.db", self.damage)
        return None

    def refresh(self) -> int:
        """Pick up what other processes wrote (new articles, edits, a new segment)."""
        if self._current_segment() != self.state.segment_name:
            self._load()
            return 1
        seq = self.store.seq()
        if seq == self.state.seq:
            return 0
        # read outside the lock, apply in small steps inside it: a big batch written by
        # `newsbot index` never holds searches up for long
        retired = list(self.store.retired_docs(self.state.seq))
        added = self.store.live_docs(self.state.max_loaded)
        changes = 0
        with self._lock:
            changes += self.state.apply(retired, [])
        chunk: list[StoredDoc] = []
        for doc in added:
            chunk.append(doc)
            if len(chunk) == 256:
                with self._lock:
                    changes += self.state.apply([], chunk)
                chunk = []
        with self._lock:
            changes += self.state.apply([], chunk)
            self.state.seq = seq
        return changes

    def live(self) -> Loaded:
        """Liveness and days per docno: the loaded state (callers copy under the index lock)."""
        return self.state

    def delta_size(self) -> int:
        """Live articles held in memory outside the on-disk segment."""
        return self.state.delta_size()

    def needs_compaction(self, unloaded: int = 0) -> bool:
        """Whether the delta, with `unloaded` stored articles not yet read in, should become a segment."""
        delta = self.delta_size() + unloaded
        return delta > max(5000, self.state.segment_docs // 10) or (
            self.state.segment_name is None and delta > 0
        )

    def compact(self, progress: Callable[[int], None] | None = None) -> None:
        """Write every live article's postings as one new segment, atomically."""
        self._index_dir.mkdir(parents=True, exist_ok=True)
        # one compaction at a time across processes: each removes the others' leftovers
        with open(self._index_dir / "compact.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            seq = self.store.seq()  # rows retired up to here are left out of the segment
            upto = self.store.max_docno() + 1
            name = f"seg-{upto:010d}-{time.time_ns():x}"
            tmp = self._index_dir / (name + ".tmp")
            # postings wait in run files there, not in memory (a crash leaves it to the next
            # compaction's clean-up)
            runs = self._index_dir / (name + ".runs")
            writer = SegmentWriter(FIELDS, spill=runs)
            n = 0
            try:
                for doc in self.store.live_docs(0):
                    if doc.docno >= upto:
                        break
                    writer.add(doc.docno, field_terms(doc.title_terms, doc.body_terms))
                    n += 1
                    if progress and n % 1000 == 0:
                        progress(n)
                writer.write(tmp, upto, {"params": vars_of(self.params)})
                del writer
                seal(tmp, self.store.database_id(), upto)  # ties the segment to this database
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)  # a full disk leaves no half folder
                raise
            finally:
                shutil.rmtree(runs, ignore_errors=True)
            os.replace(tmp, self._index_dir / name)
            # CURRENT names the live segment; replacing it is the commit point
            cur_tmp = self._index_dir / "CURRENT.tmp"
            cur_tmp.write_text(name + "\n")
            with open(cur_tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(cur_tmp, self._index_dir / "CURRENT")
            self._load()
            self.store.purge_retired(upto, seq)
            self._remove_stale_segments(keep=name)

    def _remove_stale_segments(self, keep: str) -> None:
        for path in self._index_dir.iterdir():
            if path.is_dir() and path.name != keep:
                shutil.rmtree(path, ignore_errors=True)
