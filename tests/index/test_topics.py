"""Topics: parsing, phrase matching on the article text, and the topic index."""

import datetime as dt
import random
import re

import pytest

from index.models import Article
from index.normalize import fold
from index.previews import PREVIEW_SCAN, recent_matches
from index.search import SearchIndex
from index.topics import (
    MAX_TOPIC_CHARS,
    ArticleText,
    TopicError,
    TopicIndex,
    match_since,
    parse_topic,
    passage,
)


def text_of(title: str, body: str = "", source: str | None = None) -> ArticleText:
    return ArticleText.of(title, body, source)


def topic(text: str):
    return parse_topic(text)


GOLD = text_of(
    "Giá vàng hôm nay tăng mạnh",
    "Giá vàng SJC tăng 200 nghìn đồng mỗi lượng.\nTỷ giá USD đi ngang trong phiên sáng.",
    "vnexpress.net",
)
GOLD_AD = text_of(
    "Giá vàng khuyến mãi",
    "Quảng cáo: mua vàng nhận quà, tỷ giá ưu đãi cho khách hàng mới.",
)
# The article that "giá vàng" caught before phrases: "đánh giá" and "mủ vàng" (yellow pus)
PUS = text_of(
    "Biến chứng kinh hoàng vì làm đẹp",
    "Bác sĩ đánh giá vết thương nặng. Vùng tiêm có mủ vàng, sưng đỏ.\nĐánh giá da vàng.",
)
FUEL = text_of("Nhiều trạm xăng dầu ngưng bán hàng trong đêm", "Người dân phải đi xa hơn.")
PEACE = text_of("Đàm phán hoà bình ở Trung Đông", "Các bên nối lại đàm phán hòa bình tại Cairo.")
STORM = text_of("Bão số 5 đổ bộ vào miền Trung", "Cơn bão gây mưa lớn ở Thanh Hóa và Nghệ An.")
PRESS = text_of("Báo chí cách mạng tròn 95 năm", "Các nhà báo nhận giải thưởng báo chí.")


# ---- parsing --------------------------------------------------------------------------


def test_alternatives_phrases_and_exclusions():
    t = topic("Giá vàng ,  tỷ giá  -quảng cáo; lãi suất")
    assert t.text == "Giá vàng, tỷ giá -quảng cáo, lãi suất"
    assert [[p.syllables for p in c.phrases] for c in t.alternatives] == [
        [("giá", "vàng")],
        [("tỷ", "giá")],
        [("lãi", "suất")],
    ]
    assert [c.text for c in t.exclusions] == ["quảng cáo"]
    assert not any(p.folded for c in t.alternatives for p in c.phrases)
    # the display text parses back to the same topic
    assert topic(t.text).signature == t.signature


def test_quotes_make_phrases_and_keep_separators_inside():
    t = topic('“giá vàng” SJC, "Covid-19, cúm" -"quảng cáo"')
    assert [[p.text for p in c.phrases] for c in t.alternatives] == [
        ["giá vàng", "SJC"],
        ["Covid-19, cúm"],
    ]
    assert t.alternatives[1].phrases[0].syllables == ("covid", "19", "cúm")
    assert [c.text for c in t.exclusions] == ['"quảng cáo"']
    assert t.text == '"giá vàng" SJC, "Covid-19, cúm" -"quảng cáo"'
    assert topic(t.text).signature == t.signature
    # an unclosed quote runs to the end
    assert topic('"giá vàng').alternatives[0].phrases[0].text == "giá vàng"


def test_exclusion_runs_to_the_next_dash_and_a_lone_dash_counts():
    t = topic("bóng đá -quảng cáo -cá cược, - khuyến mãi")
    assert [c.text for c in t.alternatives] == ["bóng đá"]
    assert sorted(c.text for c in t.exclusions) == ["cá cược", "khuyến mãi", "quảng cáo"]
    assert t.text == "bóng đá -quảng cáo -cá cược, -khuyến mãi"
    # a hyphen inside a word is no exclusion
    assert topic("covid-19").alternatives[0].phrases[0].syllables == ("covid", "19")


def test_source_filters_are_parsed_and_shown():
    t = topic("giá vàng nguồn:vnexpress source:Dân-Trí")
    assert t.sources == ("vnexpress", "Dân-Trí")
    assert t.source_keys == {"vnexpress", "dantri"}
    assert t.text == "giá vàng nguồn:vnexpress nguồn:Dân-Trí"
    assert topic(t.text).signature == t.signature
    assert topic("giá vàng nguồn:vnexpress").signature != topic("giá vàng").signature
    assert topic('tỷ giá nguồn:"Tuổi Trẻ"').sources == ("Tuổi Trẻ",)


def test_same_topic_typed_differently_has_one_signature():
    assert topic("Giá vàng").signature == topic("giá   VÀNG").signature
    assert topic("hòa bình").signature == topic("hoà bình").signature
    assert topic("giá vàng").signature != topic("gia vang").signature
    assert topic("giá vàng").signature != topic("vàng giá").signature


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


def test_a_phrase_matches_its_syllables_side_by_side_in_order():
    assert topic("giá vàng").matches(GOLD)
    assert topic("vàng SJC tăng").matches(GOLD)
    assert not topic("vàng giá").matches(GOLD)  # order counts
    assert not topic("giá vàng nhẫn").matches(GOLD)
    assert topic("giá vàng nhẫn, tỷ giá").matches(GOLD)  # any alternative
    assert not topic("xăng dầu").matches(GOLD)
    # "đánh giá … mủ vàng" holds both syllables, never the phrase; nor across a sentence end
    assert not topic("giá vàng").matches(PUS)
    assert not topic("nặng vùng").matches(PUS)
    assert topic("nặng").matches(PUS) and topic("vùng tiêm").matches(PUS)


def test_phrases_of_one_alternative_may_stand_apart():
    assert topic('"giá vàng" "tỷ giá USD"').matches(GOLD)
    assert topic('"giá vàng" USD').matches(GOLD)
    assert not topic('"giá vàng" euro').matches(GOLD)
    assert not topic("giá vàng USD").matches(GOLD)  # unquoted: one phrase


def test_title_and_body_are_separate_sentences():
    article = text_of("Cảnh báo giá", "Vàng tăng.")
    assert not topic("giá vàng").matches(article)
    assert topic("cảnh báo giá").matches(article)


def test_exclusions_leave_articles_out():
    t = topic("giá vàng, tỷ giá -quảng cáo")
    assert t.matches(GOLD) and not t.matches(GOLD_AD)
    # an excluded phrase is a phrase too: "quảng" alone is not "quảng cáo"
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
    assert not topic("gia vang").matches(PUS)


def test_accents_typed_are_meant_and_tone_styles_are_one():
    assert topic("bão").matches(STORM) and not topic("bão").matches(PRESS)
    assert topic("báo chí").matches(PRESS) and not topic("báo chí").matches(STORM)
    assert topic("bao").matches(STORM) and topic("bao").matches(PRESS)
    for typed in ("hòa bình", "hoà bình", "HÒA BÌNH", "hoa binh"):
        assert topic(typed).matches(PEACE), typed
    assert topic("Thanh Hoá").matches(STORM) and topic("Thanh Hóa").matches(STORM)
    # "giá" is not "gia" nor "giả"
    plain = text_of("Gia đình và hàng giả", "Không có giá nào.")
    assert topic("giá").matches(plain)
    assert not topic("giá").matches(text_of("Gia đình và hàng giả"))
    assert topic("gia").matches(text_of("Hàng giả"))


def test_sources_restrict_a_topic():
    assert topic("giá vàng nguồn:vnexpress").matches(GOLD)
    assert topic("giá vàng nguồn:vnexpress.net").matches(GOLD)
    assert not topic("giá vàng nguồn:dantri").matches(GOLD)
    assert topic("giá vàng nguồn:dantri nguồn:vnexpress").matches(GOLD)
    assert not topic("giá vàng nguồn:vnexpress").matches(GOLD_AD)  # no source known


def test_passage_marks_the_phrase_in_its_sentence():
    article = Article("x", "Giá vàng hôm nay", "Bác sĩ nói. Giá  Vàng SJC tăng, tỷ giá giảm.")
    clause = topic('tỷ giá "vàng sjc"').alternatives[0]
    found = passage(article, clause)
    assert found.text == "Giá  Vàng SJC tăng, tỷ giá giảm."
    assert [found.text[a:b] for a, b in found.spans] == ["Vàng SJC", "tỷ giá"]
    assert passage(article, topic("giá vàng").alternatives[0]).text == "Giá vàng hôm nay"
    assert passage(article, topic("xăng").alternatives[0]) is None


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
    sylls = sorted({s for t, b in ARTICLES for s in re.findall(r"[^\W_]+", (t + " " + b).lower())})
    # runs of neighbouring syllables: phrases that stand in the articles
    runs = [
        " ".join(found[i : i + n])
        for t, b in ARTICLES
        for part in (t, b)
        for found in [re.findall(r"[^\W_]+", part)]
        for n in (2, 3)
        for i in range(len(found) - n + 1)
    ]
    words = sorted(set(runs))
    texts: list[str] = []
    while len(texts) < n:
        alternatives = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            pool = words if rng.random() < 0.6 else sylls
            alternatives.append(" ".join(rng.sample(pool, rng.randint(1, 2))))
        text = ", ".join(alternatives)
        if rng.random() < 0.3:
            text += " -" + rng.choice(words)
        if rng.random() < 0.2:
            text = '"' + text.replace(",", '", "') + '"' if "-" not in text else text
        text = fold(text) if rng.random() < 0.25 else text
        try:
            parse_topic(text)
        except TopicError:  # over the word limit
            continue
        texts.append(text)
    return texts


def test_topic_index_finds_exactly_the_matching_topics():
    texts = random_topics(600)
    topics = TopicIndex()
    for n, text in enumerate(texts):
        topics.add((n % 50, n), topic(text))
    assert len(topics) == 600
    articles = [text_of(t, b) for t, b in ARTICLES]
    total = 0
    for article in articles:
        found = topics.match(article)
        assert found == topics.match_each(article) == naive(topics, article)
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


def naive(topics: TopicIndex, article: ArticleText) -> set:
    """The keys whose topic matches, by the definition: syllable runs in a sentence."""
    sentences = [s.split() for s in article.text.split("\n") if s.strip()]

    def stands(p) -> bool:
        n = len(p.syllables)
        for sylls in sentences:
            sylls = [fold(s) for s in sylls] if p.folded else sylls
            if any(tuple(sylls[i : i + n]) == p.syllables for i in range(len(sylls) - n + 1)):
                return True
        return False

    def has(c) -> bool:
        return all(stands(p) for p in c.phrases)

    return {
        key
        for key, t in topics._topics.items()  # noqa: SLF001 - the test checks the index
        if any(has(c) for c in t.alternatives) and not any(has(c) for c in t.exclusions)
    }


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
    assert recent_matches(index.store, topic("giá vàng nguồn:vnexpress"), limit=3) == []
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
            Article("n4", "Biến chứng vì làm đẹp", "Bác sĩ đánh giá. Vết tiêm có mủ vàng."),
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


def test_an_article_is_matched_once_search_finds_it(tmp_path):
    index = SearchIndex.open(tmp_path / "data")
    index.add([Article("v0", "Bão số 3 đổ bộ", "Bão số 3 đổ bộ vào miền Trung.")])
    topics = TopicIndex()
    topics.add(1, topic("giá vàng"))
    cursor = index.cursor()
    # stored, not yet refreshed into the postings: a push now would name an unfindable article
    index.add([Article("n1", "Giá vàng lập đỉnh mới", "Giá vàng vượt mốc kỷ lục.")], refresh=False)
    assert index.cursor() == cursor + 1
    assert index.match_since(topics, cursor) == ([], cursor)
    index.refresh()
    assert [h.article.id for h in index.search("giá vàng lập đỉnh").hits] == ["n1"]
    assert index.match_since(topics, cursor) == ([(cursor + 1, {1})], cursor + 1)
    index.close()


@pytest.mark.parametrize("gap", ["\u200b", "\x00", "\u2028", "\x85"])
def test_a_gap_the_user_cannot_see_still_parts_words(gap):
    typed = topic(f"giá{gap}vàng")
    assert typed.text == "giá vàng" and typed.matches(GOLD)
    assert typed.signature == topic("giá vàng").signature


def test_bidi_controls_and_joiners_are_dropped_from_topics():
    for typed in ("\u202egiá vàng", "giá vàng\u202c", "gi\u200dá v\u2066àng"):
        assert topic(typed).text == "giá vàng", typed


def test_recent_matches_costs_a_bounded_read_and_finds_what_a_full_match_finds(
    tmp_path, monkeypatch
):
    """The preview's quick look never drops a match; a topic that matches nothing reads no
    more than PREVIEW_SCAN articles and parses none of them into sentences."""
    index = SearchIndex.open(tmp_path / "data")
    rng = random.Random(5)
    words = ["giá", "vàng", "Giá Vàng", "gia vang", "hoà", "hòa", "bình", "Đà", "Nẵng", "x\u200by"]
    articles = [
        Article(f"a{n}", " ".join(rng.choices(words, k=4)), " ".join(rng.choices(words, k=12)))
        for n in range(PREVIEW_SCAN + 100)
    ]
    index.add(articles)
    for text in ["giá vàng", "gia vang", "hoà bình, Đà Nẵng", "hòa -giá", "đà nẵng nguồn:x"]:
        try:
            wanted = topic(text)
        except Exception:  # noqa: BLE001 (an outlet the test does not hold is fine too)
            continue
        newest = index.store.newest_texts(PREVIEW_SCAN)
        full = [d for d, t, b, s in newest if wanted.matches(ArticleText.of(t, b, s))][:3]
        assert [d for d, _ in recent_matches(index.store, wanted, limit=3)] == full, text
    read, parsed = [], []
    newest_texts, of = index.store.newest_texts, ArticleText.of
    monkeypatch.setattr(
        index.store, "newest_texts", lambda *a: read.extend(rows := newest_texts(*a)) or rows
    )
    monkeypatch.setattr(ArticleText, "of", lambda *a: parsed.append(a) or of(*a))
    assert recent_matches(index.store, topic("quaxyz zorblat"), limit=3) == []
    assert len(read) == PREVIEW_SCAN and parsed == []
    index.close()
