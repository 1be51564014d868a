"""Story keys: the C path gives the set of folded syllables the plain formula gave."""

from hypothesis import given, settings
from hypothesis import strategies as st

from index.normalize import fold, normalize
from index.stories import SYLLABLE, group_stories, story_key

# tone-style pairs in every case, letters that fold, combining marks, invisibles, "İ", "Σ"
PIECES = ["Hòa", "HÒA", "hoà", "Thủy", "THUỶ", "khoẻ", "Khỏe", "Đà", "đà", "İ", "Σ", "ΟΔΟΣ",
          "a\u0301", "o\u0323a", "e\u0302\u0301", "\u200b", "\u202e", "\u00ad", "_", "3.5",
          " ", "-", "“", "Ǆ", "ǅ", "ẞ", "ﬁ", "Ⓐ", "😀", "\u0300", "Ω", "K"]  # fmt: skip
titles = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text("aAđĐòÒơƠ9 _", max_size=4)), max_size=14
).map("".join)


def plain_key(title: str) -> frozenset[str]:
    return frozenset(SYLLABLE.findall(fold(normalize(title))))


@settings(max_examples=1000, deadline=None)
@given(titles)
def test_the_story_key_is_the_plain_formulas(title):
    assert story_key.__wrapped__(title) == plain_key(title)


def test_headlines_in_two_tone_styles_are_one_story():
    ranked = [(1, "Hòa bình ở Thủy Nguyên", "a"), (2, "HOÀ BÌNH Ở THUỶ NGUYÊN", "b")]
    assert story_key("Hòa bình") == frozenset({"hoa", "binh"})
    assert group_stories(ranked) == [(1, ("b",))]
