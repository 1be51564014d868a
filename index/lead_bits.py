"""A first pass over the leads by their sign bits: the dense candidate source at scale.

Ranking every lead by its int8 cosine reads 384 bytes an article a question (58 MB at 150k
articles, 384 MB at 1M: more time than the rest of a search, and all of it resident). Each
lead is therefore also kept as 384 bits, the signs of its vector less the leads' mean (48
bytes: 7 MB at 150k). The question's bits, centred by the same mean, pick the leads at the
smallest Hamming distance, a few thousand; only those are read in int8 and ranked by cosine.
Centring is what makes the bits work: e5's vectors share a large common component, so raw
signs are nearly the same for every lead (bench/semantic_speed.py --agreement measures how
often the nearest leads found this way are the exact scan's).
"""

from __future__ import annotations

import mmap

import numpy as np

from .vector_rows import Rows
from .vectors import Vectors

__all__ = ["EXACT_BELOW", "LeadBits"]

EXACT_BELOW = 20_000  # fewer leads than this are all scanned exactly (a few milliseconds)
SHORTLIST_SHARE = 25  # the shortlist is a 25th of the leads ...
SHORTLIST_MIN = 2048  # ... and never fewer than this
_CHUNK = 16384  # rows dequantised at a time: bounded float32 copies of the int8 codes


class LeadBits:
    """The leads' centred sign bits (uint64 x 6 a lead) and the mean they are centred by."""

    def __init__(self, vectors: Vectors):
        n = vectors.n_leads
        codes, scales = vectors.codes, vectors.scales
        total = np.zeros(codes.shape[1], np.float64)
        for i in range(0, n, _CHUNK):
            j = min(i + _CHUNK, n)
            total += scales[i:j] @ codes[i:j].astype(np.float32)
        self.centre = (total / max(n, 1)).astype(np.float32)
        # a row of 64-bit words for each 64 dimensions, a column a lead: each word of every
        # lead is compared in one contiguous pass (six times faster than lead by lead)
        self.bits = np.empty((codes.shape[1] // 64, n), np.uint64)
        for i in range(0, n, _CHUNK):
            j = min(i + _CHUNK, n)
            above = codes[i:j].astype(np.float32) * scales[i:j, None] > self.centre
            self.bits[:, i:j] = np.packbits(above, axis=1).view(np.uint64).T
        # the build read every lead once; a memory-mapped file's pages leave this process
        # (the page cache keeps them): only the shortlist's leads are read again
        for part in getattr(codes, "parts", [codes]):  # several chunks: vector_rows.Rows
            mapped = getattr(part, "_mmap", None)
            if mapped is not None and hasattr(mmap, "MADV_DONTNEED"):
                mapped.madvise(mmap.MADV_DONTNEED)

    def __len__(self) -> int:
        return self.bits.shape[1]

    def extended(self, old: Vectors, new: Vectors) -> LeadBits | None:
        """These bits for old vectors extended by newer chunks (VectorFiles.extend): the kept
        leads' bits moved, the newer leads' taken about the same mean (a few leads do not
        move it); None when new is not old extended."""
        chunks = getattr(old.codes, "parts", [old.codes])
        if not isinstance(new.codes, Rows) or len(self) != old.n_leads:
            return None
        fresh = new.codes.order[: new.n_leads] >= sum(len(c) for c in chunks)
        gone = np.isin(old.docnos[: old.n_leads], new.docnos[: new.n_leads][fresh])
        if (~fresh).sum() != (~gone).sum():
            return None
        out = object.__new__(LeadBits)
        out.centre = self.centre
        out.bits = np.empty((self.bits.shape[0], new.n_leads), np.uint64)
        out.bits[:, ~fresh] = self.bits[:, ~gone]
        rows = np.flatnonzero(fresh)
        above = new.codes[rows].astype(np.float32) * new.scales[rows, None] > self.centre
        out.bits[:, fresh] = np.packbits(above, axis=1).view(np.uint64).T
        return out

    def shortlist(self, query: np.ndarray, ok: np.ndarray, want: int | None = None) -> np.ndarray:
        """Rows of the leads nearest the query by Hamming distance among the ok ones (a bool
        mask over the leads): at least want (a 25th of them, or 2048), ties at the edge kept."""
        if want is None:
            want = max(SHORTLIST_MIN, len(self) // SHORTLIST_SHARE)
        q = np.packbits(np.asarray(query, np.float32) > self.centre).view(np.uint64)
        far = len(q) * 64 + 1
        distance = np.bitwise_count(self.bits[0] ^ q[0]).astype(np.uint16)
        for w in range(1, len(q)):
            distance += np.bitwise_count(self.bits[w] ^ q[w])
        distance[~ok] = far
        seen = np.cumsum(np.bincount(distance, minlength=far + 1))
        edge = min(int(np.searchsorted(seen, want)), far - 1)  # the distance that reaches want
        return np.flatnonzero(distance <= edge)
