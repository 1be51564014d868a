"""Vietnamese analysis: normalized text -> pyvi word segments -> index terms."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor

from .normalize import fold, normalize
from .orphans import die_with_parent

# pyvi's CRF costs ~6 ms per 1,000 characters; news articles beyond this are appendices
# and tables, so analysis stops here and indexing stays predictable.
MAX_ANALYZED_CHARS = 60_000
_PIECE_RE = re.compile(r"[^\W_]+(?:_[^\W_]+)*")
Segmenter = Callable[[str], str]


def pyvi_segment(text: str) -> str:
    """Join the syllables of each Vietnamese word with "_" (pyvi's CRF tokenizer)."""
    from pyvi import ViTokenizer  # imported late: loading the model costs ~1 s

    return ViTokenizer.tokenize(text)


def terms_of(segmented: str) -> list[str]:
    """Index terms of pyvi output: punctuation dropped, "tp." -> "tp", "covid-19" -> "covid", "19"."""
    return _PIECE_RE.findall(segmented)


def syllables(term: str) -> list[str]:
    """The syllables of one term ("hà_nội" -> ["hà", "nội"])."""
    return term.split("_")


def fold_terms(terms: Iterable[str]) -> list[str]:
    """Accent-folded terms ("thành_uỷ" -> "thanh_uy")."""
    return [fold(t) for t in terms]


class Analyzer:
    """One analysis for documents and queries: normalize, segment, keep word terms."""

    def __init__(self, segment: Segmenter = pyvi_segment) -> None:
        self._segment = segment

    def terms(self, text: str) -> list[str]:
        """Word terms of a text in index form ("Thành ủy Hà Nội" -> ["thành_uỷ", "hà_nội"])."""
        text = normalize(text[:MAX_ANALYZED_CHARS])
        if not text.strip():
            return []
        return terms_of(self._segment(text))

    def analyze(self, title: str, body: str) -> tuple[list[str], list[str]]:
        """Terms of an article's title and body."""
        return self.terms(title), self.terms(body)

    def analyze_many(
        self, docs: Sequence[tuple[str, str]], workers: int | None = None
    ) -> list[tuple[list[str], list[str]]]:
        """Analyze many (title, body) pairs, on every core when the batch is worth it."""
        workers = workers or os.cpu_count() or 1
        # A worker pays ~1.5 s to load pyvi: small batches are faster in this process.
        if workers <= 1 or len(docs) < 200 or self._segment is not pyvi_segment:
            return [self.analyze(t, b) for t, b in docs]
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_warm, initargs=(os.getpid(),)
        ) as pool:
            chunk = max(8, len(docs) // (workers * 8))
            return list(pool.map(_analyze_pair, docs, chunksize=chunk))


def _warm(parent: int | None = None) -> None:
    """Start a pyvi worker: tie its life to the parent's, then load the model."""
    if parent is not None:
        die_with_parent(parent)  # a killed `newsbot index` must not leave 145 MB workers
    pyvi_segment("khởi động")


_DEFAULT = Analyzer()


def _analyze_pair(doc: tuple[str, str]) -> tuple[list[str], list[str]]:
    return _DEFAULT.analyze(*doc)
