"""A base segment on disk: each field's postings as plain .npy files, written fsynced."""

from __future__ import annotations

import json
import os
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class BaseSegmentField:
    """A field's immutable postings as stored on disk."""

    terms: list[str]
    vocab: dict[str, int]
    df: np.ndarray  # int32 per term
    offsets: np.ndarray  # int64, len(terms) + 1
    docs: np.ndarray  # int32 docnos, grouped by term, ascending within a term
    tfs: np.ndarray  # uint16
    dl: np.ndarray  # int32 length per docno (0 for docnos not in the segment)


class SegmentWriter:
    """Accumulates documents field by field and writes one base segment directory."""

    def __init__(self, fields: Iterable[str]):
        self.fields = list(fields)
        self._vocab: dict[str, dict[str, int]] = {f: {} for f in self.fields}
        self._docs: dict[str, array] = {f: array("i") for f in self.fields}
        self._tids: dict[str, array] = {f: array("i") for f in self.fields}
        self._tfs: dict[str, array] = {f: array("H") for f in self.fields}
        self._dl: dict[str, array] = {f: array("i") for f in self.fields}
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

    def write(self, directory: Path, upto: int, meta: dict) -> None:
        """Write the segment into an empty directory, every file fsynced."""
        directory.mkdir(parents=True)
        for field in self.fields:
            tids = np.frombuffer(self._tids[field], dtype=np.int32)
            docs = np.frombuffer(self._docs[field], dtype=np.int32)
            tfs = np.frombuffer(self._tfs[field], dtype=np.uint16)
            # Documents arrive in docno order, so a stable sort by term keeps docnos
            # ascending inside each term's postings.
            order = np.argsort(tids, kind="stable")
            df = np.bincount(tids, minlength=len(self._vocab[field])).astype(np.int32)
            offsets = np.zeros(len(df) + 1, np.int64)
            np.cumsum(df, out=offsets[1:])
            dl = np.zeros(upto, np.int32)
            got = np.frombuffer(self._dl[field], dtype=np.int32)
            dl[: len(got)] = got[:upto]
            _save(directory / f"{field}.df.npy", df)
            _save(directory / f"{field}.offsets.npy", offsets)
            _save(directory / f"{field}.docs.npy", docs[order])
            _save(directory / f"{field}.tfs.npy", tfs[order])
            _save(directory / f"{field}.dl.npy", dl)
            text = "\n".join(self._vocab[field])  # dicts keep insertion order = term id
            _write_synced(directory / f"{field}.terms.txt", text.encode("utf-8"))
        _save(directory / "docnos.npy", np.frombuffer(self._docnos, dtype=np.int32))
        info = {"format": FORMAT_VERSION, "upto": upto, "fields": self.fields, **meta}
        _write_synced(directory / "segment.json", json.dumps(info, indent=1).encode())
        _fsync_dir(directory)


def read_segment_info(directory: Path) -> dict:
    """A segment's segment.json."""
    return json.loads((directory / "segment.json").read_text())


def read_segment(directory: Path) -> tuple[dict, np.ndarray, dict[str, BaseSegmentField]]:
    """Open a segment directory: its info, its docnos and its fields (arrays memory mapped)."""
    info = json.loads((directory / "segment.json").read_text())
    if info.get("format") != FORMAT_VERSION:
        raise ValueError(f"index format {info.get('format')} is not {FORMAT_VERSION}")
    fields = {}
    for field in info["fields"]:
        text = (directory / f"{field}.terms.txt").read_text("utf-8")
        terms = text.split("\n") if text else []
        fields[field] = BaseSegmentField(
            terms=terms,
            vocab={t: i for i, t in enumerate(terms)},
            df=np.load(directory / f"{field}.df.npy"),
            offsets=np.load(directory / f"{field}.offsets.npy"),
            docs=np.load(directory / f"{field}.docs.npy", mmap_mode="r"),
            tfs=np.load(directory / f"{field}.tfs.npy", mmap_mode="r"),
            dl=np.load(directory / f"{field}.dl.npy"),
        )
    return info, np.load(directory / "docnos.npy"), fields


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
