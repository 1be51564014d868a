"""Forged depths: a page number or inline offset far down the results costs no more than page 50."""

from __future__ import annotations

import random

from index.normalize import fold, normalize
from index.search import MAX_DEPTH
from index.stories import SYLLABLE, group_stories


def test_depth_is_bounded_whatever_the_offset(index) -> None:
    asked: list[int] = []
    best = index.best

    def spy(plan, k, **kwargs):
        asked.append(k)
        return best(plan, k, **kwargs)

    index.best = spy
    deep = index.search("giá vàng", k=5, offset=5_000)
    assert deep.hits == () and deep.total >= 1 and deep.offset == 5_000
    edge = index.search("giá vàng", k=10, offset=MAX_DEPTH - 5)
    assert asked == [0, MAX_DEPTH * 3 + 10]
    assert len(edge.hits) <= 5
    first = index.search("giá vàng", k=5)
    assert first.hits and first.hits[0].article.id == "gia-vang"


def _pairwise(ranked):
    """The quadratic rule grouping replaced, kept here as the reference."""
    groups = []
    for docno, title, source in ranked:
        key = frozenset(SYLLABLE.findall(fold(normalize(title))))
        for _, first_source, first_key, others in groups:
            union = len(key | first_key)
            if union and len(key & first_key) / union >= 0.8:
                if source and source != first_source and source not in others:
                    others.append(source)
                break
        else:
            groups.append((docno, source, key, []))
    return [(d, tuple(o)) for d, _, _, o in groups]


def test_linear_grouping_groups_as_the_pairwise_rule() -> None:
    rng = random.Random(14)
    words = "giá vàng hôm nay tăng mạnh bão số năm đổ bộ miền trung hà nội học sinh".split()
    words += [f"từ{i}" for i in range(400)]
    stories = [rng.sample(words, rng.randint(3, 12)) for _ in range(300)]
    ranked = []
    for docno in range(2_000):
        story = list(rng.choice(stories))
        if rng.random() < 0.5:  # another outlet's wording: a word swapped, added or dropped
            story[rng.randrange(len(story))] = rng.choice(words)
        if rng.random() < 0.3:
            story.append(rng.choice(words).upper())
        source = rng.choice(["vnexpress.net", "dantri.com.vn", "tuoitre.vn", None])
        ranked.append((docno, " ".join(story), source))
    ranked += [(9_000, "", "x.vn"), (9_001, "", "y.vn"), (9_002, "!!!", None)]
    assert group_stories(ranked) == _pairwise(ranked)
