"""Mistyped syllables: corrected only when lone, rare, and one edit from a common word."""

import dataclasses

from index.models import Article
from index.ranking import Ranking
from index.spelling import TRIED, corrections, edits

SYLLABLES = {"bệnh": 500, "nhân": 800, "bậnh": 0, "thuật": 300, "phẫu": 90, "cổng": 60}
WORDS = {"bệnh_nhân": 400, "phẫu_thuật": 80, "hiến_máu": 4, "đường_cong": 30}


def meant(terms, articles=1000):
    return corrections(terms, lambda s: SYLLABLES.get(s, 0), lambda w: WORDS.get(w, 0), articles)


def test_edits_are_one_letter_away():
    near = edits("tuật")
    assert {"thuật", "tật", "tuất", "utật"} <= near
    assert "tuật" not in near and "thuậtt" not in near


def test_a_rare_lone_syllable_becomes_the_common_word_with_its_neighbour():
    assert meant(["bậnh", "nhân", "nhập_viện"]) == ["bệnh_nhân"]
    assert meant(["ca", "phẫu", "tuật"]) == ["phẫu_thuật"]


def test_a_syllable_that_makes_a_word_with_a_neighbour_is_meant():
    # "hiến" is rare here, yet "hiến máu" is a word the archive holds
    assert meant(["hiến", "máu"]) == []


def test_a_common_syllable_is_never_corrected():
    # "cổng" is in 6% of the articles: "đường cổng" is not taken for "đường cong"
    assert meant(["đường", "cổng"]) == []


def test_syllables_pyvi_joined_into_a_word_are_kept():
    assert meant(["bậnh_nhân"]) == []


def test_nothing_is_corrected_without_a_common_word_to_make():
    assert meant(["bậnh", "viện"]) == []


def test_a_question_of_junk_looks_up_the_edits_of_a_few_syllables_only():
    looked = []

    def syllable_df(s):
        looked.append(s)
        return 0

    junk = [f"xq{chr(97 + i)}zj" for i in range(26)]
    assert corrections(junk, syllable_df, lambda w: 0, 1000) == []
    assert len(junk) < len(looked) <= len(junk) + TRIED * len(edits("xqazj"))


def test_a_mistyped_question_finds_and_highlights_the_word_meant(open_index, tmp_path):
    index = open_index(tmp_path)
    index.add(
        [
            Article(
                f"ca-{i}", f"Ca mổ {i}", f"Các bác sĩ đã phẫu thuật cho bệnh nhân {i} giờ liền."
            )
            for i in range(24)
        ]
        + [
            Article("tim", "Hồi phục sau mổ tim", "Bệnh nhân hồi phục sau phẫu thuật tim hở."),
            Article("tuat", "Năm Bính Tuất", "Tết năm Bính Tuất có nhiều lễ hội."),
        ]
    )
    plan = index.plan("phẫu tuật tim hở")
    assert "phẫu_thuật" in plan.highlight
    hit = index.search("phẫu tuật tim hở", k=1).hits[0]
    assert hit.article.id == "tim"
    marked = [hit.excerpt.text[a:b].lower() for a, b in hit.excerpt.spans]
    assert any("phẫu thuật" in m for m in marked)
    index.ranking = dataclasses.replace(Ranking(), spelling=False)
    assert "phẫu_thuật" not in index.plan("phẫu tuật tim hở").highlight
    index.close()
