"""Phrases and the article text they are found in: syllables side by side in one sentence.

A phrase is the syllables of some typed words, in normal form (NFC, one tone-mark style,
lower case), accent-folded when typed without any diacritic. An article is read as its
sentences (title apart from body; a sentence ends at . ! ? … before a space, or a line
break), each as its syllables; a phrase stands in the article when its syllables stand side
by side, in order, in one sentence::

    article = ArticleText.of(title, body, source)
    article.has(Phrase.make("giá vàng", quoted=False))   # "đánh giá … mủ vàng" is False
    passage(Article(...), clause)   # the sentence where a clause's phrases stand, marked
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .models import Article, Excerpt
from .normalize import fold, has_diacritics, normalize
from .outlets import outlet_keys

__all__ = ["ArticleText", "Clause", "Phrase", "passage"]

_SYLLABLE = re.compile(r"[^\W_]+")
# A sentence ends at . ! ? … before a space (closing quotes or brackets may come between),
# or at a line break: "5.000" and "TP.HCM" stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’')\]]*\s+|\n+")


# ---- articles ----------------------------------------------------------------------------


def _sentences(text: str) -> Iterator[str]:
    for sentence in _SENTENCE_END.split(text):
        if sentence.strip():
            yield sentence


def _lines(title: str, body: str) -> list[str]:
    """Each sentence as " syl syl … " in normal form (the title is never one with the body)."""
    out = []
    for part in (title, body):
        for sentence in _sentences(normalize(part)):
            sylls = _SYLLABLE.findall(sentence)
            if sylls:
                out.append(" " + " ".join(sylls) + " ")
    return out


def _units_of(lines: list[str]) -> frozenset[str]:
    units: set[str] = set()
    for line in lines:
        sylls = line.split()
        units.update(sylls)
        units.update([a + " " + b for a, b in zip(sylls, sylls[1:], strict=False)])
    return frozenset(units)


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What matching needs about one article: its sentences and units, exact and folded."""

    text: str  # "\n syl syl \n syl …\n": a phrase " a b " is in it iff it stands in a sentence
    folded_text: str
    units: frozenset[str]  # syllables and side-by-side pairs ("giá vàng") of one sentence
    folded_units: frozenset[str]
    sources: frozenset[str]  # outlet_keys of the article's source

    @classmethod
    def of(cls, title: str, body: str, source: str | None = None) -> ArticleText:
        """The matching form of an article's title, body and source."""
        lines = _lines(title, body)
        folded = [fold(line) for line in lines]
        return cls(
            "\n" + "\n".join(lines) + "\n",
            "\n" + "\n".join(folded) + "\n",
            _units_of(lines),
            _units_of(folded),
            outlet_keys(source),
        )

    @classmethod
    def of_article(cls, article: Article) -> ArticleText:
        """The matching form of an Article."""
        return cls.of(article.title, article.body, article.source)

    def has(self, phrase: Phrase) -> bool:
        """Whether the phrase stands in one sentence as typed."""
        if phrase.folded:
            units, text = self.folded_units, self.folded_text
        else:
            units, text = self.units, self.text
        return phrase.units <= units and (phrase.needle is None or phrase.needle in text)


@dataclass(frozen=True, slots=True)
class Phrase:
    """Syllables that must stand side by side in one sentence, in this order."""

    text: str  # as typed, spaces collapsed: "Giá vàng"
    syllables: tuple[str, ...]  # normal form: "giá", "vàng"; accent-folded when folded
    folded: bool  # typed without any diacritic
    quoted: bool
    units: frozenset[str]  # what the article's units must hold: the syllable, or its pairs
    needle: str | None  # " a b c " to find in the text; None when units alone decide (<= 2)

    @classmethod
    def make(cls, text: str, quoted: bool) -> Phrase | None:
        """The phrase of some typed words; None when they hold no syllable."""
        text = " ".join(text.split())
        folded = not has_diacritics(text)
        form = normalize(text)
        sylls = tuple(_SYLLABLE.findall(fold(form) if folded else form))
        if not sylls:
            return None
        pairs = [a + " " + b for a, b in zip(sylls, sylls[1:], strict=False)]
        units = frozenset(pairs or sylls)
        needle = " " + " ".join(sylls) + " " if len(sylls) > 2 else None
        return cls(text, sylls, folded, quoted, units, needle)

    @property
    def key(self) -> str:
        """Equal for one phrase typed two ways ("Giá  VÀNG", "giá vàng")."""
        return ("~" if self.folded else "") + " ".join(self.syllables)

    def shown(self) -> str:
        """The phrase as it re-parses: quoted when typed so."""
        return f'"{self.text}"' if self.quoted else self.text


@dataclass(frozen=True, slots=True)
class Clause:
    """Phrases that must all stand in an article: an alternative, or what one "-" excludes."""

    phrases: tuple[Phrase, ...]

    @property
    def text(self) -> str:
        """The clause as typed: "giá vàng", '"giá vàng" SJC'."""
        return " ".join(p.shown() for p in self.phrases)

    @property
    def key(self) -> str:
        """Equal for one clause typed two ways."""
        return " + ".join(sorted({p.key for p in self.phrases}))

    def found_in(self, article: ArticleText) -> bool:
        """Whether every phrase stands in the article."""
        return all(article.has(p) for p in self.phrases)


# ---- showing what matched ----------------------------------------------------------------


def passage(article: Article, clause: Clause) -> Excerpt | None:
    """The first sentence (title, then body) where a phrase of the clause stands, marked."""
    longest = sorted(clause.phrases, key=lambda p: -len(p.syllables))
    for part in (article.title, article.body):
        for sentence in _sentences(part):
            spans = [s for p in longest if (s := _span(sentence, p)) is not None]
            if spans:
                return Excerpt(sentence.strip(), tuple(sorted(_shift(sentence, spans))))
    return None


def _span(sentence: str, phrase: Phrase) -> tuple[int, int] | None:
    """Where the phrase's syllables stand side by side in a sentence, as offsets."""
    found = [
        (m.start(), m.end(), fold(f) if phrase.folded else f)
        for m in _SYLLABLE.finditer(sentence)
        for f in (normalize(m.group()),)
    ]
    n = len(phrase.syllables)
    for i in range(len(found) - n + 1):
        if tuple(s for _, _, s in found[i : i + n]) == phrase.syllables:
            return found[i][0], found[i + n - 1][1]
    return None


def _shift(sentence: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    lead = len(sentence) - len(sentence.lstrip())
    return [(a - lead, b - lead) for a, b in spans]
