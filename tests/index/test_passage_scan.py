"""The passage stage's C loops (index/native/passages.c) give what the Python code gave:
the same sentences as the old pattern, the same matches as the plain pattern, the same best
window bit for bit; and a spec that does not parse raises instead of reading past its end."""

import re
from array import array

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index import passage_scan as scan
from index.models import Article
from index.passages import Matcher, Term, _best_window, best_passage, match_terms, sentences
from index.ranking import Ranking
from index.secondstage import best_passages

from .test_passages_equivalence import plain_find, plain_window, texts, weights, words

# the sentence pattern as it was (passages.py before the C loops)
_SENTENCE_END = re.compile(r"([.!?…;:\n])(?:(?<=[^\n])([\"”’)]*)\s+[\"“(]?(\w)|(?<=\n)\n*)")


def plain_sentences(body: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(body):
        if m.group(3) is not None:
            if m.group(3).islower():
                continue
            end, after = m.end(2), m.start(3) - (m.group(0)[-2] in '"“(')
        else:
            end, after = m.start(), m.end()
        if end > start:
            out.append((start, end))
        start = after
    if start < len(body):
        out.append((start, len(body)))
    return out


# punctuation, quotes, white space beyond ASCII, letters in both cases, digits, "İ" and "Σ"
PIECES = [". ", ".\n\n", "! ", "; ", ": ", "…", " 3.5 ", "\n", '." ', ".” ", ". “", ". (", "'",
          "?\u00a0", ".\t", ". -", "\x1c", ")", " TP. HCM", "İ", "Σ", "σ", "ΑΣ ", "_", "😀"]  # fmt: skip
sentence_texts = st.lists(
    st.one_of(
        st.sampled_from(PIECES),
        st.text('aAđĐèÈ0 .\n“”"(', max_size=4),
        st.sampled_from(["Hà", "nội", "An", "ân"]),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=600, deadline=None)
@given(sentence_texts)
def test_sentences_are_the_old_patterns(text):
    assert list(scan.sentences(text)) == plain_sentences(text)


def test_sentence_examples():
    text = 'Ông nói: "Đi thôi." Rồi đi.\n\nTP. HCM mưa; trời 3.5 độ… “Ai?” (Hỏi) x.\nhết'
    assert list(sentences(text)) == plain_sentences(text)
    assert [text[a:b] for a, b in sentences(text)][:3] == ["Ông nói:", '"Đi thôi."', "Rồi đi."]


greek_texts = st.lists(
    st.sampled_from(["ΣΑΣ", "Σ", "ΟΔΟΣ ", "İstanbul", "hà", "İ", " ", ".", "Hà Nội", "σ"]),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(words, min_size=1, max_size=5), st.one_of(texts, greek_texts))
def test_matches_are_the_plain_patterns_also_where_lower_case_is_not_per_letter(question, text):
    terms = match_terms(question, [1.0] * len(question))
    assert Matcher(terms).find(text) == plain_find(terms, text)
    for word in ("σας", "ας", "i̇stanbul", "σ"):
        terms = match_terms([word], [1.0])
        assert Matcher(terms).find(text) == plain_find(terms, text)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(words, weights), min_size=1, max_size=5),
    st.one_of(texts, sentence_texts),
    st.integers(1, 3),
    st.sampled_from([0.0, 0.5, 1.0]),
)
def test_the_c_window_is_the_plain_ones_bit_for_bit(question, text, window, proximity):
    matcher = Matcher(match_terms([w for w, _ in question], [x for _, x in question]))
    for whole in (False, True):
        spans = [(0, len(text))] if whole else sentences(text)
        fast = matcher.passage(text, window, proximity, whole)
        plain = plain_window(text, spans, matcher, window, proximity) if text else fast
        assert (fast.start, fast.end, fast.score.hex()) == (
            plain.start,
            plain.end,
            plain.score.hex(),
        )
        assert fast == _best_window(text, spans, matcher, window, proximity)


def test_a_title_competes_as_one_more_passage():
    matcher = Matcher(match_terms(["giá", "vàng"], [2.0, 1.0]))
    body = "Hôm nay trời mưa. Giá tăng."
    found = best_passage(body, matcher, 1, 0.5, title="Giá vàng hôm nay")
    assert (body[found.start : found.end], found.score) == ("Giá tăng.", 2.0 + 1.0 + 0.5)


def test_a_spec_that_does_not_parse_raises():
    good = scan.pack([(0, [(True, ["hà"])])])
    weights = scan.weights([1.0])
    assert scan.passages(["hà nội"], [None], False, good, weights, 1, 0.0) == [(0, 6, 1.0)]
    for bad in (
        good[:-4],  # cut short
        good + bytes(4),  # a word past its end
        scan.pack([(1, [(True, ["hà"])])]),  # a term index past the weights
        scan.pack([(0, [])]),  # a term without a syllable
        array("I", [1, 0, 1, 1, 1, 2**31]).tobytes(),  # an alternative longer than the spec
        b"\x01\x00",  # not whole uint32
    ):
        with pytest.raises(ValueError):
            scan.passages(["hà nội"], [None], False, bad, weights, 1, 0.0)
        with pytest.raises(ValueError):
            scan.find("hà nội", None, bad, 1)
    with pytest.raises(ValueError):
        scan.passages(["hà nội"], ["hà"], False, good, weights, 1, 0.0)  # lowered: shorter
    with pytest.raises(ValueError):
        scan.passages(["hà nội"], [None, None], False, good, weights, 1, 0.0)
    with pytest.raises(ValueError):
        scan.passages(["hà nội"], [None], False, good, weights, 0, 0.0)
    with pytest.raises(TypeError):
        scan.passages([b"ha"], [None], False, good, weights, 1, 0.0)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(words, weights), min_size=1, max_size=4),
    st.lists(st.tuples(st.one_of(st.just(""), texts), texts), min_size=1, max_size=6),
)
def test_the_second_stage_batch_is_best_passage_of_each(question, articles):
    matcher = Matcher(match_terms([w for w, _ in question], [x for _, x in question]))
    read = {d: Article(f"a{d}", title, body) for d, (title, body) in enumerate(articles)}
    docnos = np.arange(len(articles) + 1)  # the last one unread: an empty article's passage
    found = best_passages(docnos, matcher, read, Ranking())
    r = Ranking()
    for d in docnos.tolist():
        a = read.get(d, Article("", "", ""))
        expected = best_passage(a.body, matcher, r.passage_window, r.proximity, title=a.title)
        assert found[d] == expected


def test_c_finds_a_term_opening_with_an_empty_syllable_as_the_plain_pattern():
    # (Matcher keeps the regular expression for these; C must still match them right)
    terms = [Term(("", "an"), 1.0, False), Term(("ha",), 1.0, False)]
    spec = scan.pack([(0, [(False, [""]), (False, ["an"])]), (1, [(False, ["ha"])])])
    for text in ("ha an, -an ha", "-an", "x-an", " .an ha-an"):
        assert scan.find(text, None, spec, 2) == plain_find(terms, text)
