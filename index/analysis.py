"""Vietnamese analysis: normalized text -> pyvi's word segments -> index terms."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from .memo import memo_map
from .normalize import fold, normalize
from .orphans import die_with_parent
from .word_segmenter import Segmenter

# Analysis costs ~1 ms per 1,000 characters (pyvi's CRF ~6 ms); news articles beyond this are
# appendices and tables, so analysis stops here and indexing stays predictable.
MAX_ANALYZED_CHARS = 60_000
_PIECE_RE = re.compile(r"[^\W_]+(?:_[^\W_]+)*")
Segment = Callable[[str], str]
Pair = tuple[list[str], list[str]]


def pyvi_segment(text: str) -> str:
    """Join the syllables of each Vietnamese word with "_" (pyvi's CRF tokenizer itself)."""
    from pyvi import ViTokenizer  # imported late: loading the model costs ~1.5 s

    return ViTokenizer.tokenize(text)


@functools.cache
def crf_segmenter() -> Segmenter:
    """pyvi's model in index/word_segmenter.py, loaded once per process (~0.3 s)."""
    return Segmenter.from_pyvi()


def crf_segment(text: str) -> str:
    """pyvi's segmentation, the same string as pyvi_segment, several times faster."""
    return crf_segmenter()(text)


def terms_of(segmented: str) -> list[str]:
    """Index terms of pyvi output: punctuation dropped, "tp." -> "tp", "covid-19" -> "covid", "19"."""
    return _PIECE_RE.findall(segmented)


_FOLDED: dict[str, str] = {}
_FOLDED_LIMIT = 500_000  # distinct terms remembered; beyond this the cache starts over


def fold_terms(terms: Sequence[str]) -> list[str]:
    """Accent-folded terms ("thành_uỷ" -> "thanh_uy"), each distinct term folded once."""
    return memo_map(_FOLDED, _FOLDED_LIMIT, terms, fold)


class Analyzer:
    """One analysis for documents and queries: normalize, segment, keep word terms."""

    def __init__(self, segment: Segment = crf_segment) -> None:
        self._segment = segment

    @property
    def segment(self) -> Segment:
        """The segmenter (text -> words joined with "_")."""
        return self._segment

    def terms(self, text: str) -> list[str]:
        """Word terms of a text in index form ("Thành ủy Hà Nội" -> ["thành_uỷ", "hà_nội"])."""
        return self._terms_many([text])[0]

    def analyze(self, title: str, body: str) -> Pair:
        """Terms of an article's title and body."""
        return self.analyze_here([(title, body)])[0]

    def analyze_here(self, docs: Sequence[tuple[str, str]]) -> list[Pair]:
        """Analyze (title, body) pairs in this process, the segmenter called once for all."""
        terms = self._terms_many([text for doc in docs for text in doc])
        return list(zip(terms[0::2], terms[1::2], strict=True))

    def analyze_many(
        self, docs: Sequence[tuple[str, str]], workers: int | None = None
    ) -> list[Pair]:
        """Analyze many (title, body) pairs, on every core when the batch is worth it."""
        workers = workers or os.cpu_count() or 1
        # A worker costs ~0.1 s to start: below this, one process is as fast.
        if workers <= 1 or len(docs) < 2000 or not self.parallel:
            return self.analyze_here(docs)
        with ProcessPoolExecutor(
            max_workers=workers, initializer=warm, initargs=(self._segment, os.getpid())
        ) as pool:
            return analyze_on(pool, self._segment, docs, workers)

    @property
    def parallel(self) -> bool:
        """Whether worker processes can run this analysis (a module-level segmenter)."""
        return self._segment in (crf_segment, pyvi_segment)

    def _terms_many(self, texts: list[str]) -> list[list[str]]:
        texts = [normalize(t[:MAX_ANALYZED_CHARS]) for t in texts]
        todo = [i for i, t in enumerate(texts) if t.strip()]
        out: list[list[str]] = [[] for _ in texts]
        if self._segment is crf_segment:
            segmented = crf_segmenter().many([texts[i] for i in todo])
        else:
            segmented = [self._segment(texts[i]) for i in todo]
        for i, s in zip(todo, segmented, strict=True):
            out[i] = terms_of(s)
        return out


def warm(segment: Segment, parent: int | None = None) -> None:
    """Start a worker: tie its life to the parent's, then load the segmenter's model."""
    if parent is not None:
        die_with_parent(parent)  # a killed `newsbot index` must not leave its workers running
    segment("khởi động")


def analyze_on(
    pool: ProcessPoolExecutor, segment: Segment, docs: Sequence[tuple[str, str]], workers: int
) -> list[Pair]:
    """Analyze pairs on a pool of `workers` processes, in batches that keep them all busy."""
    size = max(8, min(256, len(docs) // (workers * 4)))
    batches = [docs[i : i + size] for i in range(0, len(docs), size)]
    results = pool.map(_analyze_batch, [segment] * len(batches), batches)
    return [pair for batch in results for pair in batch]


def _analyze_batch(segment: Segment, docs: Sequence[tuple[str, str]]) -> list[Pair]:
    return Analyzer(segment).analyze_here(docs)
