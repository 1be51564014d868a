"""The semantic stage: a question's meaning, beside its words, in the ranking.

The lexical stage finds and orders candidates; this stage adds the articles whose lead is
nearest the question's vector (a dense candidate source: exact search over int8 vectors,
so an article sharing no word with the question can still come up) and then mixes each
candidate's best passage cosine into its score. Articles without vectors yet keep their
lexical place. A question typed without diacritics is embedded with the accents the
lexical stage's leading articles spell its syllables with: e5 reads bare Vietnamese poorly.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .accents import restore_accents
from .embedding import Encoder
from .lead_bits import EXACT_BELOW, LeadBits
from .normalize import has_diacritics, normalize
from .ranker import in_range
from .ranking import Ranking
from .vectors import Stored, VectorFiles, Vectors

__all__ = ["Coverage", "Meaning", "SemanticStage", "VectorStorage", "fuse", "weight"]

log = logging.getLogger(__name__)

CACHED_QUESTIONS = 4096
# how long a search waits for the question's thread to start embedding (a busy thread: the
# search goes on, the question waits its turn)
STARTS_WITHIN = 0.005
# a question typed without diacritics takes its accents from this many leading candidates
ACCENT_SOURCES = 5
# the question's thread looks up this many times semantic_depth nearest leads among all
# (search() keeps the first semantic_depth its live and period filters let through)
NEAR_SPARE = 2
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Coverage:
    """The semantic stage's reach: live articles, and how many have vectors."""

    articles: int
    leads: int  # with their lead vector (the dense candidate source finds them)
    windows: int  # with their passage windows too

    @property
    def share(self) -> float:
        """Articles with a lead vector over live articles (1.0 for none)."""
        return self.leads / self.articles if self.articles else 1.0


@dataclass(frozen=True, slots=True)
class Meaning:
    """A question's vector, and its lexical candidates' passage vectors (read while the
    question was embedded)."""

    vector: np.ndarray
    read: Stored | None = None


class VectorStorage(Protocol):
    """Where vectors are stored: vectors.VectorFiles, or vector_table.VectorTable."""

    def describe(self) -> str: ...
    def lock(self, wait: bool = True) -> AbstractContextManager[bool]: ...
    def append(self, rows, vectors: np.ndarray, done: Iterable[tuple[int, int]]) -> int: ...
    def tidy(self, alive: np.ndarray | None, most: int = 16) -> None: ...
    def compact(self, alive: np.ndarray | None = None, seqs: list[int] | None = None) -> int: ...
    def drop(self) -> int: ...
    def tiers(self) -> dict[int, int]: ...
    def signature(self) -> tuple[int, ...]: ...
    def load(self) -> Vectors: ...
    def problem(self, max_docno: int | None = None) -> str | None: ...


class Live(Protocol):
    """Which docnos are live, and their days (segments.Loaded)."""

    alive: np.ndarray
    dates: np.ndarray


def _key(question: str) -> str:
    """A question as it is embedded and cached: normalised, spaces collapsed."""
    return _SPACES.sub(" ", normalize(question)).strip()


def weight(dense: np.ndarray, r: Ranking) -> float:
    """The fusion weight for one question: r.semantic, rising to r.semantic_sure as the best
    passage cosine leads the next candidate's by up to r.semantic_gap (dense: the cosines of
    the candidates whose windows are embedded)."""
    found = np.sort(dense[~np.isnan(dense)])
    if len(found) < 2 or r.semantic_gap <= 0:
        return r.semantic
    lead = float(found[-1] - found[-2])
    return r.semantic + (r.semantic_sure - r.semantic) * min(1.0, lead / r.semantic_gap)


def fuse(lexical: np.ndarray, dense: np.ndarray, weight: float) -> np.ndarray:
    """Lexical scores with weight x the min-max dense cosine mixed in, on the lexical scale.

    Both are min-max scaled over the candidates; a candidate without a vector (NaN) takes
    its own lexical share as its dense one, so it neither gains nor loses.
    """
    lexical = np.asarray(lexical, np.float64)
    has = ~np.isnan(dense)
    if weight <= 0 or has.sum() < 2 or len(lexical) < 2:
        return lexical
    lo, hi = float(lexical.min()), float(lexical.max())
    lex = (lexical - lo) / (hi - lo) if hi > lo else np.ones_like(lexical)
    d = dense[has].astype(np.float64)
    dlo, dhi = float(d.min()), float(d.max())
    share = lex.copy()
    share[has] = (d - dlo) / (dhi - dlo) if dhi > dlo else 1.0
    mixed = (1 - weight) * lex + weight * share
    return lo + (hi - lo if hi > lo else 1.0) * mixed


class SemanticStage:
    """Question vectors (cached), the stored passage vectors, and what they add to a ranking."""

    def __init__(self, encoder: Encoder | None, storage: Path | VectorStorage):
        self.encoder = encoder
        # a vectors folder beside the segment, or the shared database's table (vector_table.py)
        self.files: VectorStorage = (
            VectorFiles(storage) if isinstance(storage, (str, Path)) else storage
        )
        self._vectors = Vectors.empty()
        self._bits: LeadBits | None = None  # built when there are EXACT_BELOW leads or more
        self._signature: tuple[int, ...] = ()
        self._questions: OrderedDict[str, np.ndarray] = OrderedDict()
        self._pending: dict[str, Future] = {}
        # a prefetched question's nearest leads among all, found on its thread once embedded
        self._near: OrderedDict[str, np.ndarray] = OrderedDict()
        self._embedder: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._loading = threading.Lock()
        self.refresh()

    @property
    def on(self) -> bool:
        """Whether there is an encoder to embed questions with."""
        return self.encoder is not None

    @property
    def vectors(self) -> Vectors:
        """The vectors as loaded now."""
        return self._vectors

    def refresh(self) -> bool:
        """Load the vectors again if chunks were added or compacted since."""
        with self._loading:  # one at a time: added chunks are placed into what is loaded
            signature, before, was = self.files.signature(), self._signature, self._vectors
            if signature == before:
                return False
            extend, bits = getattr(self.files, "extend", None), None
            try:  # only chunks added (a worker's batches): placed into the loaded vectors
                if extend is not None and before and signature[: len(before)] == before:
                    loaded = extend(was, list(signature[len(before) :]))
                    bits = self._bits.extended(was, loaded) if self._bits else None
                else:
                    loaded = self.files.load()
            except (OSError, ValueError) as e:  # compacted away while being read: next time
                log.info("vectors not reloaded (%s); keeping the loaded ones", e)
                return False
            if bits is None and loaded.n_leads >= EXACT_BELOW:
                bits = LeadBits(loaded)
            self._vectors, self._bits, self._signature = loaded, bits, signature
            return True

    def coverage(self, alive: np.ndarray) -> Coverage:
        """How many live articles have their lead vector, and their windows, as loaded now."""
        leads, windows = self._vectors.covered(alive)
        return Coverage(int(alive.sum()), leads, windows)

    def compact(self, alive: np.ndarray) -> bool:
        """Drop the vectors of articles no longer live, as the segment's compaction drops their
        postings; False when there were none, or an embedder holds the lock (the next
        compaction does it: the ranking never reads a retired article's vectors)."""
        self.refresh()
        done = self._vectors.done[:, 0]
        if not len(done):
            return False
        dead = done >= len(alive)
        dead[~dead] = ~alive[done[~dead]]
        if not dead.any():
            return False
        with self.files.lock(wait=False) as held:
            if not held:
                return False
            self.files.compact(alive)
        self.refresh()
        return True

    def prefetch(self, text: str, r: Ranking, exact: bool = False) -> None:
        """Start embedding a question typed with its accents on a thread of its own, so the
        lexical stage ranks meanwhile (the encoder's C code does not hold the GIL); a bare
        question waits for the lexical candidates to lend it accents."""
        if exact or not r.semantic or self.encoder is None or not has_diacritics(text):
            return
        if not self._vectors.n_leads:
            return  # nothing embedded yet: a question's vector would meet no article
        key, started = _key(text), threading.Event()
        with self._lock:
            if key in self._questions or key in self._pending:
                return
            if self._embedder is None:
                self._embedder = ThreadPoolExecutor(1, thread_name_prefix="question-vector")
            near = r.semantic_depth * NEAR_SPARE
            self._pending[key] = self._embedder.submit(self._embed, key, started, near)
        # waiting hands the thread the GIL now: else it waits for the lexical stage's Python
        # to yield it (sys.getswitchinterval(), 5 ms) before the encoder's C code can start
        started.wait(STARTS_WITHIN)

    def question(self, text: str) -> np.ndarray | None:
        """The question's vector (one embedding per distinct question), None if off."""
        key = _key(text)
        with self._lock:
            if (hit := self._questions.get(key)) is not None:
                self._questions.move_to_end(key)
                return hit
            pending = self._pending.get(key)
        return pending.result() if pending is not None else self._embed(key)

    def _embed(
        self, key: str, started: threading.Event | None = None, near: int = 0
    ) -> np.ndarray | None:
        """Embed a normalised question and remember its vector (and with near, its nearest
        leads among all: found here, they cost the search nothing while it still ranks)."""
        encoder, vector, nearest = self.encoder, None, None
        if started is not None:
            started.set()
        try:
            if encoder is not None:
                vector = np.asarray(encoder.query(key), np.float32)
        except Exception as e:  # noqa: BLE001 - a failing encoder costs meaning, never an answer
            log.warning("semantic stage off: the encoder failed (%s: %s)", type(e).__name__, e)
            self.encoder = None
        if vector is not None and near:
            nearest = self.nearest(vector, near, None)
        with self._lock:  # the vector is seen with its nearest leads, or not at all
            if vector is not None:
                self._questions[key] = vector
                while len(self._questions) > CACHED_QUESTIONS:
                    self._questions.popitem(last=False)
            if nearest is not None:
                self._near[key] = nearest
                while len(self._near) > CACHED_QUESTIONS // 64:  # searches take theirs at once
                    self._near.popitem(last=False)
            self._pending.pop(key, None)
        return vector

    def nearest(self, vector: np.ndarray, k: int, allowed: np.ndarray | None) -> np.ndarray:
        """Docnos of the k leads nearest the vector among allowed docnos (a bool mask; None:
        all): by int8 cosine over every lead, or over the sign bits' shortlist (lead_bits.py)
        at scale."""
        v, bits = self._vectors, self._bits
        if not k or not v.n_leads or (allowed is not None and not len(allowed)):
            return np.zeros(0, np.int64)
        docnos = v.docnos[: v.n_leads]
        if allowed is None:
            ok = np.ones(len(docnos), bool)
        else:
            ok = np.take(allowed, docnos, mode="clip") & (docnos < len(allowed))
        if bits is not None and len(bits) == v.n_leads:
            rows = bits.shortlist(vector, ok)
            cos = v.dot(rows, vector)
        else:
            rows = np.flatnonzero(ok)
            cos = v.all_leads(vector)[rows]
        k = min(k, len(rows))
        if not k:
            return np.zeros(0, np.int64)
        top = np.argpartition(-cos, k - 1)[:k]
        return docnos[rows[top[np.argsort(-cos[top], kind="stable")]]]

    def candidates(
        self,
        query: str,
        typed_bare: bool,
        docnos: np.ndarray,
        scores: np.ndarray,
        texts: Callable[[Iterable[int]], Mapping[int, tuple[str, str]]],
        live: Live,
        rng: tuple[dt.date | None, dt.date | None] | None,
        only: np.ndarray | None,
        ranking: Ranking,
    ) -> tuple[np.ndarray, np.ndarray, Meaning | None]:
        """The lexical candidates with the nearest leads added, and the question's meaning.

        A question typed without diacritics is embedded as the leading candidates spell its
        syllables. Added articles enter at the weakest candidate's score; passages and
        rescore() place them.
        """
        if not len(docnos) or not self._vectors.n_leads:
            # no article shares a word with the question: the nearest leads would be the
            # archive's closest unrelated articles (e5 always finds some), not an answer;
            # no vectors yet (a new archive, the backfill not begun): the question's
            # embedding would cost a core tens of milliseconds for nothing
            return docnos, scores, None
        if typed_bare:
            lead = texts(int(d) for d in docnos[:ACCENT_SOURCES])
            query = restore_accents(query, (t + "\n" + b for t, b in lead.values()))
        read = self._vectors.read(docnos)  # while the question may still be embedded
        vector = self.question(query)
        if vector is None:
            return docnos, scores, None
        meaning = Meaning(vector, read)
        if not ranking.semantic_depth:
            return docnos, scores, meaning
        allowed = live.alive.copy()
        if rng is not None:
            allowed &= in_range(live.dates[: len(allowed)], rng)
        if only is not None:
            mask = np.zeros(len(allowed), bool)
            mask[only[only < len(allowed)]] = True
            allowed &= mask
        near = self._prefetched(_key(query), ranking.semantic_depth, allowed)
        if near is None:
            near = self.nearest(vector, ranking.semantic_depth, allowed)
        new = near[~np.isin(near, docnos)]
        if not len(new):
            return docnos, scores, meaning
        floor = float(scores.min()) if len(scores) else 0.0
        docnos = np.concatenate([docnos, new])
        return docnos, np.concatenate([scores, np.full(len(new), floor)]), meaning

    def _prefetched(self, key: str, k: int, allowed: np.ndarray) -> np.ndarray | None:
        """The k nearest allowed leads from those the question's thread found among all, or
        None when too few of those are allowed (a period, outlets: search them again)."""
        with self._lock:
            near = self._near.pop(key, None)
        if near is None:
            return None
        ok = np.take(allowed, near, mode="clip") & (near < len(allowed))
        return near[ok][:k] if ok.sum() >= k else None

    def rescore(
        self,
        meaning: Meaning | np.ndarray | None,
        docnos: np.ndarray,
        scores: np.ndarray,
        r: Ranking,
    ) -> np.ndarray:
        """Scores with each candidate's best passage cosine fused in (unchanged if off)."""
        if meaning is None or not r.semantic or not len(docnos):
            return scores
        if not isinstance(meaning, Meaning):
            meaning = Meaning(np.asarray(meaning, np.float32))
        dense, windowed = self._dense(meaning, np.asarray(docnos, np.int64))
        # a lead alone is no sure sign (measured: leads only, 10,000 distractors, lost 0.002)
        return fuse(scores, dense, weight(dense[windowed], r))

    def _dense(self, meaning: Meaning, docnos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each docno's best passage cosine and whether it has windows: from what was read
        before the question's vector came, the rest (the dense source's additions) read now."""
        read = meaning.read
        if read is None:
            return self._vectors.passages(docnos, meaning.vector)
        dense, windowed = read.best(meaning.vector)
        at = {int(d): i for i, d in enumerate(read.docnos.tolist())}
        where = np.array([at.get(d, -1) for d in docnos.tolist()], np.int64)
        out = np.where(where >= 0, dense[where], np.nan).astype(np.float32)
        held = np.where(where >= 0, windowed[where], False)
        if (rest := where < 0).any():
            out[rest], held[rest] = self._vectors.passages(docnos[rest], meaning.vector)
        return out, held

    def fusion(
        self, meaning: Meaning | None, r: Ranking
    ) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
        """rescore() for one question, as the second stage takes it; None if off."""
        if meaning is None or not r.semantic:
            return None
        return lambda docnos, scores: self.rescore(meaning, docnos, scores, r)
