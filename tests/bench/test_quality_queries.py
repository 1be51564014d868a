"""Quality-benchmark queries: the typed forms, and seeded queries with every right answer."""

import random

from bench.quality_queries import (
    FORMS,
    MIN_TITLE_WORDS,
    QUESTION_FRAMES,
    STOPWORDS,
    TitleIndex,
    build_queries,
    flip_tone_style,
    fold,
    forms,
    headline_query,
    lead_query,
    question_query,
    title_key,
    typo,
    words,
)

UI = "Lưu bài viết thành công Bạn có thể xem lại bài viết đã lưu ở trangTin bài đã lưu"
ARTICLES = [
    (
        "thuy-dien",
        "Thủy điện Hòa Bình xả lũ lần thứ hai trong năm nay",
        "Sáng nay, Thủy điện Hòa Bình mở thêm một cửa xả đáy để đón lũ về hồ.\n"
        "Ảnh: Thanh Hà\nNgười dân vùng hạ du được khuyến cáo không ra sông đánh bắt cá.",
    ),
    (
        "thuy-dien-lai",
        "Thủy điện Hòa Bình xả lũ lần thứ hai trong năm nay",
        "Bản đăng lại của bài trên, từ một tờ báo khác đưa tin cùng ngày.",
    ),
    (
        "thuy-dien-khac",
        "Nhà máy Thủy điện Hòa Bình xả lũ lần thứ hai trong năm nay",
        "Cùng câu chuyện, một tờ báo khác đặt tít dài hơn hai chữ.",
    ),
    (
        "tinh-uy",
        "Tỉnh uỷ Yên Bái có Phó Bí thư mới sau hội nghị sáng qua",
        UI + " Chiều qua, Ban Thường vụ Tỉnh uỷ Yên Bái công bố quyết định của Bộ Chính trị.",
    ),
    ("ngan", "Giá vàng tăng", "Giá vàng SJC tăng 200 nghìn đồng mỗi lượng trong phiên sáng nay."),
    *[
        (f"xo-so-{d}", "Kết quả xổ số", f"Kết quả xổ số điện toán ngày {d} tháng hai năm nay.")
        for d in range(1, 8)
    ],
    (
        "khoe",
        "Bí quyết giữ sức khỏe cho người cao tuổi trong mùa đông",
        "Các bác sĩ khuyên người cao tuổi nên uống đủ nước và ngủ sớm trong những ngày rét.",
    ),
]


def test_fold_strips_every_accent_and_d():
    assert fold("Đường Thành uỷ Hà Nội") == "Duong Thanh uy Ha Noi"
    assert fold("KHỎE") == "KHOE"


def test_tone_style_flips_both_ways_and_keeps_case():
    assert flip_tone_style("Hòa Bình") == "Hoà Bình"
    assert flip_tone_style("hoà bình") == "hòa bình"
    assert flip_tone_style("Thủy điện") == "Thuỷ điện"
    assert flip_tone_style("KHỎE") == "KHOẺ"
    assert flip_tone_style("Tỉnh uỷ") == "Tỉnh ủy"
    assert flip_tone_style("Òa khóc") == "Oà khóc"
    text = "Thủy điện Hòa Bình, sức khỏe và Tỉnh uỷ"
    assert flip_tone_style(flip_tone_style(text)) == text


def test_tone_style_leaves_closed_syllables_qu_and_untoned_alone():
    for text in ("hoàng", "thuyền", "quý", "toàn", "hoa", "khuya", "Đà Nẵng", "hoài"):
        assert flip_tone_style(text) == text


def test_forms_are_what_readers_type():
    typed = forms("Thủy điện Hòa Bình xả lũ", 7)
    assert tuple(typed) == FORMS
    assert typed["accented"] == "Thủy điện Hòa Bình xả lũ"
    assert typed["no_diacritics"] == "thuy dien hoa binh xa lu"
    assert typed["other_tone_style"] == "Thuỷ điện Hoà Bình xả lũ"
    assert typed["lowercase"] == "thủy điện hòa bình xả lũ"


def test_typo_changes_one_word_the_same_way_for_a_seed():
    text = "Giá vàng SJC tăng mạnh trong phiên sáng nay"
    assert forms(text, 7)["typo"] == forms(text, 7)["typo"]
    seen = set()
    for seed in range(40):
        changed = forms(text, seed)["typo"]
        before, after = text.split(" "), changed.split(" ")
        diff = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        assert len(diff) == 1 and changed != text
        seen.add(changed)
    assert len(seen) > 5  # seeds choose different words and mistakes


def test_typo_skips_numbers_and_single_letters():
    rng = random.Random(1)
    for _ in range(20):
        changed = typo("3 ô tô 2017 va chạm", rng)
        assert changed.split(" ")[0] == "3" and changed.split(" ")[3] == "2017"
    assert typo("7 8 9", rng) == "7 8 9"


def test_typo_swap_keeps_the_case_pattern():
    results = {typo("Tháng", random.Random(seed)) for seed in range(60)}
    swapped = {r for r in results if fold(r).lower() != "thang" and len(r) == 5}
    assert swapped and all(r[0].isupper() and r[1:] == r[1:].lower() for r in swapped)


def test_words_and_title_keys():
    assert words("“Sốt” vàng 24k: giá tăng!") == ["Sốt", "vàng", "24k", "giá", "tăng"]
    assert title_key("Hòa Bình: xả lũ!") == title_key("hoà bình xả lũ") == "hoa binh xa lu"


def test_headline_is_a_shorter_run_of_title_words():
    title = ARTICLES[0][1]
    for seed in range(20):
        q = headline_query(title, random.Random(seed))
        assert q is not None and 4 <= len(q.split()) < len(title.split())
        assert f" {q} " in f" {title} "
    assert headline_query("Giá vàng tăng", random.Random(0)) is None


def test_headline_avoids_phrases_other_titles_share():
    target = "Một hai ba bốn năm sáu bảy"
    others = [
        "Một hai ba bốn năm sáu và nhiều chữ khác nữa",
        "Tin hai ba bốn năm sáu bảy hôm nay ở đây",
    ]
    titles = TitleIndex([target, *others])
    story = titles.same_story(title_key(target))
    assert story == {title_key(target)}  # the others are other stories
    # every 4-6 word run of the target is in one of them: no headline query is unambiguous
    assert headline_query(target, random.Random(0), titles, story) is None
    alone = TitleIndex([target, others[0]])
    assert headline_query(target, random.Random(0), alone, story) is not None


def test_question_and_lead_queries():
    title = ARTICLES[0][1]
    for seed in range(10):
        q = question_query(title, random.Random(seed))
        inner = _inner(q)
        keys = [w for w in title.split() if w.lower() not in STOPWORDS]
        assert 3 <= len(inner.split()) <= 5 and f" {inner} " in f" {' '.join(keys)} "
    lead = lead_query(ARTICLES[2][2], random.Random(0))
    assert lead is not None and 8 <= len(lead.split()) <= 12
    assert "Lưu" not in lead and f" {lead} " in f" {' '.join(words(ARTICLES[2][2]))} "
    assert lead_query("Quá ngắn.\nẢnh: Thanh Hà", random.Random(0)) is None


def _inner(question: str) -> str:
    """The key words inside a question frame."""
    for frame in QUESTION_FRAMES:
        head, tail = frame.split("{}")
        if question.startswith(head) and question.endswith(tail):
            return question[len(head) : len(question) - len(tail)]
    raise AssertionError(f"no frame: {question!r}")


def test_build_queries_is_seeded_and_knows_every_answer():
    queries, skipped = build_queries(ARTICLES, 10, seed=5)
    again, _ = build_queries(ARTICLES, 10, seed=5)
    assert queries == again
    targets = {q.article_id for q in queries}
    # short and generic (shared by more than MAX_SAME_TITLE) titles are never targets
    assert not targets & {"ngan", *(f"xo-so-{d}" for d in range(1, 8))}
    assert skipped["short title"] >= 1
    # one query per story; every copy of a republished or re-headlined story is right
    titles = {a: t for a, t, _ in ARTICLES}
    assert len({title_key(titles[t]) for t in targets}) == len(queries)
    for q in queries:
        if q.article_id.startswith("thuy-dien"):
            assert q.answers == {"thuy-dien", "thuy-dien-lai", "thuy-dien-khac"}
        assert len(q.text.split()) >= 3
    assert len(queries) == 3 and MIN_TITLE_WORDS == 6


def test_same_story_is_the_title_give_or_take_a_fifth_of_its_words():
    titles = TitleIndex(
        [
            "Cô Gái Hà Lan khánh thành trường Đèn Đom Đóm thứ 20",
            "Nhãn hàng Cô Gái Hà Lan khánh thành trường Đèn Đom Đóm thứ 20",
            "Cô Gái Hà Lan khánh thành trường Đèn Đom Đóm thứ 21 ở Nghệ An",
            "Khánh thành trường học mới",
        ]
    )
    key = title_key("Cô Gái Hà Lan khánh thành trường Đèn Đom Đóm thứ 20")
    assert titles.same_story(key) == {key, titles.keys[1]}
