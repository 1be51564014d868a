"""The query planner: which fields, terms and weights a question is scored with."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from .analysis import Analyzer
from .bm25 import FieldPostings
from .fields import ALIAS, ASYL, BODY, FOLD, FOLD_TITLE, SYL, TITLE
from .normalize import fold, has_diacritics, normalize
from .query import is_question, is_question_word, parse
from .ranking import Ranking
from .spelling import corrections

# A longer question is cut here (the bot says so): every word costs a postings scan.
MAX_QUERY_CHARS = 300
_SYLLABLE = re.compile(r"[^\W_]+")  # the syllables of a text, as the analyzer splits them
Prefetch = Callable[[Iterable[tuple[str, str]]], None]


def _no_prefetch(wanted: Iterable[tuple[str, str]]) -> None:
    """The embedded postings answer each read at once: nothing to fetch ahead."""


class Part(NamedTuple):
    """One part of a plan: these terms of this field, scored with this weight."""

    field: str
    terms: tuple[str, ...]
    weight: float


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """How a query is scored: its parts and the words to highlight."""

    parts: tuple[Part, ...]
    highlight: tuple[str, ...]
    folded: bool
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    lucene: bool = False  # Lucene's idf instead of BM25Okapi's (Ranking.idf)
    b: float | None = None  # another length normalization than the params' (Ranking.b)

    def __post_init__(self) -> None:
        # plan() writes its parts as plain (field, terms, weight) tuples
        object.__setattr__(self, "parts", tuple(Part(*p) for p in self.parts))


class QueryPlanner:
    """Plans queries against the current fields (their vocabulary splits accentless text)."""

    def __init__(
        self,
        analyzer: Analyzer,
        ranking: Ranking,
        fields: Callable[[], Mapping[str, FieldPostings]],
        prefetch: Prefetch | None = None,
    ):
        self.analyzer = analyzer
        self.ranking = ranking
        self._fields = fields
        # statistics served over the network are asked for in batches, ahead of the reads
        self._prefetch = prefetch or _no_prefetch

    @property
    def fields(self) -> Mapping[str, FieldPostings]:
        """The postings of each field, as loaded now."""
        return self._fields()

    def plan(self, query: str, exact: bool = False, today: dt.date | None = None) -> QueryPlan:
        """Decide fields, terms and weights for a query."""
        query = query[:MAX_QUERY_CHARS]
        if exact:
            terms = tuple(self.analyzer.terms(query))
            return QueryPlan(((BODY.name, terms, 1.0),), terms, False)
        r = self.ranking
        asked = parse(query, today)
        if not r.filler:
            asked = dataclasses.replace(asked, text=query)
        aliases = ((ALIAS.name, asked.aliases, r.aliases),) if asked.aliases and r.aliases else ()
        lucene = r.idf == "lucene"
        if has_diacritics(asked.text):
            terms = self._topic_words(tuple(self.analyzer.terms(asked.text)), folded=False)
            self._prefetch(_highlighted(terms))
            searched = terms + self._meant(terms)
            title = self._title_weight(query)
            # Accents typed are accents meant; a word typed without any may have lost them,
            # so only those words are matched accent-insensitively.
            accented = tuple(t for t in searched if has_diacritics(t))
            bare = tuple(t for t in searched if not has_diacritics(t))
            parts = tuple(
                p
                for p in (
                    (BODY.name, accented, 1.0),
                    (TITLE.name, accented, title),
                    (FOLD.name, bare, 1.0),
                    (FOLD_TITLE.name, bare, title),
                    *self._syllables(terms),
                    *aliases,
                )
                if p[1] and p[2]
            )
            return QueryPlan(parts, searched, False, asked.date_from, asked.date_to, lucene, r.b)
        # No diacritics at all: pyvi cannot segment it, so split the syllables into the
        # likeliest words of the folded vocabulary instead.
        sylls = _SYLLABLE.findall(fold(normalize(asked.text)))
        terms = self._topic_words(tuple(self.segment_folded(sylls)), folded=True)
        title = self._title_weight(query)
        parts = tuple(
            p
            for p in (
                (FOLD.name, terms, 1.0),
                (FOLD_TITLE.name, terms, title),
                *self._syllables(terms),
                *aliases,
            )
            if p[1] and p[2]
        )
        return QueryPlan(parts, terms, True, asked.date_from, asked.date_to, lucene, r.b)

    def _topic_words(self, terms: tuple[str, ...], folded: bool) -> tuple[str, ...]:
        """The words that say what a question is about: question words left out."""
        if not self.ranking.question_words:
            return terms
        kept = tuple(t for t in terms if not is_question_word(t, folded))
        return kept or terms

    def _meant(self, terms: tuple[str, ...]) -> tuple[str, ...]:
        """Words the reader meant by mistyped syllables ("phẫu tuật": "phẫu_thuật")."""
        if not self.ranking.spelling:
            return ()
        fields = self.fields
        asyl, syl, body = fields[ASYL.name], fields[SYL.name], fields[BODY.name]

        def syllable_df(s: str) -> int:
            return asyl.df(s) if has_diacritics(s) else syl.df(s)

        def ahead(syllables: Iterable[str], words: Iterable[str]) -> None:
            self._prefetch(
                [((ASYL if has_diacritics(s) else SYL).name, s) for s in syllables]
                + [(BODY.name, w) for w in words]
            )

        # (embedded postings answer each count at once: no list of what is about to be read)
        told = ahead if self._prefetch is not _no_prefetch else None
        meant = corrections(terms, syllable_df, body.df, max(body.n_docs, 0), told)
        return tuple(w for w in meant if not is_question_word(w, folded=False))

    def _title_weight(self, query: str) -> float:
        """The title boost: a headline-like query favours titles, a full question the body."""
        r = self.ranking
        if is_question(query):
            return r.question_title
        return r.title

    def _syllables(self, terms: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...], float], ...]:
        """The syllable parts of a plan: accented syllables as typed, bare ones folded."""
        weight = self.ranking.syllables
        if not weight:
            return ()
        sylls = [s for t in terms for s in t.split("_")]
        accented = tuple(s for s in sylls if has_diacritics(s))
        bare = tuple(fold(s) for s in sylls if not has_diacritics(s))
        return tuple((f, ss, weight) for f, ss in ((ASYL.name, accented), (SYL.name, bare)) if ss)

    def segment_folded(self, sylls: list[str], longest: int = 4) -> list[str]:
        """Split accentless syllables into folded vocabulary words (unigram model, Viterbi)."""
        # A unigram language model over the folded words: a word's cost is -log of its
        # share of all word occurrences, so "lai xe" is one word when "lai_xe" is common.
        # (Document frequency would not do: "xe" alone is in most articles and always wins.)
        self._prefetch(
            (FOLD.name, "_".join(sylls[end - size : end]))
            for end in range(1, len(sylls) + 1)
            for size in range(1, min(longest, end) + 1)
        )
        field = self.fields[FOLD.name]
        total = max(field.total_len, 1)
        unknown = math.log(total) + 5.0
        best = [0.0] + [math.inf] * len(sylls)
        back = [0] * (len(sylls) + 1)
        for end in range(1, len(sylls) + 1):
            for size in range(1, min(longest, end) + 1):
                word = "_".join(sylls[end - size : end])
                cf = field.cf(word)
                if cf > 0:
                    cost = math.log(total / cf)
                elif size == 1:
                    cost = unknown
                else:
                    continue
                if best[end - size] + cost < best[end]:
                    best[end], back[end] = best[end - size] + cost, end - size
        words, end = [], len(sylls)
        while end > 0:
            words.append("_".join(sylls[back[end] : end]))
            end = back[end]
        return words[::-1]


def _highlighted(terms: Iterable[str]) -> list[tuple[str, str]]:
    """The fields a highlight weighs terms by (pages.plan_terms): accented words in the body."""
    return [(BODY.name if has_diacritics(t) else FOLD.name, t) for t in terms]
