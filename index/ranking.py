"""The default ranking's weights, one frozen value passed to SearchIndex."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ranking:
    """Weights of the default ranking; each was measured (README, search quality)."""

    # title matches count for more: the score adds title x BM25 of the title alone
    title: float = 0.5
    # accent-folded syllables, so a question and an article that pyvi segmented
    # differently, or a typo in one syllable, still meet
    syllables: float = 0.6
    # alias matches ("TP.HCM" = "Sài Gòn" = "Thành phố Hồ Chí Minh")
    aliases: float = 2.0
    # drop question frames and filler ("là gì", "tin tức về") before searching
    filler: bool = True
    # "okapi": BM25Okapi's idf (negative above half the articles, floored at 0.25 x the
    # mean idf, so "là", "của" weigh like rare words); "lucene": log(1 + (N - n + .5)/(n + .5))
    idf: str = "lucene"
    # BM25's length normalization for the default ranking (the exact mode keeps 0.75): at
    # 1.0 a long article's many matches count for less, and real questions rank better
    b: float = 1.0
    # a lone syllable typed one letter off a common word with its neighbour ("phẫu tuật")
    # also searches that word (index/spelling.py); questions with diacritics only
    spelling: bool = True
    # leave question words ("bao nhiêu", "ai", "tại sao") out of the words searched
    question_words: bool = True
    # the title boost for a full question (a question mark or a question word): its
    # answer is in the body, not the headline
    question_title: float = 0.2
    # passages: the leading candidates are scored again by their best window of
    # passage_window sentences, and passages x that score is added
    passages: float = 3.0
    passage_depth: int = 30
    # a passage weighs each question word by idf ** passage_idf: with the square root a
    # sentence holding several of the question's plain words beats one holding its single
    # rarest word, which is often the subject every candidate shares
    passage_idf: float = 0.5
    passage_window: int = 1
    # two question words side by side in a passage add proximity x the lighter one's idf
    proximity: float = 0.5
    # the first hit's excerpt starts at its best window of lead_window sentences, each
    # question word counted once (no proximity bonus): the answer often sits in the
    # sentence before or after the one that repeats the question
    lead_window: int = 2
    # the semantic stage (index/semantic.py), where vectors exist: weight of the best
    # passage cosine in the fused score (0: lexical only; 0.2 the best on both halves of
    # the real questions, docs/benchmarks.md), and how many articles with the nearest
    # leads join the candidates
    semantic: float = 0.2
    semantic_depth: int = 10
    # ... rising to semantic_sure when the best passage cosine leads the next candidate's by
    # semantic_gap or more, among candidates whose windows are embedded: the dense side is
    # sure of one article (tuned on one half of the real and reworded questions, checked on
    # the other: docs/benchmarks.md)
    semantic_sure: float = 0.6
    semantic_gap: float = 0.03

    @staticmethod
    def ablations() -> list[tuple[str, dict]]:
        """(name, changes) that switch one feature off, for the quality benchmarks."""
        return [
            ("without the title boost (title 0)", {"title": 0.0}),
            ("without the syllable field", {"syllables": 0.0}),
            ("without aliases", {"aliases": 0.0}),
            ("without question-filler removal", {"filler": False}),
            ("BM25Okapi's idf instead of Lucene's", {"idf": "okapi"}),
            ("length normalization b 0.75, as BM25Okapi", {"b": 0.75}),
            ("question words searched too", {"question_words": False}),
            ("without mistyped-syllable words", {"spelling": False}),
            ("without passage scoring", {"passages": 0.0}),
            ("passages weigh words by idf, weight 2.0", {"passage_idf": 1.0, "passages": 2.0}),
            ("without the proximity bonus", {"proximity": 0.0}),
            ("question title boost as for headlines (0.5)", {"question_title": 0.5}),
            ("first excerpt from the best sentence (lead_window 1)", {"lead_window": 1}),
            ("without the semantic stage", {"semantic": 0.0}),
            ("without dense candidates (semantic_depth 0)", {"semantic_depth": 0}),
            ("a fixed fusion weight (semantic_sure 0.2)", {"semantic_sure": 0.2}),
        ]
