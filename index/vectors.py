"""Passage vectors on disk: int8 chunks beside the index, appended atomically, compacted.

data_dir/vectors/ holds chunks, each written whole by one batch of the embedding worker:
`NNNNNNNN.codes.npy` (int8 rows x DIM: a row's vector over its largest component x 127),
`.scales.npy` (float32, that component / 127), `.rows.npy` (int64 pairs docno, part: part
0 is an article's lead, 1.. its windows) and `.done.npy` (int64 pairs docno, tier: the
tiers the chunk completes; an article without windows still completes tier 1). The done
file is renamed last, so a chunk exists only whole: a kill -9 loses at most the batch
being written, and nothing already stored is embedded again. Compaction writes every
chunk's live rows as one chunk and then removes the ones it replaces; when a crash leaves
both, the newest chunk wins for a (docno, part).
"""

from __future__ import annotations

import fcntl
import os
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embedding import DIM
from .vector_rows import Rows, extended, merged_order

__all__ = ["LEAD", "WINDOWS", "RowReader", "Stored", "VectorFiles", "Vectors", "quantise"]

LEAD, WINDOWS = 0, 1  # tiers: the lead is embedded for every article before any window
_PARTS = ("codes", "scales", "rows", "done")


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 codes and float32 scales: code x scale is the vector to within 1/254 a component."""
    vectors = np.asarray(vectors, np.float32).reshape(-1, DIM)
    top = np.abs(vectors).max(axis=1)
    scales = np.where(top > 0, top / 127.0, 1.0).astype(np.float32)
    codes = np.clip(np.rint(vectors / scales[:, None]), -127, 127).astype(np.int8)
    return codes, scales


class RowReader:
    """A chunk's codes file, open for reading runs of rows with pread (a question's
    candidates' passages). Read through the memory map instead, each row would map the page
    cache's whole folio (up to 2 MB on a recent kernel) into the process: 2.9 GB more
    resident after 100 questions at 1M articles, for about 200 kB read a question. The
    file stays open while these vectors are loaded (closed with them), so a compaction that
    replaces it changes nothing for them."""

    def __init__(self, codes: np.memmap):
        self.fd = os.open(codes.filename, os.O_RDONLY)
        weakref.finalize(self, os.close, self.fd)
        self.offset, self.dim, self.dtype = codes.offset, codes.shape[1], codes.dtype

    def runs(self, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The rows of each run (start, count), one after another."""
        out = np.empty((int(counts.sum()), self.dim), self.dtype)
        width, at = self.dim * self.dtype.itemsize, 0
        for a, c in zip(starts.tolist(), counts.tolist(), strict=True):
            if c:
                os.preadv(self.fd, [out[at : at + c]], self.offset + a * width)
                at += c
        return out


def _save_rows(f, source: np.ndarray | Rows, rows: np.ndarray, block: int = 65536) -> None:
    """np.save of source[rows] (int8 codes), read and written a block at a time."""
    header = {"descr": "|i1", "fortran_order": False, "shape": (len(rows), DIM)}
    np.lib.format.write_array_header_1_0(f, header)
    for i in range(0, len(rows), block):
        f.write(np.ascontiguousarray(source[rows[i : i + block]], np.int8).tobytes())


def _in_order(rows: np.ndarray) -> bool:
    """Whether (docno, part) rows are the leads by docno, then the windows by (docno, part),
    each once: the order Vectors keeps (a compacted chunk's)."""
    d, p = rows[:, 0], rows[:, 1]
    n = int((p == 0).sum())
    if not (p[:n] == 0).all():
        return False
    later = (d[1:] > d[:-1]) | ((d[1:] == d[:-1]) & (p[1:] > p[:-1]))
    later[n - 1 : n] = True  # the first window may have any docno after the last lead
    return bool(later.all())


@dataclass(frozen=True, slots=True)
class Stored:
    """Some docnos' passage vectors as read (int8 rows), each row's docno by its index."""

    docnos: np.ndarray
    codes: np.ndarray
    scales: np.ndarray
    owner: np.ndarray  # index into docnos of each row
    windowed: np.ndarray  # by docno: whether its windows are among the rows (not its lead alone)

    def best(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each docno's best cosine with the query (NaN without a vector), and windowed."""
        out = np.full(len(self.docnos), np.nan, np.float32)
        if not len(self.owner):
            return out, self.windowed
        cos = (self.codes.astype(np.float32) @ query) * self.scales
        best = np.full(len(self.docnos), -np.inf, np.float32)
        np.maximum.at(best, self.owner, cos)
        has = np.isfinite(best)
        out[has] = best[has]
        return out, self.windowed


@dataclass(frozen=True, slots=True)
class Vectors:
    """Every stored passage vector: the leads first (by docno), then the windows (by docno,
    part), so the dense search reads one contiguous block; codes may be memory-mapped."""

    codes: np.ndarray
    scales: np.ndarray
    docnos: np.ndarray
    parts: np.ndarray
    done: np.ndarray  # (n, 2) docno, tier
    n_leads: int
    # where the rows hold only the leads (vector_table.py): every vector of some docnos
    fetch: Callable[[np.ndarray], Vectors] | None = None
    # where codes are one memory-mapped file: the candidates' passages are read with pread
    reader: RowReader | Rows | None = None

    @classmethod
    def empty(cls) -> Vectors:
        """No vectors yet."""
        none = np.zeros(0, np.int64)
        codes = np.zeros((0, DIM), np.int8)
        return cls(codes, np.zeros(0, np.float32), none, none, np.zeros((0, 2), np.int64), 0)

    def __len__(self) -> int:
        return len(self.docnos)

    @property
    def leads(self) -> np.ndarray:
        """Rows of the leads (the first n_leads)."""
        return np.arange(self.n_leads)

    def dot(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Cosine of each row with a normalised query (rows: indexes into codes)."""
        out = np.empty(len(rows), np.float32)
        for i in range(0, len(rows), 8192):  # bounded float32 copies of the int8 codes
            r = rows[i : i + 8192]
            out[i : i + 8192] = (self.codes[r].astype(np.float32) @ query) * self.scales[r]
        return out

    def all_leads(self, query: np.ndarray) -> np.ndarray:
        """Cosine of the query with every lead, in row order."""
        out = np.empty(self.n_leads, np.float32)
        for i in range(0, self.n_leads, 8192):
            j = min(i + 8192, self.n_leads)
            out[i:j] = (self.codes[i:j].astype(np.float32) @ query) * self.scales[i:j]
        return out

    def best(self, docnos: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Each docno's best cosine over its passages; NaN where it has no vector."""
        return self.passages(docnos, query)[0]

    def passages(self, docnos: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each docno's best cosine over its passages (NaN where it has no vector), and
        whether its windows are among them (not its lead alone)."""
        return self.read(docnos).best(query)

    def read(self, docnos: np.ndarray) -> Stored:
        """The passage vectors of these docnos, read before the question's vector is known."""
        docnos = np.asarray(docnos, np.int64)
        if self.fetch is not None:
            return self.fetch(docnos).read(docnos)
        n = self.n_leads
        spans = []
        for lo_all, block in ((0, self.docnos[:n]), (n, self.docnos[n:])):
            lo = np.searchsorted(block, docnos, "left")
            hi = np.searchsorted(block, docnos, "right")
            spans.append((lo + lo_all, hi + lo_all))
        starts = np.concatenate([spans[0][0], spans[1][0]])
        counts = np.concatenate([spans[0][1] - spans[0][0], spans[1][1] - spans[1][0]])
        windowed = spans[1][1] > spans[1][0]
        owner = np.repeat(np.tile(np.arange(len(docnos)), 2), counts)
        if not counts.sum():
            return Stored(docnos, self.codes[:0], self.scales[:0], owner, windowed)
        rows = np.concatenate([np.arange(a, a + c) for a, c in zip(starts, counts, strict=True)])
        codes = self.reader.runs(starts, counts) if self.reader is not None else self.codes[rows]
        return Stored(docnos, codes, self.scales[rows], owner, windowed)

    def covered(self, alive: np.ndarray) -> tuple[int, int]:
        """(live articles with their lead vector, live articles with their windows too)."""
        if not len(self.done) or not len(alive):
            return 0, 0
        d, t = self.done[:, 0], self.done[:, 1]
        ok = d < len(alive)
        ok[ok] = alive[d[ok]]
        return len(np.unique(d[ok & (t >= LEAD)])), len(np.unique(d[ok & (t >= WINDOWS)]))

    def tiers(self) -> dict[int, int]:
        """The highest tier done of each docno with vectors."""
        out: dict[int, int] = {}
        for d, t in self.done.tolist():
            out[d] = max(out.get(d, -1), t)
        return out


class VectorFiles:
    """The vectors folder: append chunks, load them all, compact them into one."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)

    def chunks(self) -> list[int]:
        """Sequence numbers of the complete chunks, oldest first."""
        if not self.dir.is_dir():
            return []
        names = (p.name.split(".")[0] for p in self.dir.glob("*.done.npy"))
        return sorted(int(n) for n in names if n.isdigit())  # not a writer's .tmp files

    def describe(self) -> str:
        """Where the vectors are, for messages."""
        return str(self.dir)

    @contextmanager
    def lock(self, wait: bool = True) -> Iterator[bool]:
        """One writer per vectors folder (the bot's worker, `newsbot embed`, a compaction):
        True when held (without wait, False at once if another holds it); what a writer
        killed mid-chunk left is removed first."""
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            self.remove_leftovers()
            yield True
        finally:
            os.close(fd)

    def signature(self) -> tuple[int, ...]:
        """Changes whenever a chunk is added or compacted away (cheap: one listing)."""
        return tuple(self.chunks())

    def append(self, rows: np.ndarray, vectors: np.ndarray, done: Iterable[tuple[int, int]]) -> int:
        """Store one batch as a chunk, atomically: rows are (docno, part) pairs."""
        codes, scales = quantise(vectors)
        rows = np.asarray(rows, np.int64).reshape(-1, 2)
        done_arr = np.asarray(list(done), np.int64).reshape(-1, 2)
        return self._write(codes, scales, rows, done_arr)

    def tiers(self) -> dict[int, int]:
        """The highest tier done of each docno, reading the small done files only."""
        out: dict[int, int] = {}
        for s in self.chunks():
            for d, t in np.load(self.dir / f"{s:08d}.done.npy").tolist():
                out[d] = max(out.get(d, -1), t)
        return out

    def load(self, seqs: list[int] | None = None) -> Vectors:
        """Every complete chunk (or these), newest winning per (docno, part); the codes stay
        memory-mapped (several chunks are read through their order: vector_rows.py)."""
        seqs = self.chunks() if seqs is None else seqs
        if not seqs:
            return Vectors.empty()
        parts = [self._read(s, mapped=True) for s in seqs]
        rows = np.concatenate([p[2] for p in parts]) if len(parts) > 1 else parts[0][2]
        in_order = _in_order(parts[0][2])  # a compacted chunk is: no sort at 1M
        if len(parts) == 1 and in_order:
            codes, order = parts[0][0], None
            reader: RowReader | Rows = RowReader(codes)
        else:
            order = merged_order(rows, len(parts[0][2]), in_order)
            codes = reader = Rows([p[0] for p in parts], order)
        scales = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
        done = np.concatenate([p[3] for p in parts]) if len(parts) > 1 else parts[0][3]
        if order is not None:
            scales, rows = scales[order], rows[order]
        docnos, part = rows[:, 0].copy(), rows[:, 1].copy()
        n_leads = int((part == 0).sum())
        return Vectors(codes, scales, docnos, part, done, n_leads, None, reader)

    def extend(self, v: Vectors, seqs: list[int]) -> Vectors:
        """Loaded vectors with newer chunks (these) placed into their order: a worker's batch
        costs no reload of the archive's vectors."""
        if not len(v) or not isinstance(v.codes, (np.memmap, Rows)):
            return self.load()
        new = [self._read(s, mapped=True) for s in seqs]
        codes, scales, docnos, parts = extended(
            v.codes, v.scales, v.docnos, v.parts, v.n_leads, [p[:3] for p in new]
        )
        done = np.concatenate([v.done, *(p[3] for p in new)])
        return Vectors(codes, scales, docnos, parts, done, int((parts == 0).sum()), None, codes)

    def tidy(self, alive: np.ndarray | None, most: int = 16) -> None:
        """Past `most` chunks, merge the small ones (under a quarter of the largest), or all:
        a worker's many small batches never make it rewrite the whole archive's vectors."""
        seqs = self.chunks()
        if len(seqs) <= most:
            return
        sizes = {s: len(np.load(self.dir / f"{s:08d}.scales.npy", mmap_mode="r")) for s in seqs}
        small = [s for s in seqs if sizes[s] * 4 < max(sizes.values())]
        enough = len(small) >= 2 and len(seqs) - len(small) < most
        self.compact(alive, small if enough else None)

    def compact(self, alive: np.ndarray | None = None, seqs: list[int] | None = None) -> int:
        """Rewrite all chunks (or these) as one, dropping docnos not alive; the rows kept."""
        seqs = self.chunks() if seqs is None else seqs
        if len(seqs) <= 1 and alive is None:
            return len(self.load(seqs))
        v = self.load(seqs)
        keep = np.ones(len(v), bool)
        done = v.done
        if alive is not None:
            live = lambda d: (d < len(alive)) & alive[np.minimum(d, len(alive) - 1)]  # noqa: E731
            keep = live(v.docnos) if len(alive) else np.zeros(len(v), bool)
            done = done[live(done[:, 0])] if len(alive) and len(done) else done[:0]
        done = np.unique(done, axis=0) if len(done) else done
        self._write(
            (v.codes, np.flatnonzero(keep)),  # written a block at a time: never all in memory
            v.scales[keep],
            np.stack([v.docnos[keep], v.parts[keep]], axis=1),
            done,
        )
        for s in seqs:  # the new chunk is complete: the old ones go, done file first
            for name in ("done", *_PARTS[:3]):
                (self.dir / f"{s:08d}.{name}.npy").unlink(missing_ok=True)
        return int(keep.sum())

    def drop(self) -> int:
        """Delete every chunk (`newsbot check --repair` on damaged vectors: they are embedded
        again); how many there were."""
        seqs = self.chunks()
        for s in seqs:
            for name in ("done", *_PARTS[:3]):
                (self.dir / f"{s:08d}.{name}.npy").unlink(missing_ok=True)
        return len(seqs)

    def remove_leftovers(self) -> int:
        """Delete what a killed writer left: temporary files and chunks without done."""
        if not self.dir.is_dir():
            return 0
        complete = set(self.chunks())
        gone = 0
        for p in self.dir.iterdir():
            seq = p.name.split(".")[0]
            if p.name.startswith(".tmp") or (seq.isdigit() and int(seq) not in complete):
                p.unlink(missing_ok=True)
                gone += 1
        return gone

    def problem(self, max_docno: int | None = None) -> str | None:
        """What is wrong with the stored vectors, or None (for `newsbot check`)."""
        for s in self.chunks():
            try:
                codes, scales, rows, done = self._read(s, mapped=True)
            except (OSError, ValueError) as e:
                return f"vector chunk {s:08d} does not read: {e}"
            if codes.shape[1:] != (DIM,) or codes.dtype != np.int8:
                return f"vector chunk {s:08d} holds {codes.dtype} {codes.shape}, not int8 x {DIM}"
            if not (len(codes) == len(scales) == len(rows)) or rows.shape[1:] != (2,):
                return f"vector chunk {s:08d}: {len(codes)} codes, {len(scales)} scales, {len(rows)} rows"
            if done.shape[1:] != (2,) or not np.isfinite(scales).all():
                return f"vector chunk {s:08d} is damaged"
            if max_docno is not None and len(rows) and int(rows[:, 0].max()) > max_docno:
                return (
                    f"vector chunk {s:08d} holds articles the database does not (another folder's?)"
                )
        return None

    def _read(self, seq: int, mapped: bool) -> tuple[np.ndarray, ...]:
        mode = "r" if mapped else None
        return tuple(
            np.load(self.dir / f"{seq:08d}.{name}.npy", mmap_mode=mode if name == "codes" else None)
            for name in _PARTS
        )

    def _write(self, codes, scales, rows, done) -> int:
        self.dir.mkdir(parents=True, exist_ok=True)
        seqs = self.chunks()
        seq = (seqs[-1] + 1) if seqs else 1
        tmp = self.dir / f".tmp-{os.getpid()}-{seq}"
        for name, arr in zip(_PARTS, (codes, scales, rows, done), strict=True):
            with open(f"{tmp}.{name}.npy", "wb") as f:
                if isinstance(arr, tuple):
                    _save_rows(f, *arr)
                else:
                    np.save(f, np.ascontiguousarray(arr))
                f.flush()
                os.fsync(f.fileno())
        for name in _PARTS:  # done last: it is what makes the chunk exist
            os.replace(f"{tmp}.{name}.npy", self.dir / f"{seq:08d}.{name}.npy")
        fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return seq
