"""The indexed fields of an article: their names and how each one's terms are made."""

from __future__ import annotations

from .query import aliases_in_words
from .segment import fold_terms

FIELDS = ("body", "title", "fold", "fold_title", "alias", "syl", "asyl")
SYLLABLE_FIELDS = ("syl", "asyl")
# a syllable posting adds UNIT besides its score, so one scatter also counts the syllables
# an article holds (ranker.Ranker.ranked); scores stay far below it
UNIT = float(2**20)


def field_terms(title_terms: list[str], body_terms: list[str]) -> dict[str, list[str]]:
    """The terms of each indexed field of an article."""
    whole = title_terms + body_terms
    folded = fold_terms(whole)
    syllable_text = " ".join(folded).replace("_", " ")
    return {
        "body": whole,
        "title": title_terms,
        "fold": folded,
        "fold_title": folded[: len(title_terms)],
        "alias": aliases_in_words(syllable_text),
        "syl": syllable_text.split(),
        # the syllables that carry diacritics, as written: a question's accented syllables
        # match only these ("mưa" is not "mua")
        # (every diacritic is outside ASCII, and isascii is far cheaper than a table lookup)
        "asyl": [s for t in whole for s in t.split("_") if not s.isascii()],
    }


def unit(field: str) -> float:
    """What each posting adds besides its score: syllable postings also count (UNIT)."""
    return UNIT if field in SYLLABLE_FIELDS else 0.0
