"""Excerpts: the passage around the matched words, with their spans."""

from index.passages import Matcher, match_terms
from index.snippets import EXCERPT_CHARS, excerpt


def matcher(words, weights):
    return Matcher(match_terms(words, weights))


BODY = (
    "Sáng nay, trời Hà Nội nắng nhẹ.\n"
    "Theo Sở Giao thông, "
    + "các tuyến đường nội đô được thông thoáng trở lại sau nhiều ngày. "
    * 6
    + "\n"
    "Giá vàng SJC tăng 200 nghìn đồng mỗi lượng. Giá vàng nhẫn cũng tăng theo.\n"
    "Cuối buổi, thị trường ổn định."
)


def spans_text(ex):
    return [ex.text[a:b] for a, b in ex.spans]


def test_best_sentence_holds_the_rare_words():
    ex = excerpt(BODY, matcher(["giá", "vàng", "sjc"], [1.0, 2.0, 4.0]))
    assert ex.text.startswith("Giá vàng SJC tăng")
    assert spans_text(ex)[0] == "Giá vàng SJC"
    assert len(ex.text) <= EXCERPT_CHARS + 2


def test_accent_insensitive_spans():
    ex = excerpt(BODY, matcher(["gia_vang"], [1.0]))
    assert "Giá vàng" in spans_text(ex)


def test_long_sentences_are_cut_around_the_match_with_ellipses():
    ex = excerpt(BODY, matcher(["thông_thoáng"], [1.0]), limit=120)
    assert len(ex.text) <= 122
    assert ex.text.endswith("…")
    assert "thông thoáng" in spans_text(ex)


def test_no_body_match_shows_the_lead_without_spans():
    ex = excerpt(BODY, matcher(["bóng_đá"], [1.0]))
    assert ex.text.startswith("Sáng nay") and ex.spans == ()


def test_empty_body():
    assert excerpt("", matcher(["a"], [1.0])).text == ""
