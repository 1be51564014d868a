"""The passage code's fast paths give exactly what the plain code gave: the matcher's
pattern the same spans and terms, the best window the same span and score (bit for bit),
on texts mixing accents, case, sentences and paragraphs."""

import re
from bisect import bisect_right

from hypothesis import given, settings
from hypothesis import strategies as st

from index.passages import (
    _BETWEEN,
    Matcher,
    Passage,
    Term,
    _best_window,
    _syllable_pattern,
    each_sentence,
    match_terms,
    sentences,
)

# letters that fold together, tone-style pairs (hoà/hòa, thuỷ/thủy), case, digits, "İ"
LETTERS = "aàáảãạăằắâấậbcdđeèéêếghiìíỉoòóỏôồơớuùúủưừyỳýỷxnmtİ0"
SYLLABLES = "hoà hòa thuỷ thủy oà òa uỷ ủy ha hà nội noi an ân đ d y 9".split()


def plain(terms: list[Term]) -> re.Pattern:
    """The matcher's pattern as it was: every term tried at every character."""
    order = sorted(range(len(terms)), key=lambda i: -len(" ".join(terms[i].syllables)))
    alternatives = [
        "(" + _BETWEEN.join(_syllable_pattern(x, terms[i].exact) for x in terms[i].syllables) + ")"
        for i in order
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)"), order


def plain_find(terms: list[Term], text: str) -> list[tuple[int, int, int]]:
    pattern, order = plain(terms)
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    return [(m.start(), m.end(), order[m.lastindex - 1]) for m in pattern.finditer(lowered)]


words = st.lists(
    st.one_of(st.sampled_from(SYLLABLES), st.text(LETTERS, min_size=1, max_size=4)),
    min_size=1,
    max_size=3,
).map("_".join)
texts = st.lists(
    st.one_of(
        st.sampled_from(SYLLABLES).map(lambda s: s.upper() if len(s) % 2 else s.title()),
        st.sampled_from(SYLLABLES),
        st.text(LETTERS + " .,-\n_", max_size=6),
        st.sampled_from([". ", ".\n\n", "! ", "; ", "…", " 3.5 ", "\n"]),
    ),
    max_size=30,
).map(lambda parts: " ".join(parts))


@settings(max_examples=400, deadline=None)
@given(st.lists(words, min_size=1, max_size=5), texts)
def test_the_fast_pattern_finds_what_the_plain_one_finds(question, text):
    terms = match_terms(question, [1.0] * len(question))
    assert Matcher(terms).find(text) == plain_find(terms, text)


def test_examples_across_accents_styles_and_boundaries():
    terms = match_terms(["hoà_bình", "thuỷ", "ha_noi", "an", "oà"], [1.0] * 5)
    text = "Hòa Bình, THỦY điện; Hà-Nội hanoi an toàn, ân, oà khóc òa lên, Oà.\nAn"
    found = Matcher(terms).find(text)
    assert found == plain_find(terms, text)
    shown = [text[a:b] for a, b, _ in found]
    assert shown == "Hòa Bình|THỦY|Hà-Nội|an|ân|oà|òa|Oà|An".split("|")


def test_an_empty_syllable_keeps_the_plain_form():
    terms = [Term(("", "an"), 1.0, False), Term(("ha",), 1.0, False)]
    text = "ha an, -an ha"
    assert Matcher(terms).find(text) == plain_find(terms, text)


def plain_window(text, spans, matcher, window, proximity):
    """_best_window as it was: term counts per sentence, a bisect per match."""
    if not spans:
        return Passage(0, 0, 0.0)
    found = matcher.find(text)
    if not found:
        return Passage(spans[0][0], spans[min(window, len(spans)) - 1][1], 0.0)
    terms = matcher.terms
    starts = [s for s, _ in spans]
    per_sentence, bonus = {}, {}
    last_end, last_term = -10, -1
    for s, e, ti in found:
        si = max(bisect_right(starts, s) - 1, 0)
        counts = per_sentence.setdefault(si, {})
        counts[ti] = counts.get(ti, 0) + 1
        if proximity and ti != last_term and 0 <= s - last_end <= 2:
            bonus[si] = bonus.get(si, 0.0) + proximity * min(
                terms[ti].weight, terms[last_term].weight
            )
        last_end, last_term = e, ti
    best = Passage(spans[0][0], spans[0][1], -1.0)
    for first in sorted(per_sentence):
        tf, extra = {}, 0.0
        for si in range(first, min(first + window, len(spans))):
            for ti, c in per_sentence.get(si, {}).items():
                tf[ti] = tf.get(ti, 0) + c
            extra += bonus.get(si, 0.0)
            score = extra + sum(terms[ti].weight for ti in tf)
            if score > best.score + 1e-9:
                best = Passage(spans[first][0], spans[si][1], score)
    return best


# sums whose order shows in the last bits (0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1)
weights = st.sampled_from([0.1, 0.2, 0.3, 0.7, 1e-3, 1e3, 2.5])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(words, weights), min_size=1, max_size=5),
    texts,
    st.integers(1, 3),
    st.sampled_from([0.0, 0.5, 1.0]),
)
def test_the_best_window_is_the_plain_ones_bit_for_bit(question, text, window, proximity):
    matcher = Matcher(match_terms([w for w, _ in question], [x for _, x in question]))
    spans = sentences(text)
    assert list(each_sentence(text)) == list(spans)
    fast = _best_window(text, spans, matcher, window, proximity)
    plain = plain_window(text, spans, matcher, window, proximity)
    assert (fast.start, fast.end) == (plain.start, plain.end)
    assert fast.score.hex() == plain.score.hex()


def test_the_window_adds_weights_in_the_order_found():
    matcher = Matcher(match_terms(["ba", "hai", "mot"], [0.1, 0.2, 0.3]))
    text = "Mot hai ba. Ba hai mot!\nhai"
    for window in (1, 2):
        fast = _best_window(text, sentences(text), matcher, window, 0.0)
        assert fast == plain_window(text, sentences(text), matcher, window, 0.0)
    assert _best_window(text, sentences(text), matcher, 1, 0.0).score == 0.3 + 0.2 + 0.1
