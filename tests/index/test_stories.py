"""Story keys: the C path gives the set of folded syllables the plain formula gave."""

import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from index.normalize import fold, normalize
from index.stories import (
    MAX_STORY_CANDIDATES,
    STORY_SIMILARITY,
    SYLLABLE,
    group_stories,
    story_key,
)

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


def plain_groups(ranked):
    """group_stories as it was: syllables always rarest first."""
    keys = [plain_key(title) for _, title, _ in ranked]
    counts = Counter(s for key in keys for s in key)
    groups, filed = [], {}
    for (docno, _, source), key in zip(ranked, keys, strict=True):
        size = len(key)
        prefix = sorted(key, key=lambda s: (counts[s], s))
        prefix = prefix[: size - math.ceil(STORY_SIMILARITY * size - 1e-9) + 1]
        for g in sorted({g for s in prefix for g in filed.get(s, ())}):
            _, first_source, first_key, others = groups[g]
            other = len(first_key)
            if min(size, other) < STORY_SIMILARITY * max(size, other) - 1e-9:
                continue
            shared = len(key & first_key)
            if shared / (size + other - shared) >= STORY_SIMILARITY:
                if source and source != first_source and source not in others:
                    others.append(source)
                break
        else:
            if key:
                for s in prefix:
                    entries = filed.setdefault(s, [])
                    if len(entries) < MAX_STORY_CANDIDATES:
                        entries.append(len(groups))
            groups.append((docno, source, key, []))
    return [(d, tuple(o)) for d, _, _, o in groups]


# headlines from few syllables, so that many are near one another
headlines = st.lists(st.sampled_from("giá vàng hôm nay tăng giảm mạnh Hà Nội bão số 3".split()),
                     max_size=9).map(" ".join)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(headlines, st.sampled_from([None, "VnExpress", "Dân trí", "Tuổi Trẻ"])),
        max_size=80,
    )
)
def test_grouping_is_the_plain_ones(items):
    ranked = [(d, title, source) for d, (title, source) in enumerate(items)]
    assert group_stories(ranked) == plain_groups(ranked)
