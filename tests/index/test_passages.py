"""Passages: accent-exact matching of typed accents, best windows, proximity."""

from index.passages import (
    Matcher,
    Passage,
    best_passage,
    match_terms,
    sentences,
    weighed,
    with_antecedent,
)


def found(matcher, text):
    return [(text[a:b], matcher.terms[t].syllables) for a, b, t in matcher.find(text)]


def test_typed_accents_match_only_the_same_accents():
    m = Matcher(match_terms(["mưa", "giá", "nội"], [1.0, 1.0, 1.0]))
    text = "Người dân đi mua gia vị giả, mưa to, giá cao, nối dài nội đô."
    assert [w for w, _ in found(m, text)] == ["mưa", "giá", "nội"]


def test_bare_words_match_every_accent():
    m = Matcher(match_terms(["mua", "ha_noi"], [1.0, 1.0]))
    text = "Mùa mưa ở Hà  Nội, người mua hàng."
    assert [w for w, _ in found(m, text)] == ["Mùa", "mưa", "Hà  Nội", "mua"]


def test_either_tone_style_matches():
    m = Matcher(match_terms(["hoà_bình", "thuỷ"], [1.0, 1.0]))
    assert [w for w, _ in found(m, "Hòa bình, thủy lợi, HOÀ BÌNH, thuỷ")] == [
        "Hòa bình",
        "thủy",
        "HOÀ BÌNH",
        "thuỷ",
    ]


def test_a_word_never_matches_inside_another():
    m = Matcher(match_terms(["an"], [1.0]))
    assert found(m, "bán hàng, an toàn, lan") == [("an", ("an",))]


def test_sentences_end_at_stops_before_capitals_and_at_newlines():
    body = "TP. HCM có mưa. Giá 3.5 triệu đồng; người mua đông.\nHết."
    assert [body[a:b] for a, b in sentences(body)] == [
        "TP.",
        "HCM có mưa.",
        "Giá 3.5 triệu đồng; người mua đông.",
        "Hết.",
    ]


def test_the_window_with_the_rarest_words_wins():
    body = (
        "Bệnh viện tiếp nhận nhiều bệnh nhân. "
        "Bác sĩ cho biết bệnh nhân bị sốt xuất huyết nặng. "
        "Gia đình đưa bệnh nhân về nhà."
    )
    m = Matcher(match_terms(["bệnh_nhân", "sốt_xuất_huyết"], [0.5, 3.0]))
    p = best_passage(body, m)
    assert body[p.start : p.end] == "Bác sĩ cho biết bệnh nhân bị sốt xuất huyết nặng."


def test_with_square_root_weights_more_question_words_beat_the_rarest_alone():
    # "sốt xuất huyết" names what every candidate is about; the sentence that answers
    # holds the question's other words (Ranking.passage_idf)
    body = "Bệnh sốt xuất huyết lan rộng. Số người tử vong ở Hà Nội tăng."
    terms = match_terms(["sốt_xuất_huyết", "tử_vong", "hà_nội"], [6.0, 2.0, 2.0])
    raw = best_passage(body, Matcher(terms))
    root = best_passage(body, Matcher(weighed(terms, 0.5)))
    assert body[raw.start : raw.end] == "Bệnh sốt xuất huyết lan rộng."
    assert body[root.start : root.end] == "Số người tử vong ở Hà Nội tăng."
    assert [t.syllables for t in weighed(terms, 0.5)] == [t.syllables for t in terms]


def test_words_side_by_side_score_more_with_proximity():
    m = Matcher(match_terms(["hiến", "tạng"], [2.0, 2.0]))
    near = best_passage("Anh hiến tạng cứu người.", m, proximity=0.5)
    apart = best_passage("Anh hiến máu, rồi nói về tạng.", m, proximity=0.5)
    assert near.score > apart.score
    assert best_passage("Anh hiến tạng cứu người.", m).score == apart.score


def test_a_title_counts_but_the_excerpt_stays_in_the_body():
    m = Matcher(match_terms(["giá", "điện"], [1.0, 1.0]))
    p = best_passage("Tin tức trong ngày.", m, title="Giá điện tăng")
    assert p.score > 0 and (p.start, p.end) == (0, len("Tin tức trong ngày."))


def test_a_passage_that_refers_back_starts_at_the_sentence_before():
    body = "Ăn nhiều rau củ và trái cây tươi. Đây là nhóm thực phẩm ít năng lượng. Uống đủ nước."
    start = body.index("Đây")
    back = with_antecedent(body, Passage(start, start + 38, 3.0))
    assert body[back.start :].startswith("Ăn nhiều rau củ") and back.score == 3.0
    plain = body.index("Uống")
    assert with_antecedent(body, Passage(plain, len(body), 1.0)).start == plain
    assert with_antecedent(body, Passage(0, 10, 1.0)).start == 0  # nothing before the first
