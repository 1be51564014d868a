"""Compressed postings: a byte per docno gap, half a byte per tf, the rare larger values apart.

Within a term docnos ascend, so each is stored as its gap from the one before (the first
from -1): at a million articles 93-99% of gaps fit a byte, and 99% of tfs are below 16. Neither
a gap nor a tf can be 0, so a stored 0 says "in the exceptions": gapx (int32) and tfx
(uint16) hold those values in posting order. Each term's postings are cut in blocks of 128
that record their first docno and how many exceptions come before them, so a few docnos
are looked up by decoding their blocks only. A whole term is decoded, or scored, by one
pass in C (index/native/scoring.c).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import scoring

BLOCK = 128
ESCAPE = 0
TF_MAX = 15  # tfs are stored in half a byte: 99% of them are 1 to 15
# postings encoded per step: bounds the temporary arrays of writing a big field
_CHUNK = 1 << 23

# the arrays of a packed field, each saved as <field>.<name>.npy
PACKED_ARRAYS = ("gaps", "gapx", "tf4", "tfx", "bfirst", "bgx", "btx", "boff")
# per term, beside them: collection frequency, highest tf, shortest document (score bounds)
TERM_STATS = ("cf", "maxtf", "mindl")
# per block of 128 postings: its highest tf and shortest document (BaseSegmentField.block_bounds),
# written since they are read by queries; a segment without them finds them when first needed
BLOCK_STATS = ("bmaxtf", "bmindl")


@dataclass(frozen=True, slots=True)
class Packed:
    """A field's postings, compressed; offsets (per term, in postings) live beside it."""

    gaps: np.ndarray  # uint8 per posting (ESCAPE: the gap is in gapx)
    gapx: np.ndarray  # int32
    tf4: np.ndarray  # uint8 per two postings, the first in the low half (ESCAPE: in tfx)
    tfx: np.ndarray  # uint16
    bfirst: np.ndarray  # int32 first docno of each block
    bgx: np.ndarray  # int64 gap exceptions before each block
    btx: np.ndarray  # int64 tf exceptions before each block
    boff: np.ndarray  # int64 first block of each term, len(terms) + 1

    def exceptions(self, tid: int, lo: int, hi: int) -> tuple[int, int]:
        """The gap and tf exceptions before term tid's first posting (0, 0 when it has none)."""
        if hi <= lo:
            return 0, 0
        b = int(self.boff[tid])
        return int(self.bgx[b]), int(self.btx[b])

    def decode(self, tid: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Docnos (intp) and tfs (uint16) of term tid, whose postings are lo:hi."""
        return scoring.decode(self, lo, hi, *self.exceptions(tid, lo, hi))

    def docnos(self, tid: int, lo: int, hi: int) -> np.ndarray:
        """decode()'s docnos alone."""
        return self.decode(tid, lo, hi)[0]

    def mark(self, tid: int, lo: int, hi: int, out: np.ndarray, tfs: bool = False) -> None:
        """Set out[docno] for every posting of term tid (lo:hi): True (bool out), or its
        tf up to 255 (uint8 out, tfs)."""
        scoring.mark(self, lo, hi, *self.exceptions(tid, lo, hi), out, tfs)

    def scatter(self, tid: int, lo: int, hi: int, norm: np.ndarray, out: np.ndarray, **how) -> None:
        """Add the BM25 part of each posting of term tid (lo:hi) into out (scoring.scatter)."""
        scoring.scatter(self, lo, hi, *self.exceptions(tid, lo, hi), norm, out, **how)

    def block_maxima(
        self, tid: int, lo: int, hi: int, dl: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """First docno, highest tf and shortest document of each block of term tid."""
        b0, b1 = int(self.boff[tid]), int(self.boff[tid + 1])
        if hi <= lo:
            return self.bfirst[b0:b1], np.zeros(0, np.uint16), np.zeros(0, np.int32)
        docs, tfs = self.decode(tid, lo, hi)
        starts = np.arange(0, hi - lo, BLOCK)
        return (
            self.bfirst[b0:b1],
            np.maximum.reduceat(tfs, starts),
            np.minimum.reduceat(dl[docs], starts),
        )

    def tfs_at(self, tid: int, lo: int, hi: int, docnos: np.ndarray) -> np.ndarray:
        """The tf of term tid in each of some ascending docnos (0 where absent), block-wise."""
        b0, b1 = int(self.boff[tid]), int(self.boff[tid + 1])
        blk = np.searchsorted(self.bfirst[b0:b1], docnos, side="right") - 1
        wanted = np.unique(blk[blk >= 0])
        if not len(wanted):
            return np.zeros(len(docnos), np.uint16)
        if 4 * len(wanted) > b1 - b0:  # most blocks: decoding the whole list is cheaper
            docs, tfs = self.decode(tid, lo, hi)
        else:
            docs, tfs = self._blocks(b0, wanted, lo, hi)
        at = np.minimum(np.searchsorted(docs, docnos), len(docs) - 1)
        return np.where(docs[at] == docnos, tfs[at], 0).astype(np.uint16)

    def _blocks(
        self, b0: int, wanted: np.ndarray, lo: int, hi: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Docnos and tfs of some blocks of a term (first block b0, postings lo:hi)."""
        starts = lo + BLOCK * wanted
        pos = starts[:, None] + np.arange(BLOCK)
        inside = pos < hi
        pos = np.minimum(pos, hi - 1)
        gaps = self.gaps[pos].astype(np.intp)
        _patch_rows(gaps, inside, self.gapx, self.bgx[b0 + wanted])
        gaps[:, 0] = self.bfirst[b0 + wanted]
        docs = np.cumsum(gaps, axis=1)[inside]
        tfs = (self.tf4[pos >> 1] >> ((pos & 1) << 2)).astype(np.uint16) & TF_MAX
        _patch_rows(tfs, inside, self.tfx, self.btx[b0 + wanted])
        return docs, tfs[inside]


def _patch_rows(values: np.ndarray, inside: np.ndarray, exceptions: np.ndarray, firsts) -> None:
    """_patch for rows of blocks, each row's exceptions starting at its firsts entry."""
    esc = (values == ESCAPE) & inside
    if esc.any():
        index = firsts[:, None] + np.cumsum(esc, axis=1) - 1
        values[esc] = exceptions[index[esc]]


def encode(
    docs: np.ndarray, tfs: np.ndarray, offsets: np.ndarray, dl: np.ndarray
) -> dict[str, np.ndarray]:
    """PACKED_ARRAYS and TERM_STATS of postings grouped by term, docnos ascending in a term."""
    df = np.diff(offsets)
    cf = np.zeros(len(df), np.int64)
    maxtf = np.zeros(len(df), np.uint16)
    mindl = np.zeros(len(df), np.int32)
    nblocks = -(-df // BLOCK)
    boff = np.zeros(len(df) + 1, np.int64)
    np.cumsum(nblocks, out=boff[1:])
    total = int(offsets[-1])
    gaps = np.empty(total, np.uint8)
    tf8 = np.empty(total, np.uint8)
    gapx, tfx, bfirst, bgx, btx, bmaxtf, bmindl = [], [], [], [], [], [], []
    n_gx = n_tx = 0
    # whole terms per step, about _CHUNK postings each
    cuts = np.unique(np.searchsorted(offsets, np.arange(0, total, _CHUNK), side="right") - 1)
    bounds = [*cuts.tolist(), len(df)]
    for t0, t1 in zip(bounds[:-1], bounds[1:], strict=True):
        lo, hi = int(offsets[t0]), int(offsets[t1])
        d = docs[lo:hi].astype(np.int64)
        g = np.empty_like(d)
        g[1:] = d[1:] - d[:-1]
        some = np.flatnonzero(df[t0:t1] > 0)
        starts = offsets[t0:t1][some] - lo
        g[starts] = d[starts] + 1  # a term's first docno, as a gap from -1
        big = g > 255
        gaps[lo:hi] = np.where(big, ESCAPE, g)
        gx_at = np.flatnonzero(big)
        gapx.append(g[gx_at].astype(np.int32))
        t = np.asarray(tfs[lo:hi])
        tbig = t > TF_MAX
        tf8[lo:hi] = np.where(tbig, ESCAPE, t)
        tx_at = np.flatnonzero(tbig)
        if len(starts):
            cf[t0 + some] = np.add.reduceat(t, starts, dtype=np.int64)
            maxtf[t0 + some] = np.maximum.reduceat(t, starts)
            mindl[t0 + some] = np.minimum.reduceat(dl[d], starts)
        tfx.append(t[tx_at].astype(np.uint16))
        # every block's first posting, relative to lo
        nb = nblocks[t0:t1]
        first_block = np.repeat(offsets[t0:t1] - lo, nb)
        within = np.arange(int(nb.sum())) - np.repeat(boff[t0:t1] - boff[t0], nb)
        bpos = first_block + BLOCK * within
        bfirst.append(d[bpos].astype(np.int32))
        if len(bpos):  # each block runs to the next one's start (or the chunk's end)
            bmaxtf.append(np.maximum.reduceat(t, bpos).astype(np.uint16))
            bmindl.append(np.minimum.reduceat(dl[d], bpos).astype(np.int32))
        bgx.append(n_gx + np.searchsorted(gx_at, bpos))
        btx.append(n_tx + np.searchsorted(tx_at, bpos))
        n_gx += len(gx_at)
        n_tx += len(tx_at)
    return {
        "gaps": gaps,
        "gapx": _join(gapx, np.int32),
        "tf4": _pairs(tf8),
        "tfx": _join(tfx, np.uint16),
        "bfirst": _join(bfirst, np.int32),
        "bgx": _join(bgx, np.int64),
        "btx": _join(btx, np.int64),
        "boff": boff,
        "cf": cf,
        "maxtf": maxtf,
        "mindl": mindl,
        "bmaxtf": _join(bmaxtf, np.uint16),
        "bmindl": _join(bmindl, np.int32),
    }


def _pairs(halves: np.ndarray) -> np.ndarray:
    """Values below 16, two to a byte (the first in the low half)."""
    if len(halves) % 2:
        halves = np.append(halves, np.uint8(0))
    return halves[0::2] | (halves[1::2] << 4)


def _join(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
