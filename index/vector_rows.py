"""Several vector chunks read as one, without copying their codes into memory.

While the embedding worker appends small chunks beside the archive's big compacted one, the
loaded vectors must still be the leads by docno and then the windows by (docno, part),
newest winning. Concatenating the chunks' codes for that copied the whole archive into
memory on every new batch (4.6 GB at 1M articles); `Rows` instead keeps each chunk's codes
memory-mapped and reads rows through the order. When the oldest chunk is compacted (in
order) and the largest, `merged_order` places the newer chunks' rows into it by binary
search, without sorting the archive's rows again.
"""

from __future__ import annotations

import os
import weakref

import numpy as np

__all__ = ["Rows", "extended", "merged_order", "newest", "placement"]

_PART = np.int64(1 << 20)  # (docno, part) as one sortable key: parts stay far below this
FEW = 4096  # newer rows placed one by one by binary search; more, in passes over all


def _keys(rows: np.ndarray) -> np.ndarray:
    return rows[:, 0] * _PART + rows[:, 1]


def newest(rows: np.ndarray) -> np.ndarray:
    """Newest row of each (docno, part) (rows: the chunks' oldest first), leads by docno
    first, then windows by (docno, part)."""
    newest = np.arange(len(rows))[::-1]
    _, first = np.unique(_keys(rows)[newest], return_index=True)
    keep = newest[first]
    return keep[np.lexsort((rows[keep, 1], rows[keep, 0], rows[keep, 1] != 0))]


def placement(
    docnos: np.ndarray, parts: np.ndarray, n_leads: int, new: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray]:
    """Where newer rows go among rows in the loaded order (docnos, parts: the leads, n_leads
    of them, then the windows): the old rows kept (those no newer row replaces; None: all),
    and each newer row's place among those (new: (docno, part) pairs, leads by docno, then
    windows)."""
    if len(new) > FEW:
        return _placement(docnos, parts, n_leads, new)
    at, gone = np.empty(len(new), np.int64), []
    for i, (d, p) in enumerate(new.tolist()):  # a few rows: binary searches, no pass
        lo, hi = (0, n_leads) if p == 0 else (n_leads, len(docnos))
        a = lo + int(np.searchsorted(docnos[lo:hi], d, "left"))
        if p:  # an article's windows are in part order
            b = lo + int(np.searchsorted(docnos[lo:hi], d, "right"))
            a += int(np.searchsorted(parts[a:b], p, "left"))
        at[i] = a
        if a < hi and docnos[a] == d and parts[a] == p:
            gone.append(a)  # a newer chunk's row replaces the old one
    if not gone:
        return None, at
    replaced = np.unique(np.asarray(gone, np.int64))
    return np.delete(np.arange(len(docnos)), replaced), at - np.searchsorted(replaced, at)


def _placement(
    docnos: np.ndarray, parts: np.ndarray, n_leads: int, new: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """placement() for many newer rows, in passes over the old keys."""
    kept_all, at_all, offset = [], [], 0
    lead = new[:, 1] == 0
    for lo, hi, mine in ((0, n_leads, lead), (n_leads, len(docnos), ~lead)):
        key_old, key_new = docnos[lo:hi] * _PART + parts[lo:hi], _keys(new[mine])
        at = np.searchsorted(key_old, key_new)
        hit = at < len(key_old)
        hit[hit] = key_old[at[hit]] == key_new[hit]
        kept = np.ones(hi - lo, bool)
        kept[at[hit]] = False  # a newer chunk's row replaces the old one
        kept = np.flatnonzero(kept)
        at_all.append(offset + np.searchsorted(key_old[kept], key_new))
        kept_all.append(kept + lo)
        offset += len(kept)
    return np.concatenate(kept_all), np.concatenate(at_all)


def merged_order(rows: np.ndarray, base: int, in_order: bool) -> np.ndarray:
    """The loaded order of the concatenated chunks' rows (oldest chunk first): indexes into
    rows. base: how many rows the oldest chunk holds; in_order: whether they are in the
    loaded order already (a compacted chunk)."""
    if not in_order or base * 2 < len(rows):
        return newest(rows)
    newer = base + newest(rows[base:])  # few: the worker's batches since compaction
    n_old = int((rows[:base, 1] == 0).sum())
    kept, at = placement(rows[:base, 0], rows[:base, 1], n_old, rows[newer])
    return np.insert(np.arange(base) if kept is None else kept, at, newer)


def extended(codes, scales, docnos, parts, n_leads: int, new: list[tuple[np.ndarray, ...]]):
    """Loaded rows (codes, scales, docnos, parts: in the loaded order, n_leads leads) with
    newer chunks' (each (codes, scales, rows) mapped) placed into that order: (codes as Rows,
    scales, docnos, parts)."""
    rows = np.concatenate([p[2] for p in new])
    newer = newest(rows)
    kept, at = placement(docnos, parts, n_leads, rows[newer])
    if isinstance(codes, Rows):
        chunks, order = codes.parts, codes.order
    else:  # one compacted chunk, memory-mapped: in order already
        chunks, order = [codes], np.arange(len(docnos))
    start = sum(len(c) for c in chunks)
    if kept is not None:  # some rows embedded again
        order, scales, docnos, parts = order[kept], scales[kept], docnos[kept], parts[kept]
    joined = Rows([*chunks, *(p[0] for p in new)], np.insert(order, at, start + newer))
    fresh = np.concatenate([p[1] for p in new])[newer]
    return (
        joined,
        np.insert(scales, at, fresh),
        np.insert(docnos, at, rows[newer, 0]),
        np.insert(parts, at, rows[newer, 1]),
    )


class Rows:
    """int8 codes spread over chunk files (memory-mapped), in the loaded order: rows are
    gathered through the maps (the leads the dense search reads), or read with pread in runs
    (a question's candidates' passages: mapped, each row would map a page-cache folio)."""

    ndim = 2
    dtype = np.dtype(np.int8)

    def __init__(self, parts: list[np.memmap], order: np.ndarray):
        self.parts = parts
        self.order = order
        self.starts = np.cumsum([0] + [len(p) for p in parts])
        self.shape = (len(order), parts[0].shape[1])
        self._fds = [os.open(p.filename, os.O_RDONLY) for p in parts]
        for fd in self._fds:
            weakref.finalize(self, os.close, fd)

    def __len__(self) -> int:
        return len(self.order)

    @property
    def nbytes(self) -> int:
        return len(self.order) * self.shape[1]

    def _where(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's chunk and its row within it."""
        at = self.order[rows]
        chunk = np.searchsorted(self.starts, at, "right") - 1
        return chunk, at - self.starts[chunk]

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, slice):
            rows = np.arange(*key.indices(len(self)))
        else:
            key = np.asarray(key)
            rows = np.flatnonzero(key) if key.dtype == bool else key.astype(np.int64)
        out = np.empty((len(rows), self.shape[1]), np.int8)
        chunk, local = self._where(rows)
        for c in np.unique(chunk).tolist():
            mine = chunk == c
            out[mine] = self.parts[c][local[mine]]
        return out

    def runs(self, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The rows of each run (start, count) in the loaded order, one after another."""
        rows = np.concatenate([np.arange(a, a + c) for a, c in zip(starts, counts, strict=True)])
        out = np.empty((len(rows), self.shape[1]), np.int8)
        if not len(rows):
            return out
        chunk, local = self._where(rows)
        # a new run wherever the chunk changes or the row within it does not follow on
        cut = np.flatnonzero((np.diff(chunk) != 0) | (np.diff(local) != 1)) + 1
        width = self.shape[1]
        for a, b in zip([0, *cut.tolist()], [*cut.tolist(), len(rows)], strict=True):
            part = self.parts[chunk[a]]
            os.preadv(self._fds[chunk[a]], [out[a:b]], part.offset + int(local[a]) * width)
        return out
