"""An encoder that remembers: benchmark vectors cached under /tmp (never in the repo).

Vectors are keyed by the text's digest, so every benchmark and every rerun that embeds the
same passage reads it back instead of spending a quarter of a second of a core on it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("NEWSBOT_BENCH_VECTORS", "/tmp/newsbot-bench-vectors"))


def _key(kind: str, text: str) -> bytes:
    return hashlib.sha1(f"{kind}\0{text}".encode()).digest()[:16]


class CachedEncoder:
    """Wraps an encoder; passage vectors are kept in float16 chunks under CACHE/<name>/."""

    def __init__(self, encoder, name: str = "e5-small-q4", cache: Path = CACHE):
        self.encoder = encoder
        self.dir = cache / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.known: dict[bytes, np.ndarray] = {}
        self.embedded = 0
        self.embedded_queries = 0
        self._queries: list[bytes] = []
        for keys in sorted(self.dir.glob("keys-*.npy")):
            vecs = np.load(keys.with_name(keys.name.replace("keys-", "vecs-")))
            for k, v in zip(np.load(keys), vecs, strict=True):
                self.known[bytes(k)] = v
        self._chunk = len(list(self.dir.glob("keys-*.npy")))

    def query(self, text: str) -> np.ndarray:
        """A question's vector, cached too (saved 64 at a time): the benchmarks print what
        embedding a question costs apart (bench/embed.py), and reruns skip it."""
        key = _key("query", text)
        if key not in self.known:
            self.known[key] = self.encoder.query(text).astype(np.float16)
            self._queries.append(key)
            self.embedded_queries += 1
            if len(self._queries) >= 64:
                self.flush()
        return self.known[key].astype(np.float32)

    def flush(self) -> None:
        """Save the questions embedded since the last save."""
        if self._queries:
            self._save(self._queries, np.stack([self.known[k] for k in self._queries]))
            self._queries = []

    def passages(self, texts: list[str]) -> np.ndarray:
        """Cached vectors, the missing ones embedded and saved as one chunk."""
        keys = [_key("passage", t) for t in texts]
        todo = sorted({i for i, k in enumerate(keys) if k not in self.known}, key=keys.__getitem__)
        todo_keys: dict[bytes, int] = {}
        for i in todo:
            todo_keys.setdefault(keys[i], i)
        if todo_keys:
            order = list(todo_keys.values())
            vecs = self.encoder.passages([texts[i] for i in order]).astype(np.float16)
            self._save(list(todo_keys), vecs)
            for k, v in zip(todo_keys, vecs, strict=True):
                self.known[k] = v
            self.embedded += len(order)
        out = np.stack([self.known[k] for k in keys]) if keys else np.zeros((0, 384), np.float16)
        return out.astype(np.float32)

    def has(self, text: str) -> bool:
        """Whether a passage's vector is cached."""
        return _key("passage", text) in self.known

    def _save(self, keys: list[bytes], vecs: np.ndarray) -> None:
        n = self._chunk
        self._chunk += 1
        tmp = self.dir / f".tmp-{os.getpid()}"
        np.save(tmp.with_suffix(".v.npy"), vecs)
        np.save(tmp.with_suffix(".k.npy"), np.array(keys, dtype="S16"))
        # vecs first: a keys file is only ever seen with its vectors beside it
        os.replace(tmp.with_suffix(".v.npy"), self.dir / f"vecs-{os.getpid()}-{n:06d}.npy")
        os.replace(tmp.with_suffix(".k.npy"), self.dir / f"keys-{os.getpid()}-{n:06d}.npy")
