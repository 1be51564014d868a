"""Topics: parsing, matching with the search's analysis, and the topic index (real pyvi)."""

import datetime as dt
import random

import pytest

from index.models import Article
from index.normalize import fold
from index.search import SearchIndex
from index.segment import Analyzer
from index.topics import (
    MAX_TOPIC_CHARS,
    ArticleTerms,
    TopicError,
    TopicIndex,
    match_since,
    parse_topic,
    recent_matches,
)

ANALYZER = Analyzer()


def terms_of(title: str, body: str = "") -> ArticleTerms:
    """An article's units, analyzed the way the index stores it."""
    return ArticleTerms.of(*ANALYZER.analyze(title, body))


def topic(text: str, segment_folded=None):
    return parse_topic(text, ANALYZER, segment_folded)


GOLD = terms_of(
    "Giá vàng hôm nay tăng mạnh",
    "Giá vàng SJC tăng 200 nghìn đồng mỗi lượng.\nTỷ giá USD đi ngang trong phiên sáng.",
)
GOLD_AD = terms_of(
    "Giá vàng khuyến mãi",
    "Quảng cáo: mua vàng nhận quà, tỷ giá ưu đãi cho khách hàng mới.",
)
FUEL = terms_of("Nhiều trạm xăng dầu ngưng bán hàng trong đêm", "Người dân phải đi xa hơn.")
PEACE = terms_of("Đàm phán hoà bình ở Trung Đông", "Các bên nối lại đàm phán hòa bình tại Cairo.")
STORM = terms_of("Bão số 5 đổ bộ vào miền Trung", "Cơn bão gây mưa lớn ở Thanh Hóa và Nghệ An.")
PRESS = terms_of("Báo chí cách mạng tròn 95 năm", "Các nhà báo nhận giải thưởng báo chí.")


# ---- parsing --------------------------------------------------------------------------


def test_alternatives_and_exclusions():
    t = topic("Giá vàng ,  tỷ giá  -quảng cáo; lãi suất")
    assert t.text == "Giá vàng, tỷ giá -quảng cáo, lãi suất"
    assert [p.words for p in t.alternatives] == [("giá", "vàng"), ("tỷ_giá",), ("lãi_suất",)]
    assert [p.words for p in t.exclusions] == [("quảng_cáo",)]
    assert not any(p.folded for p in t.alternatives)
    # the display text parses back to the same topic
    assert topic(t.text).signature == t.signature


def test_exclusion_runs_to_the_next_dash_and_a_lone_dash_counts():
    t = topic("bóng đá -quảng cáo -cá cược, - khuyến mãi")
    assert [p.words for p in t.alternatives] == [("bóng_đá",)]
    assert sorted(p.words for p in t.exclusions) == [("cá_cược",), ("khuyến_mãi",), ("quảng_cáo",)]
    assert t.text == "bóng đá -quảng cáo -cá cược, -khuyến mãi"
    # a hyphen inside a word is no exclusion
    assert topic("covid-19").alternatives[0].words == ("covid", "19")


def test_same_topic_typed_differently_has_one_signature():
    assert topic("Giá vàng").signature == topic("giá   VÀNG").signature
    assert topic("hòa bình").signature == topic("hoà bình").signature
    assert topic("giá vàng").signature != topic("gia vang").signature


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("  , ;  - ", "empty"),
        ("!!! ???", "empty"),
        ("-quảng cáo", "only_exclusions"),
        ("-quảng cáo, -khuyến mãi", "only_exclusions"),
        ("a" * (MAX_TOPIC_CHARS + 1), "too_long"),
        (", ".join(f"từ{i}" for i in range(11)), "too_many_alternatives"),
        ("một hai ba bốn năm sáu bảy tám chín", "too_many_words"),
        ("một hai ba bốn năm -sáu bảy tám chín", "too_many_words"),
    ],
)
def test_bad_topics_say_why(text, code):
    with pytest.raises(TopicError) as info:
        topic(text)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)
    assert info.value.vietnamese in str(info.value) and info.value.english in str(info.value)


def test_limits_are_inclusive():
    assert len(topic(", ".join(f"từ{i}" for i in range(10))).alternatives) == 10
    assert topic("một hai ba bốn năm sáu bảy tám").alternatives
    assert topic("vàng " + "x" * (MAX_TOPIC_CHARS - 5)).alternatives


# ---- matching -------------------------------------------------------------------------


def test_all_words_of_an_alternative_must_appear():
    assert topic("giá vàng").matches(GOLD)
    assert topic("giá vàng SJC").matches(GOLD)
    assert not topic("giá vàng nhẫn").matches(GOLD)
    assert topic("giá vàng nhẫn, tỷ giá").matches(GOLD)  # any alternative
    assert not topic("xăng dầu").matches(GOLD)


def test_exclusions_leave_articles_out():
    t = topic("giá vàng, tỷ giá -quảng cáo")
    assert t.matches(GOLD) and not t.matches(GOLD_AD)
    # an excluded phrase needs all of its words: "quảng" alone is not "quảng cáo"
    assert topic("giá vàng -quảng trường").matches(GOLD_AD)
    # typed in one alternative, it applies to the whole topic
    assert not topic("tỷ giá -quảng cáo, giá vàng").matches(GOLD_AD)
    assert not topic("gia vang -quang cao").matches(GOLD_AD)


def test_accentless_topic_matches_accented_articles():
    assert topic("gia vang").matches(GOLD)
    assert topic("GIA VANG sjc").matches(GOLD)
    assert topic("thanh hoa").matches(STORM)
    assert topic("bao so 5").matches(STORM)
    assert not topic("xang dau").matches(GOLD)


def test_accents_typed_are_meant_and_tone_styles_are_one():
    assert topic("bão").matches(STORM) and not topic("bão").matches(PRESS)
    assert topic("báo chí").matches(PRESS) and not topic("báo chí").matches(STORM)
    assert topic("bao").matches(STORM) and topic("bao").matches(PRESS)
    for typed in ("hòa bình", "hoà bình", "HÒA BÌNH", "hoa binh"):
        assert topic(typed).matches(PEACE), typed
    assert topic("Thanh Hoá").matches(STORM) and topic("Thanh Hóa").matches(STORM)


def test_segmentation_mismatch_is_caught_by_syllables():
    # pyvi makes "xăng_dầu" of the phrase alone but "xăng", "dầu" inside this title
    assert ANALYZER.terms("xăng dầu") == ["xăng_dầu"]
    assert "xăng_dầu" not in ANALYZER.terms("Nhiều trạm xăng dầu ngưng bán hàng trong đêm")
    assert topic("xăng dầu").matches(FUEL)
    assert topic("trạm xăng dầu -giá").matches(FUEL)
    # the syllables of one word must stand together: "dầu xăng" is other words
    assert not topic("dầu_xăng").matches(FUEL)


def test_segment_folded_groups_accentless_syllables_into_words(tmp_path):
    index = SearchIndex.open(tmp_path / "data")
    index.add(
        [
            Article("a", "Mưa lớn ở Thanh Hóa", "Nhiều tuyến đường ở Thanh Hóa bị ngập."),
            Article("b", "Thanh niên tình nguyện", "Hoa đào nở sớm ở vùng cao."),
        ]
    )
    grouped = topic("thanh hoa", index.segment_folded)
    assert grouped.alternatives[0].words == ("thanh_hoa",)
    loose = terms_of("Thanh niên tình nguyện", "Hoa đào nở sớm ở vùng cao.")
    assert topic("thanh hoa").matches(loose)  # two loose syllables
    assert not grouped.matches(loose) and grouped.matches(STORM)  # one word, as search reads it
    index.close()


# ---- the topic index ------------------------------------------------------------------


ARTICLES = [
    ("Giá vàng hôm nay tăng mạnh", "Giá vàng SJC tăng mỗi lượng. Tỷ giá USD đi ngang."),
    ("Giá vàng khuyến mãi", "Quảng cáo mua vàng nhận quà, tỷ giá ưu đãi."),
    ("Nhiều trạm xăng dầu ngưng bán hàng trong đêm", "Người dân phải đi xa hơn để đổ xăng."),
    ("Đàm phán hoà bình ở Trung Đông", "Các bên nối lại đàm phán hòa bình tại Cairo."),
    ("Bão số 5 đổ bộ vào miền Trung", "Cơn bão gây mưa lớn ở Thanh Hóa và Nghệ An."),
    ("Báo chí cách mạng tròn 95 năm", "Các nhà báo nhận giải thưởng báo chí quốc gia."),
    ("Học sinh Hà Nội đi học trở lại", "Các trường đã chuẩn bị phương án phòng dịch."),
    ("Đội tuyển Việt Nam thắng 2-0", "Đội tuyển bóng đá Việt Nam thắng tại vòng loại."),
    ("Ngân hàng giảm lãi suất cho vay", "Lãi suất cho vay mua nhà giảm nửa điểm phần trăm."),
    ("Không khí lạnh tràn về miền Bắc", "Nhiệt độ vùng núi xuống dưới mười độ."),
]


def random_topics(n: int, seed: int = 7) -> list[str]:
    """Topics made of words and syllables of the test articles, some accentless."""
    rng = random.Random(seed)
    words = sorted({w for t, b in ARTICLES for w in ANALYZER.terms(t + " " + b)})
    sylls = sorted({s for w in words for s in w.split("_")})
    texts = []
    for _ in range(n):
        alternatives = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            pool = words if rng.random() < 0.6 else sylls
            alternatives.append(
                " ".join(w.replace("_", " ") for w in rng.sample(pool, rng.randint(1, 3)))
            )
        text = ", ".join(alternatives)
        if rng.random() < 0.3:
            text += " -" + rng.choice(words).replace("_", " ")
        texts.append(fold(text) if rng.random() < 0.25 else text)
    return texts


def test_topic_index_finds_exactly_the_matching_topics():
    texts = random_topics(600)
    topics = TopicIndex()
    for n, text in enumerate(texts):
        topics.add((n % 50, n), topic(text))
    assert len(topics) == 600
    articles = [terms_of(t, b) for t, b in ARTICLES]
    total = 0
    for article in articles:
        found = topics.match(article)
        assert found == topics.match_each(article)
        total += len(found)
    assert total > 30  # the comparison is not vacuous
    # removing and replacing keep the index exact
    for n in range(0, 600, 3):
        assert topics.remove((n % 50, n))
    assert not topics.remove((0, 0))
    for n in range(1, 600, 3):
        topics.add((n % 50, n), topic("giá vàng"))
    for article in articles:
        assert topics.match(article) == topics.match_each(article)
    assert {(n % 50, n) for n in range(1, 600, 3)} <= topics.match(articles[0])


def test_several_topics_of_one_chat_come_back_together():
    topics = TopicIndex()
    topics.add(("chat-1", 1), topic("giá vàng"))
    topics.add(("chat-1", 2), topic("tỷ giá"))
    topics.add(("chat-2", 1), topic("xăng dầu"))
    found = topics.match(GOLD)
    assert found == {("chat-1", 1), ("chat-1", 2)}
    assert {chat for chat, _ in found} == {"chat-1"}  # one delivery per chat


def test_match_since_and_recent_matches_read_the_store(tmp_path):
    index = SearchIndex.open(tmp_path / "data")
    old = [
        Article(f"v{n}", title, body, published=dt.date(2024, 1, 1 + n))
        for n, (title, body) in enumerate(ARTICLES)
    ]
    index.add(old)
    gold = topic("giá vàng -quảng cáo")
    preview = recent_matches(index.store, gold, limit=3)
    assert [a.id for _, a in preview] == ["v0"]
    assert [a.id for _, a in recent_matches(index.store, topic("tỷ giá"), limit=3)] == ["v1", "v0"]
    topics = TopicIndex()
    topics.add(("chat", 1), gold)
    topics.add(("chat", 2), topic("xang dau"))
    cursor = index.store.max_docno()
    assert match_since(index.store, topics, cursor) == ([], cursor)
    index.add(
        [
            Article("n1", "Giá vàng lập đỉnh mới", "Giá vàng thế giới vượt mốc kỷ lục."),
            Article("n2", "Giá vàng khuyến mãi", "Quảng cáo vàng nhẫn."),
            Article("n3", "Giá xăng dầu giảm", "Giá xăng dầu trong nước giảm từ chiều nay."),
        ]
    )
    matched, new_cursor = match_since(index.store, topics, cursor)
    ids = {index.store.articles([d])[d].id: keys for d, keys in matched}
    assert ids == {"n1": {("chat", 1)}, "n3": {("chat", 2)}}
    assert new_cursor == index.store.max_docno()
    # a small limit moves the cursor part of the way
    first, middle = match_since(index.store, topics, cursor, limit=1)
    assert middle == cursor + 1 and len(first) == 1
    index.close()
