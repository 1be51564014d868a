"""Questions to suggest: key phrases of the newest titles that find their own article."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from index.normalize import normalize
from index.search import SearchIndex

__all__ = ["Suggestions", "key_phrase", "suggest"]

POOL = 40  # newest articles looked at
WANT = 3  # suggestions shown
CHECK_TOP = 3  # a phrase is kept when its own article is among this many results
KEEP_SECONDS = 600.0  # the bot recomputes them this often (new articles arrive meanwhile)


def key_phrase(terms: Sequence[str], least: int = 3, most: int = 5) -> str | None:
    """The head of a title: its first words up to `least` syllables (never over `most`)."""
    # a Vietnamese headline leads with its subject ("Giá vàng SJC …", "Bão số 3 …"), so its
    # first words are what a reader would ask about
    words: list[str] = []
    count = 0
    for term in terms:
        size = len(term.split("_"))
        if count + size > most:
            break
        words.append(term.replace("_", " "))
        count += size
        if count >= least:
            return " ".join(words)
    return None


def as_written(title: str, phrase: str) -> str:
    """The phrase in the title's own spelling and case when the title starts with it."""
    words = title.split()[: len(phrase.split())]
    written = " ".join(words).strip(" .,:;!?\"'“”‘’()[]-–")
    same = normalize(written).lower() == phrase
    return written if same else phrase


def suggest(index: SearchIndex, want: int = WANT, pool: int = POOL) -> list[str]:
    """Up to `want` questions from the newest titles, each checked to find its article."""
    out: list[str] = []
    seen: set[str] = set()
    for article in index.latest(pool):
        phrase = key_phrase(index.analyzer.terms(article.title))
        if not phrase or phrase in seen:
            continue
        seen.add(phrase)
        hits = index.search(phrase, k=CHECK_TOP).hits
        if any(h.article.id == article.id for h in hits):
            out.append(as_written(article.title, phrase))
            if len(out) >= want:
                break
    return out


class Suggestions:
    """suggest() kept for a while: the welcome must not run searches on every /start."""

    def __init__(self, index: SearchIndex, keep: float = KEEP_SECONDS):
        self.index = index
        self.keep = keep
        self._lock = threading.Lock()
        self._at = float("-inf")
        self._value: list[str] = []

    def get(self) -> list[str]:
        """The current suggestions (blocking: searches when they are stale)."""
        with self._lock:
            if time.monotonic() - self._at > self.keep or not self._value:
                self._value = suggest(self.index)
                self._at = time.monotonic()
            return list(self._value)
