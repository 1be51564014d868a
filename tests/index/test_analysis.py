"""One analyzer for documents and queries, on real pyvi."""

from index.analysis import Analyzer, fold_terms, terms_of
from index.normalize import fold


def test_words_are_segmented_normalized_and_stripped_of_punctuation():
    terms = Analyzer().terms("Văn phòng Thành ủy Hà Nội: xây dựng đội ngũ cán bộ!")
    assert terms == ["văn_phòng", "thành_uỷ", "hà_nội", "xây_dựng", "đội_ngũ", "cán_bộ"]


def test_tone_styles_segment_alike():
    a = Analyzer()
    assert a.terms("Hòa bình ở Trung Đông") == a.terms("Hoà bình ở Trung Đông")


def test_terms_of_pyvi_output():
    assert terms_of("tp. hcm , covid-19 10 / 2020 “ trích ”") == [
        "tp",
        "hcm",
        "covid",
        "19",
        "10",
        "2020",
        "trích",
    ]


def test_analyze_many_matches_one_by_one():
    a = Analyzer()
    docs = [("Giá vàng tăng", "Giá vàng SJC tăng mạnh."), ("Bão số 5", "Bão đổ bộ miền Trung.")]
    assert a.analyze_many(docs, workers=1) == [a.analyze(t, b) for t, b in docs]


def test_empty_text():
    assert Analyzer().terms("  ... ") == []


def test_fold_terms_is_fold_of_each_term_even_past_its_cache(monkeypatch):
    import index.analysis as segment

    monkeypatch.setattr(segment, "_FOLDED_LIMIT", 3)
    terms = ["thành_uỷ", "hà_nội", "Đà_Nẵng", "thành_uỷ", "phở", "ĐỒNG", "x"]
    for _ in range(3):
        assert fold_terms(terms) == [fold(t) for t in terms]
    assert fold_terms(["hoà", "hòa"]) == ["hoa", "hoa"]
