"""The indexed fields of an article, each declared once: its name, its terms, its kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from .analysis import fold_terms
from .query import aliases_in_words

# a syllable posting adds UNIT besides its score, so one scatter also counts the syllables
# an article holds (ranker.Ranker.ranked); scores stay far below it
UNIT = float(2**20)


class Source(NamedTuple):
    """What every field's terms are made from: an article's analyzed title and body."""

    title: list[str]  # the title's terms
    whole: list[str]  # the title's terms, then the body's
    folded: list[str]  # whole, accent-folded
    syllables: str  # folded, as space-separated syllables


@dataclass(frozen=True, slots=True)
class Field:
    """One indexed field: its name, how its terms are made, whether it counts syllables."""

    name: str
    terms: Callable[[Source], list[str]]
    syllable: bool = False  # its postings add UNIT (ranker counts syllables with them)


BODY = Field("body", lambda s: s.whole)
TITLE = Field("title", lambda s: s.title)
FOLD = Field("fold", lambda s: s.folded)
FOLD_TITLE = Field("fold_title", lambda s: s.folded[: len(s.title)])
ALIAS = Field("alias", lambda s: aliases_in_words(s.syllables))
SYL = Field("syl", lambda s: s.syllables.split(), syllable=True)
# the syllables that carry diacritics, as written: a question's accented syllables match
# only these ("mưa" is not "mua")
# (every diacritic is outside ASCII, and isascii is far cheaper than a table lookup)
ASYL = Field(
    "asyl", lambda s: [x for t in s.whole for x in t.split("_") if not x.isascii()], syllable=True
)

# The schema, in the order segments store the fields (a change rewrites segments on open).
SCHEMA: tuple[Field, ...] = (BODY, TITLE, FOLD, FOLD_TITLE, ALIAS, SYL, ASYL)
FIELDS = tuple(f.name for f in SCHEMA)
SYLLABLE_FIELDS = tuple(f.name for f in SCHEMA if f.syllable)
_UNITS = {f.name: UNIT if f.syllable else 0.0 for f in SCHEMA}


def field_terms(title_terms: list[str], body_terms: list[str]) -> dict[str, list[str]]:
    """The terms of each indexed field of an article."""
    whole = title_terms + body_terms
    folded = fold_terms(whole)
    source = Source(title_terms, whole, folded, " ".join(folded).replace("_", " "))
    return {f.name: f.terms(source) for f in SCHEMA}


def unit(field: str) -> float:
    """What each posting adds besides its score: syllable postings also count (UNIT)."""
    return _UNITS.get(field, 0.0)
