"""The matcher's fast pattern finds exactly what the plain one (a term tried at every
character) finds: same spans, same terms, on texts mixing accents, case and punctuation."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from index.passages import _BETWEEN, Matcher, Term, _syllable_pattern, match_terms

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
