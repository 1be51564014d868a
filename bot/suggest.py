"""Questions to suggest: key phrases of the newest titles that find their own article."""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from index import SearchIndex, normalize

__all__ = ["Suggestions", "key_phrase", "suggest"]

POOL = 40  # newest articles looked at
WANT = 3  # suggestions shown
CHECK_TOP = 3  # a phrase is kept when its own article is among this many results
KEEP_SECONDS = 600.0  # the bot recomputes them this often (new articles arrive meanwhile)
MAX_WORDS = 4  # a suggestion has at most this many words (pyvi terms)
MAX_SYLLABLES = 5
NAME_BONUS = 2
_SYLLABLE = re.compile(r"[^\W_]+")  # the syllables of a title, as the analyzer splits them


@dataclass(frozen=True, slots=True)
class _Word:
    text: str  # as the title writes it
    syllables: int
    content: bool  # a compound word, a name or a number: what a question is made of
    name: bool  # capitalized inside the title, or an acronym, or a number


def _words(title: str, terms: Sequence[str]) -> list[_Word]:
    """The title's words with their spelling and kind; a run of capitalized words is one."""
    written = _SYLLABLE.findall(unicodedata.normalize("NFC", title))
    flat = [s for t in terms for s in t.split("_")]
    if [normalize(w) for w in written] != flat:  # an unusual title: its terms as they are
        written = flat
    pieces: list[tuple[list[str], bool, bool]] = []  # (syllables, capitalized, acronym or code)
    at = 0
    for term in terms:
        own = written[at : at + term.count("_") + 1]
        at += len(own)
        capital = all(w[:1].isupper() for w in own)
        # "HLV", "UAE", "8K", "U23": asked about as they are; a bare number is not
        code = any(w.isupper() and len(w) > 1 for w in own) or (
            any(c.isdigit() for c in term) and any(c.isalpha() for c in term)
        )
        if capital and pieces and pieces[-1][1] and not code and not pieces[-1][2]:
            pieces[-1][0].extend(own)  # "Hải" "Phòng" -> "Hải Phòng", "Nguyễn Thị Bình"
        else:
            pieces.append((list(own), capital, code))
    out = []
    for i, (own, capital, code) in enumerate(pieces):
        # the title's first word is capitalized anyway: a name there needs two capitals
        name = code or (capital and (i > 0 or len(own) > 1))
        out.append(_Word(" ".join(own), len(own), len(own) > 1 or name, name))
    return out


def key_phrase(title: str, terms: Sequence[str]) -> str | None:
    """The title's best question: 2 to 5 syllables of compound words, names and numbers."""
    # windows begin and end on content words ("Việt Nam", "tỷ phú", "USD", "8K"), never on
    # function words ("có", "bên", "lần"); names and numbers weigh more: they are what
    # readers ask about ("Cần Giờ", "TV 8K", "Vân Sơn")
    words = _words(title, terms)
    best, best_score = None, 0
    for start in range(len(words)):
        for end in range(start + 1, min(start + MAX_WORDS, len(words)) + 1):
            window = words[start:end]
            size = sum(w.syllables for w in window)
            if size > MAX_SYLLABLES:
                break
            if size < 2 or not (window[0].content and window[-1].content):
                continue
            score = sum(w.syllables for w in window if w.content)
            score += NAME_BONUS if any(w.name for w in window) else 0
            if score > best_score:
                best, best_score = window, score
    return " ".join(w.text for w in best) if best else None


def suggest(index: SearchIndex, want: int = WANT, pool: int = POOL) -> list[str]:
    """Up to `want` questions from the newest titles, each checked to find its article."""
    out: list[str] = []
    seen: set[str] = set()
    for article in index.latest(pool):
        phrase = key_phrase(article.title, index.analyzer.terms(article.title))
        if not phrase or phrase.lower() in seen:
            continue
        seen.add(phrase.lower())
        hits = index.search(phrase, k=CHECK_TOP).hits
        if any(h.article.id == article.id for h in hits):
            out.append(phrase)
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
