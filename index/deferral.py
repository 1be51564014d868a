"""Which terms of a query best() scores on its leaders only: the common ones."""

from __future__ import annotations

from collections.abc import Mapping

from .bm25 import FieldPostings
from .fields import SYLLABLE_FIELDS
from .planner import QueryPlan

# syllables in more than this share of the articles are scored on the leaders only (best())
COMMON_SHARE = 0.5
# and words in more than this share: whether an article holds one is read from a bit of
# every docno (BaseSegmentField.bits), one pass instead of decoding and scoring them; below
# it, reading their tfs at the leaders costs about what scoring them does (bench/engine.py)
WORD_SHARE = 0.2


def deferred_terms(
    fields: Mapping[str, FieldPostings], plan: QueryPlan
) -> dict[tuple[str, str], float]:
    """The (field, term)s best() scores on the leaders only, with their weights.

    Words in more than WORD_SHARE of the articles, and syllables in more than
    COMMON_SHARE, commonest first, while the others alone can still admit an article
    (else every article would be in doubt). Their postings are the longest to read and
    their idf the lowest, so what they can add is small and bounded.
    """
    out: dict[tuple[str, str], float] = {}
    lucene = plan.lucene
    for f, terms, weight in plan.parts:
        if f in SYLLABLE_FIELDS:
            continue
        field = fields[f]
        for t in terms:
            df = field.df(t)
            if field.idf(t, lucene) <= 0 < df:  # BM25Okapi on a tiny archive: no bound
                return {}
            if df > WORD_SHARE * field.n_docs:
                out[(f, t)] = out.get((f, t), 0.0) + weight  # a word asked twice counts twice
    sylls = [(f, x) for f, ss, _ in plan.parts if f in SYLLABLE_FIELDS for x in dict.fromkeys(ss)]
    weight = next((w for f, _, w in plan.parts if f in SYLLABLE_FIELDS), 0.0)  # as ranked()
    room = len(sylls) // 2  # need - 1: syllables that may be left to the leaders
    for f, x in sorted(sylls, key=lambda p: -fields[p[0]].df(p[1])):
        if room < 1 or fields[f].df(x) <= COMMON_SHARE * fields[f].n_docs:
            break
        out[(f, x)] = weight
        room -= 1
    return out
