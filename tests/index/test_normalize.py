"""Normal forms: tone-mark styles meet, case and accents fold, decomposed input composes."""

import unicodedata

from index.normalize import fold, has_diacritics, normalize, tone_style


def test_both_tone_mark_styles_become_pyvis():
    assert normalize("Thành ủy") == normalize("Thành uỷ") == "thành uỷ"
    assert normalize("hòa bình") == normalize("hoà bình") == "hoà bình"
    assert normalize("KHỎE") == normalize("khoẻ") == "khoẻ"
    assert normalize("Thủy điện") == "thuỷ điện"


def test_closed_syllables_and_qu_are_left_alone():
    assert tone_style("hoàng") == "hoàng"
    assert tone_style("thuyền") == "thuyền"
    assert tone_style("quý") == "quý"
    assert tone_style("toàn") == "toàn"


def test_decomposed_input_is_composed():
    decomposed = unicodedata.normalize("NFD", "Hà Nội")
    assert normalize(decomposed) == "hà nội"


def test_fold_and_diacritics():
    assert fold("Thành uỷ Hà Nội, Đà Nẵng") == "Thanh uy Ha Noi, Da Nang"
    assert has_diacritics("giá vàng")
    assert has_diacritics("đi")
    assert not has_diacritics("gia vang ha noi 2020")


def test_has_diacritics_is_any_accented_character_after_nfc():
    from index.normalize import _DIACRITIC_CHARS

    decomposed = unicodedata.normalize("NFD", "Hoà Bình")  # accents as combining marks
    for text in ["", "abc", "giá", "Đà", "e\u0301", decomposed, "İstanbul", "ß ø", "x" * 9 + "ạ"]:
        plain = any(ch in _DIACRITIC_CHARS for ch in unicodedata.normalize("NFC", text))
        assert has_diacritics(text) == plain
