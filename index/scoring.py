"""The C loops of index/native/scoring.c, with their arrays' dtypes checked first.

C sees bytes only: here each array must be the dtype the loop reads, C-contiguous (numpy
views of a segment's memory-mapped arrays are), so a damaged segment with another dtype
raises here; C checks every index against its buffer.
"""

from __future__ import annotations

import numpy as np

from .native import load

_c = load("scoring")

# scatter()'s flags: what is done to each part after idf (in this order)
PLUS_UNIT, MINUS_UNIT, TIMES_WEIGHT = 1, 2, 4


def _check(arr: np.ndarray, dtype, name: str) -> None:
    if not isinstance(arr, np.ndarray) or arr.dtype != dtype or not arr.flags.c_contiguous:
        got = getattr(arr, "dtype", type(arr).__name__)
        raise ValueError(f"{name}: a contiguous {np.dtype(dtype)} array is needed, not {got}")


def _check_packed(gaps, gapx, tf4=None, tfx=None) -> None:
    _check(gaps, np.uint8, "gaps")
    _check(gapx, np.int32, "gapx")
    if tf4 is not None:
        _check(tf4, np.uint8, "tf4")
        _check(tfx, np.uint16, "tfx")


def scatter(
    packed, lo: int, hi: int, gx: int, tx: int, norm: np.ndarray, out: np.ndarray,
    k1: float, idf: float, unit: float = 0.0, weight: float = 1.0, flags: int = 0,
) -> None:  # fmt: skip
    """Add each posting's BM25 part (postings lo:hi of a packed.Packed) into out[docno].

    tf x (k1 + 1) / (norm[docno] + tf) x idf, then the flags' steps: FieldPostings'
    operations in its order, so the sums are bit-equal to its numpy scatter.
    gx, tx: the gap and tf exceptions before posting lo.
    """
    _check_packed(packed.gaps, packed.gapx, packed.tf4, packed.tfx)
    _check(norm, np.float64, "norm")
    _check(out, np.float64, "out")
    _c.scatter(
        packed.gaps, packed.gapx, packed.tf4, packed.tfx, lo, hi, gx, tx, norm, out,
        k1, idf, unit, weight, flags,
    )  # fmt: skip


def decode(packed, lo: int, hi: int, gx: int, tx: int) -> tuple[np.ndarray, np.ndarray]:
    """Docnos (intp) and tfs (uint16) of postings lo:hi of a packed.Packed."""
    _check_packed(packed.gaps, packed.gapx, packed.tf4, packed.tfx)
    docs = np.empty(max(hi - lo, 0), np.intp)
    tfs = np.empty(len(docs), np.uint16)
    _c.decode(packed.gaps, packed.gapx, packed.tf4, packed.tfx, lo, hi, gx, tx, docs, tfs)
    return docs, tfs


def mark(packed, lo: int, hi: int, gx: int, tx: int, out: np.ndarray, tfs: bool = False) -> None:
    """For each of postings lo:hi of a packed.Packed, out[docno] = True (bool out), or its
    tf up to 255 (uint8 out, tfs)."""
    _check_packed(packed.gaps, packed.gapx, packed.tf4, packed.tfx)
    _check(out, np.uint8 if tfs else np.bool_, "out")
    _c.mark(packed.gaps, packed.gapx, packed.tf4, packed.tfx, lo, hi, gx, tx, out, tfs)


def syllables(
    packed: np.ndarray,
    scores: np.ndarray,
    matched: np.ndarray,
    bar: tuple[float, int, int, float],
    doubt: np.ndarray,
    held: np.ndarray,
) -> int:
    """Split syllable sums (each posting added unit + its part) into counts and scores.

    bar: (unit, need, low, weight). An article holding `need` syllables matches; scores
    get (sum - count x unit) x weight. The unmatched docnos holding `low` to need - 1 go
    to doubt[:n], their counts to held[:n]; returns n.
    """
    _check(packed, np.float64, "packed")
    _check(scores, np.float64, "scores")
    _check(matched, np.bool_, "matched")
    _check(doubt, np.intp, "doubt")
    _check(held, np.float64, "held")
    return _c.syllables(packed, scores, matched, *bar, doubt, held)


# the dtypes of a rank() term's arrays, by their place in it
_TERM_ARRAYS = {1: np.uint8, 2: np.int32, 3: np.uint8, 4: np.uint16, 9: np.uint16, 10: np.float64}


def _check_terms(terms: tuple[tuple, ...]) -> None:
    for term in terms:
        for at, dtype in _TERM_ARRAYS.items():
            _check(term[at], dtype, "a term's array")
        if term[16].itemsize != 4 or term[17].itemsize != 2:
            raise ValueError("a term's delta: docnos of 4 bytes and tfs of 2 are needed")


def rank(
    terms: tuple[tuple, ...],
    alive: np.ndarray,
    scores: np.ndarray,
    matched: np.ndarray,
    bar: tuple[float, int, int, float],
    doubt: np.ndarray,
    held: np.ndarray,
    chunk: int,
    sample: np.ndarray,
) -> tuple[int, int]:
    """index/scan.py's scores and matches in one pass, a chunk of docnos at a time.

    terms: (target, gaps, gapx, tf4, tfx, lo, hi, gx, tx, codes, lut, k1, idf, unit,
    weight, flags, delta docnos (array "i", ascending past the segment's), delta tfs
    (array "H")) each, as scatter() takes them but for the norm: lut[codes[docno]]; added
    in their order into scores (target 0) or the syllable sums (target 1), which are split
    as syllables() does with bar; matched holds the deferred words' holders, and comes out set for
    every alive docno that matches. The scores of every 64th docno that matches go to
    sample (len(scores) / 64 long, or empty). Returns how many doubts (syllables()), all
    alive, and how many sampled.
    """
    _check_terms(terms)
    for arr, dtype, name in (
        (alive, np.bool_, "alive"),
        (scores, np.float64, "scores"),
        (matched, np.bool_, "matched"),
        (doubt, np.intp, "doubt"),
        (held, np.float64, "held"),
        (sample, np.float64, "sample"),
    ):
        _check(arr, dtype, name)
    return _c.rank(terms, alive, scores, matched, *bar, doubt, held, chunk, sample)


def add(terms: tuple[tuple, ...], scores: np.ndarray, chunk: int) -> None:
    """Add terms (as rank() takes them, target 0) into scores, a chunk of docnos at a time:
    per docno in their order, so the sums are those of scatter() term after term."""
    _check_terms(terms)
    _check(scores, np.float64, "scores")
    _c.add(terms, scores, chunk)


def select(
    scores: np.ndarray,
    matched: np.ndarray,
    low: float,
    out: np.ndarray,
    strict: bool = False,
    high: float = np.inf,
) -> int:
    """How many matched docnos score at least low (above it: strict) and below high; the
    first len(out) of them, ascending, go to out (an empty out: only counted)."""
    _check(scores, np.float64, "scores")
    _check(matched, np.bool_, "matched")
    _check(out, np.intp, "out")
    return _c.select(scores, matched, low, strict, high, out)


def newest(
    scores: np.ndarray, matched: np.ndarray, bar: float, dates: np.ndarray, out: np.ndarray
) -> int:
    """How many matched docnos score exactly bar; the len(out) newest of them (date, then
    docno) go to out, in no order (all of them when fewer)."""
    _check(scores, np.float64, "scores")
    _check(matched, np.bool_, "matched")
    _check(dates, np.int64, "dates")
    _check(out, np.intp, "out")
    return _c.newest(scores, matched, bar, dates, out)
