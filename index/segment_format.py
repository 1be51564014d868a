"""A base segment on disk: each field's compressed postings as .npy files, written fsynced."""

from __future__ import annotations

import dataclasses
import json
import os
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from .packed import BLOCK_STATS, PACKED_ARRAYS, Packed, encode

# frequent terms' tfs of every docno kept per field (BaseSegmentField.holds, tfs_at): 1 MB
# each at a million articles
DENSE_TERMS = 64
# and which docnos hold a term, a bit each (BaseSegmentField.bits): 125 kB a term at a
# million articles, the terms used last kept within this many bytes a field
BITS_BYTES = 32 << 20
# 2: postings compressed (packed.py); a segment of format 1 is rewritten on open
FORMAT_VERSION = 2


@dataclass(frozen=True, slots=True)
class BaseSegmentField:
    """A field's immutable postings as stored on disk."""

    terms: list[str]
    vocab: dict[str, int]
    df: np.ndarray  # int32 per term
    offsets: np.ndarray  # int64, len(terms) + 1
    packed: Packed  # docnos ascending within a term, and tfs
    cf: np.ndarray  # int64 occurrences per term
    maxtf: np.ndarray  # uint16 highest tf per term
    mindl: np.ndarray  # int32 shortest document per term
    dl: np.ndarray  # int32 length per docno (0 for docnos not in the segment)
    # per block: highest tf (uint16) and shortest document (int32); None in a segment
    # written before they were stored (then found from the postings when first needed)
    bmaxtf: np.ndarray | None = None
    bmindl: np.ndarray | None = None
    _tfs: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)  # dense(), by term id
    _bits: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)  # bits(), by term id
    _maxima: dict[int, tuple] = dataclasses.field(default_factory=dict)  # block_bounds, by term id

    def postings(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        """Docnos (intp) and tfs (uint16) of a term."""
        return self.packed.decode(tid, int(self.offsets[tid]), int(self.offsets[tid + 1]))

    def holds(self, tid: int, docnos: np.ndarray) -> np.ndarray:
        """Whether each of some docnos holds a term, through the term's tf of every docno.

        Meant for the few terms in most articles: their tfs (a byte a docno) are found once
        per segment and answer any number of docnos without decoding again.
        """
        # (clipped: docnos past the segment read its last entry, a 0; a take, no temporary)
        return self.dense(tid).take(docnos, mode="clip") > 0

    def dense(self, tid: int) -> np.ndarray:
        """A term's tf of every docno (and one past the last: 0) in a byte, 255 for 255 and up.

        Kept for the DENSE_TERMS terms used last (a byte a docno each).
        """
        dense = self._tfs.pop(tid, None)
        if dense is None:
            while len(self._tfs) >= DENSE_TERMS:
                del self._tfs[next(iter(self._tfs))]  # the least recently used
            dense = np.zeros(len(self.dl) + 1, np.uint8)
            self.packed.mark(tid, int(self.offsets[tid]), int(self.offsets[tid + 1]), dense, True)
        self._tfs[tid] = dense  # (re)inserted last: dicts keep insertion order
        return dense

    def bits(self, tid: int) -> np.ndarray:
        """Which docnos (0 to len(dl)) hold a term, a bit each (np.packbits order)."""
        got = self._bits.pop(tid, None)
        if got is None:
            while self._bits and (len(self._bits) + 1) * (len(self.dl) // 8 + 1) > BITS_BYTES:
                del self._bits[next(iter(self._bits))]  # the least recently used
            held = np.zeros(len(self.dl) + 1, bool)
            lo, hi = int(self.offsets[tid]), int(self.offsets[tid + 1])
            self.packed.mark(tid, lo, hi, held)
            got = np.packbits(held)
        self._bits[tid] = got  # (re)inserted last: dicts keep insertion order
        return got

    def block_bounds(self, tid: int, docnos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Highest tf and shortest length in the block of a term's postings around each docno.

        (0, 1) where no block can hold the docno (before the term's first posting). Read
        from the segment; one written before they were stored has them found once per term
        and kept (DENSE_TERMS terms at most).
        """
        got = self._maxima.get(tid)
        if got is None and self.bmaxtf is not None:
            b0, b1 = int(self.packed.boff[tid]), int(self.packed.boff[tid + 1])
            p = self.packed
            got = (p.bfirst[b0:b1], self.bmaxtf[b0:b1], self.bmindl[b0:b1])
        elif got is None:
            if len(self._maxima) >= DENSE_TERMS:
                self._maxima.clear()
            lo, hi = int(self.offsets[tid]), int(self.offsets[tid + 1])
            got = self._maxima[tid] = self.packed.block_maxima(tid, lo, hi, self.dl)
        first, maxtf, mindl = got
        blk = np.searchsorted(first, docnos, side="right") - 1
        inside = blk >= 0
        blk = np.maximum(blk, 0)
        if not len(maxtf):
            return np.zeros(len(docnos), np.uint16), np.ones(len(docnos), np.int32)
        return np.where(inside, maxtf[blk], 0), np.where(inside, mindl[blk], 1)

    def tfs_at(self, tid: int, docnos: np.ndarray) -> np.ndarray:
        """A term's tf in each of some docnos (0 where absent), decoding their blocks only."""
        lo, hi = int(self.offsets[tid]), int(self.offsets[tid + 1])
        if hi == lo or not len(docnos):
            return np.zeros(len(docnos), np.uint16)
        if 4 * (hi - lo) < len(self.dl) and tid not in self._tfs:
            return self.packed.tfs_at(tid, lo, hi, docnos)
        # a term in a quarter of the articles or more, or whose tfs of every docno are at
        # hand already (a deferred word's, Ranker.deferred): a gather from those
        tfs = self.dense(tid).take(docnos, mode="clip").astype(np.uint16)
        big = np.flatnonzero(tfs == 255)
        if len(big):
            tfs[big] = self.packed.tfs_at(tid, lo, hi, docnos[big])
        return tfs


# a field's postings held in memory before they go to a run file (10 bytes each), when the
# writer has a folder for runs: bounds what compacting a big archive holds
RUN_POSTINGS = 1 << 24


class SegmentWriter:
    """Accumulates documents field by field and writes one base segment directory.

    With a spill folder, each field's postings go to sorted run files every RUN_POSTINGS,
    and write() places the runs' postings straight where they belong (runs follow docno
    order, so a term's postings from one run come after those of the runs before).
    """

    def __init__(self, fields: Iterable[str], spill: Path | None = None):
        self.fields = list(fields)
        self.spill = spill
        self._vocab: dict[str, dict[str, int]] = {f: {} for f in self.fields}
        self._docs: dict[str, array] = {f: array("i") for f in self.fields}
        self._tids: dict[str, array] = {f: array("i") for f in self.fields}
        self._tfs: dict[str, array] = {f: array("H") for f in self.fields}
        self._dl: dict[str, array] = {f: array("i") for f in self.fields}
        self._runs: dict[str, list[np.ndarray]] = {f: [] for f in self.fields}  # df per run
        self._docnos = array("i")

    def add(self, docno: int, field_terms: dict[str, list[str]]) -> None:
        """Add one document (docnos must ascend)."""
        self._docnos.append(docno)
        for field in self.fields:
            terms = field_terms[field]
            vocab = self._vocab[field]
            dl = self._dl[field]
            if len(dl) <= docno:
                dl.extend([0] * (docno + 1 - len(dl)))
            dl[docno] = len(terms)
            counts = Counter(terms)
            try:  # known terms: one C-level pass; new ones take the next ids in order
                tids = list(map(vocab.__getitem__, counts))
            except KeyError:
                tids = [vocab.setdefault(t, len(vocab)) for t in counts]
            tfs = list(counts.values())
            if tfs and max(tfs) > 65535:
                tfs = [min(tf, 65535) for tf in tfs]
            self._tids[field].extend(tids)
            self._tfs[field].extend(tfs)
            self._docs[field].extend(repeat(docno, len(tids)))
            if self.spill is not None and len(self._tids[field]) >= RUN_POSTINGS:
                self._spill_run(field)

    def _take(self, field: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The postings held for a field, sorted by term (docnos still ascending), and df."""
        tids = np.frombuffer(self._tids[field], dtype=np.int32)
        df = np.bincount(tids, minlength=len(self._vocab[field]))
        # Documents arrive in docno order, so a stable sort by term keeps docnos
        # ascending inside each term's postings.
        order = np.argsort(tids, kind="stable")
        docs = np.frombuffer(self._docs[field], dtype=np.int32)[order]
        tfs = np.frombuffer(self._tfs[field], dtype=np.uint16)[order]
        self._tids[field], self._docs[field], self._tfs[field] = array("i"), array("i"), array("H")
        return df, docs, tfs

    def _spill_run(self, field: str) -> None:
        df, docs, tfs = self._take(field)
        n = len(self._runs[field])
        self.spill.mkdir(parents=True, exist_ok=True)
        docs.tofile(self.spill / f"{field}.{n}.docs")
        tfs.tofile(self.spill / f"{field}.{n}.tfs")
        self._runs[field].append(df)

    def _postings(self, field: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A field's docs and tfs grouped by term, and the offsets of each term's postings."""
        df, docs, tfs = self._take(field)
        runs = self._runs.pop(field)
        n_terms = len(self._vocab[field])
        total_df = np.zeros(n_terms, np.int64)
        for run_df in [*runs, df]:
            total_df[: len(run_df)] += run_df
        offsets = np.zeros(n_terms + 1, np.int64)
        np.cumsum(total_df, out=offsets[1:])
        if not runs:
            return docs, tfs, offsets
        out_docs = np.empty(int(offsets[-1]), np.int32)
        out_tfs = np.empty(len(out_docs), np.uint16)
        free = offsets[:-1].copy()  # where each term's next postings go
        for n, run_df in enumerate([*runs, df]):
            if n < len(runs):
                run_docs = _take_file(self.spill / f"{field}.{n}.docs", np.int32)
                run_tfs = _take_file(self.spill / f"{field}.{n}.tfs", np.uint16)
            else:
                run_docs, run_tfs = docs, tfs
            term_of = np.repeat(np.arange(len(run_df)), run_df)
            starts = np.zeros(len(run_df) + 1, np.int64)
            np.cumsum(run_df, out=starts[1:])
            pos = free[term_of] + (np.arange(len(run_docs)) - starts[term_of])
            out_docs[pos] = run_docs
            out_tfs[pos] = run_tfs
            free[: len(run_df)] += run_df
            del term_of, pos
        return out_docs, out_tfs, offsets

    def write(self, directory: Path, upto: int, meta: dict) -> None:
        """Write the segment into an empty directory, every file fsynced (and forget it)."""
        directory.mkdir(parents=True)
        for field in self.fields:
            # each field's arrays are let go once written: the peak is one field's
            docs, tfs, offsets = self._postings(field)
            dl = np.zeros(upto, np.int32)
            got = np.frombuffer(self._dl.pop(field), dtype=np.int32)
            dl[: len(got)] = got[:upto]
            terms = list(self._vocab.pop(field))  # dicts keep insertion order = term id
            write_field(directory, field, terms, docs, tfs, offsets, dl)
            del docs, tfs
        finish(directory, self.fields, np.frombuffer(self._docnos, dtype=np.int32), upto, meta)


def write_field(
    directory: Path,
    field: str,
    terms: list[str],
    docs: np.ndarray,
    tfs: np.ndarray,
    offsets: np.ndarray,
    dl: np.ndarray,
) -> None:
    """Write one field's postings (grouped by term id, docnos ascending within a term)."""
    _save(directory / f"{field}.df.npy", np.diff(offsets).astype(np.int32))
    _save(directory / f"{field}.offsets.npy", offsets)
    _save(directory / f"{field}.dl.npy", dl)
    for name, arr in encode(docs, tfs, offsets, dl).items():
        _save(directory / f"{field}.{name}.npy", arr)
    _write_synced(directory / f"{field}.terms.txt", "\n".join(terms).encode("utf-8"))


def finish(directory: Path, fields: list[str], docnos: np.ndarray, upto: int, meta: dict) -> None:
    """Write what makes the fields a segment: its docnos and segment.json, then sync the folder."""
    _save(directory / "docnos.npy", docnos)
    info = {"format": FORMAT_VERSION, "upto": upto, "fields": fields, **meta}
    _write_synced(directory / "segment.json", json.dumps(info, indent=1).encode())
    _fsync_dir(directory)


def read_segment_info(directory: Path) -> dict:
    """A segment's segment.json."""
    return json.loads((directory / "segment.json").read_text())


def read_segment(directory: Path) -> tuple[dict, np.ndarray, dict[str, BaseSegmentField]]:
    """Open a segment directory: its info, its docnos and its fields (postings memory mapped)."""
    info = read_segment_info(directory)
    if info.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"index format {info.get('format')} is not {FORMAT_VERSION}"
            " (an older layout is rewritten from newsbot.db when the index opens)"
        )
    fields = {}
    for field in info["fields"]:
        text = (directory / f"{field}.terms.txt").read_text("utf-8")
        terms = text.split("\n") if text else []

        def load(name: str, mapped: bool = False, field: str = field) -> np.ndarray:
            return np.load(directory / f"{field}.{name}.npy", mmap_mode="r" if mapped else None)

        blocks = {a: load(a, mapped=True) for a in BLOCK_STATS if _has(directory, field, a)}
        packed = Packed(**{a: load(a, mapped=a != "boff") for a in PACKED_ARRAYS})
        if any(len(v) != len(packed.bfirst) for v in blocks.values()):
            raise ValueError(f"{field}: the blocks' bounds do not match its blocks")
        fields[field] = BaseSegmentField(
            terms=terms,
            vocab={t: i for i, t in enumerate(terms)},
            df=load("df"),
            offsets=load("offsets"),
            # what a query reads a little of stays on disk until read
            packed=packed,
            cf=load("cf"),
            maxtf=load("maxtf"),
            mindl=load("mindl"),
            dl=load("dl"),
            **blocks,
        )
    return info, np.load(directory / "docnos.npy"), fields


def _has(directory: Path, field: str, name: str) -> bool:
    return (directory / f"{field}.{name}.npy").exists()


def _take_file(path: Path, dtype) -> np.ndarray:
    """A run file's array; the file is removed (its disk space is needed no more)."""
    arr = np.fromfile(path, dtype=dtype)
    path.unlink()
    return arr


def _save(path: Path, arr: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, np.ascontiguousarray(arr), allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
