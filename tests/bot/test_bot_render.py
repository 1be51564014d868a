"""render.py: escaping, bold spans, keyboards, splitting under Telegram's limits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re

from bot import keyboards, render, render_topics
from bot.parse import parse_data
from bot.texts import EN, VI
from bot.views import ResultView, hit_views
from conversation import Page
from index.models import Article, Excerpt, Hit, SearchResult

TAG = re.compile(r"</?[a-z]+[^>]*>")


def visible(text: str) -> str:
    """What Telegram shows of our HTML."""
    return html.unescape(TAG.sub("", text))


def well_formed(text: str) -> bool:
    stack = []
    for m in re.finditer(r"<(/?)([a-z]+)[^>]*>", text):
        if m.group(1):
            if not stack or stack.pop() != m.group(2):
                return False
        else:
            stack.append(m.group(2))
    return not stack and "<" not in TAG.sub("", text)


def hit(
    title="Giá vàng <tăng> & giảm",
    body="Giá vàng & <b>bạc</b> hôm nay",
    spans=((0, 8),),
    url=None,
    source="Báo <A>",
    article_id="a1",
):
    a = Article(article_id, title, body, url, dt.date(2024, 5, 2), source)
    return Hit(a, 1.0, Excerpt(body, spans))


def results(res, t, links, **kw):
    """A page of results, the views made with these links, as the handlers make them."""
    return render.results(res, t, hit_views(res.hits, links), **kw)


def result(hits, total=None, offset=0, query="giá vàng", folded=False):
    return SearchResult(
        query, tuple(hits), total if total is not None else len(hits), offset, folded
    )


def test_marked_bolds_spans_and_escapes_everything_else():
    text = render.marked(Excerpt("Giá vàng & <b>bạc</b>\nhôm nay", ((4, 8), (22, 25))))
    assert text == "Giá <b>vàng</b> &amp; &lt;b&gt;bạc&lt;/b&gt; <b>hôm</b> nay"


def test_marked_clamps_long_excerpts_and_spans_past_the_cut():
    text = render.marked(Excerpt("x" * 1000, ((990, 995),)), limit=100)
    assert "<b>" not in text and visible(text).endswith("…") and len(visible(text)) == 100


def test_results_escape_titles_sources_and_query():
    page = results(result([hit()], query="<b>vàng</b> & bạc"), VI, ['https://x.vn/a?b=1&c="2"'])
    assert well_formed(page)
    assert "&lt;b&gt;vàng&lt;/b&gt; &amp; bạc" in page
    assert "Giá vàng &lt;tăng&gt; &amp; giảm" in page
    assert "Báo &lt;A&gt; · 02/05/2024" in page
    assert 'href="https://x.vn/a?b=1&amp;c=&quot;2&quot;"' in page
    assert "<b>Giá vàng</b> &amp; &lt;b&gt;bạc&lt;/b&gt;" in page


def test_results_in_english_use_iso_dates():
    page = results(result([hit()]), EN, [None])
    assert "2024-05-02" in page and "Articles 1–1 of 1" in page


def test_no_results_says_what_was_searched_and_hints():
    text = results(result([], query="<script>", folded=True), VI, [])
    assert "&lt;script&gt;" in text and "/moi" in text and "có dấu" in text


def page(result: SearchResult, qid: str = "zzzzzzzzzzzz", pages: int = 1, more: bool = False):
    return Page(qid, result, cut=False, size=5, pages=pages, more=more)


def test_keyboard_reads_and_pages_with_short_callback_data():
    hits = [hit(article_id=f"a{i}") for i in range(5)]
    markup = keyboards.results_keyboard(
        page(result(hits, total=23, offset=5), pages=5, more=True), VI, ["x" * 48] * 5
    )
    rows = markup.inline_keyboard
    assert [b.text for b in rows[0]] == ["📖 6", "📖 7", "📖 8", "📖 9", "📖 10"]
    assert [b.text for b in rows[1]] == ["« Trước", "Trang 2/5", "Sau »"]
    datas = [b.callback_data for row in rows for b in row]
    assert all(len(d.encode()) <= 64 for d in datas)
    assert parse_data(rows[1][0].callback_data).page == 0
    assert parse_data(rows[1][2].callback_data).page == 2


def test_last_page_has_no_next_button():
    markup = keyboards.results_keyboard(
        page(result([hit()], total=6, offset=5), pages=2), VI, ["t"]
    )
    assert [b.text for b in markup.inline_keyboard[1]] == ["« Trước", "Trang 2/2"]


def test_page_of_five_long_hits_stays_under_the_limit():
    long_hit = hit(title="Tiêu đề " * 100, body="chữ " * 500, spans=((0, 3),), source="Nguồn " * 50)
    page = results(result([long_hit] * 5, query="q" * 300), VI, ["https://a.vn"] * 5, cut=True)
    assert render.utf16_len(visible(page)) <= render.MAX_MESSAGE
    assert well_formed(page)


def test_article_splits_at_paragraphs_under_the_limit():
    paragraphs = [f"Đoạn {i} " + "nội dung bài báo " * 40 for i in range(60)]
    article = Article("a", "Tiêu đề <x>", "\n".join(paragraphs), "https://a.vn/1", None, "Báo")
    chunks = render.article(article, VI)
    assert len(chunks) > 1
    for i, chunk in enumerate(chunks, 1):
        assert render.utf16_len(visible(chunk)) <= render.MAX_MESSAGE
        assert well_formed(chunk)
        assert chunk.endswith(f"<i>({i}/{len(chunks)})</i>")
    assert chunks[0].startswith("<b>Tiêu đề &lt;x&gt;</b>")
    # every paragraph arrives whole, in order
    shown = "\n\n".join(visible(c).rsplit("\n\n", 1)[0] for c in chunks)
    positions = [shown.index(p.strip()) for p in paragraphs]
    assert positions == sorted(positions)


def test_article_cuts_a_giant_paragraph_between_sentences_and_words():
    giant = "Câu dài về ngân sách. " * 600 + "x" * 9000
    chunks = render.article(Article("a", "T", giant), VI)
    assert all(render.utf16_len(visible(c)) <= render.MAX_MESSAGE for c in chunks)
    joined = "".join(visible(c) for c in chunks)
    assert joined.count("x") == 9000


def test_article_counts_utf16_units():
    emoji = "😀" * 3000  # 6000 UTF-16 units in 3000 characters
    chunks = render.article(Article("a", "T", emoji), VI)
    assert len(chunks) == 2
    assert all(render.utf16_len(visible(c)) <= render.MAX_MESSAGE for c in chunks)


def test_short_article_is_one_message_with_title_meta_and_link():
    a = Article(
        "a",
        "Tiêu đề",
        "Đoạn một.\nĐoạn hai.",
        "https://a.vn/x?y=1&z=2",
        dt.date(2024, 1, 2),
        "Báo A",
    )
    (chunk,) = render.article(a, VI)
    assert chunk == (
        "<b>Tiêu đề</b>\n<i>Báo A · 02/01/2024</i>\n"
        '<a href="https://a.vn/x?y=1&amp;z=2">https://a.vn/x?y=1&amp;z=2</a>'
        "\n\nĐoạn một.\n\nĐoạn hai."
    )


def test_to_plain_drops_tags_keeps_words_and_links():
    page = results(result([hit()]), VI, ["https://a.vn/?x=1&y=2"])
    plain = render.to_plain(page)
    assert "<" not in plain.replace("<tăng>", "").replace("<A>", "").replace("<b>bạc</b>", "")
    assert "Giá vàng <tăng> & giảm (https://a.vn/?x=1&y=2)" in plain
    assert "&amp;" not in plain


def test_plain_style_renders_the_same_page_without_markup():
    page = results(result([hit()]), VI, [None], style=render.PLAIN)
    assert "<b>" not in page.replace("<b>bạc</b>", "") and "Giá vàng <tăng> & giảm" in page


def test_inline_results_have_title_description_and_message():
    views = hit_views([hit(url="https://a.vn/1")], ["https://a.vn/1"])
    (answer,) = render.inline_results(views, VI, ["a1"])
    assert answer.id == "a1" and answer.title == "Giá vàng <tăng> & giảm"
    assert "Giá vàng & <b>bạc</b>" in answer.description
    content = answer.input_message_content
    assert content.parse_mode == "HTML" and well_formed(content.message_text)
    assert '<a href="https://a.vn/1">Giá vàng &lt;tăng&gt; &amp; giảm</a>' in content.message_text
    assert "<b>Giá vàng</b> &amp;" in content.message_text


def test_welcome_has_the_questions_and_the_bot_name():
    text = render.welcome(VI, "tin_bot", ["giá <vàng>"])
    assert "• <i>giá &lt;vàng&gt;</i>" in text and "@tin_bot" in text and well_formed(text)
    assert "/tim &lt;câu hỏi&gt;" in text
    assert "/search" in render.welcome(EN, "tin_bot", ["x"])
    assert "Kho tin đang trống" in render.welcome(VI, "tin_bot", [])


def test_the_same_story_names_the_other_outlets():
    import datetime as dt

    article = Article(
        "a",
        "Giá xăng giảm",
        "Giá xăng giảm.",
        source="vnexpress.net",
        published=dt.date(2024, 6, 12),
    )
    hit = Hit(article, 1.0, Excerpt("Giá xăng giảm."), also=("dantri.com.vn", "thanhnien.vn"))
    result = SearchResult("giá xăng", (hit,), 1)
    text = results(result, VI, [None])
    assert "vnexpress.net · 12/06/2024 · cùng tin trên dantri.com.vn, thanhnien.vn" in text
    assert "also in dantri.com.vn, thanhnien.vn" in results(result, EN, [None])


def test_push_names_the_matched_phrase_and_marks_its_sentence():
    from index.topics import parse_topic, passage

    article = Article("p", "Thị trường hôm nay", "Mở đầu. Tỷ giá USD tăng <5> đồng.", source="A")
    clause = parse_topic("giá vàng, tỷ giá").alternatives[1]
    item = render_topics.Push(
        article, "https://a.vn/p", "giá vàng, tỷ giá", clause.text, passage(article, clause)
    )
    text = render_topics.push(item, VI)
    assert text.startswith("🔔 <i>giá vàng, tỷ giá</i> · khớp “tỷ giá”\n")
    assert text.endswith("<b>Tỷ giá</b> USD tăng &lt;5&gt; đồng.")
    # a one-phrase topic says nothing twice
    alone = render_topics.push(render_topics.Push(article, None, "tỷ giá", "tỷ giá", None), VI)
    assert alone.startswith("🔔 <i>tỷ giá</i>\n")


def test_photo_caption_stays_within_1024_units():
    from index.topics import parse_topic, passage

    body = "Mở đầu. " + "Giá vàng 𝐀 tăng mạnh, " * 200 + "."
    article = Article("c", "Giá vàng " * 60, body, source="B" * 200, published=dt.date(2025, 1, 2))
    clause = parse_topic("giá vàng").alternatives[0]
    for found in (passage(article, clause), None):
        item = render_topics.Push(
            article, "https://a.vn/" + "x" * 500, "giá vàng " * 20, "giá vàng", found
        )
        caption = render_topics.push(item, VI, limit=render.MAX_CAPTION)
        visible = html.unescape(re.sub(r"<[^>]+>", "", caption))
        assert render.utf16_len(visible) <= render.MAX_CAPTION
        assert visible.count("\n") == 3  # topic, title, meta, then the sentence or lead
    # a tighter limit cuts the sentence, never the title or the link
    tight = render_topics.push(item, VI, limit=600)
    assert render.utf16_len(html.unescape(re.sub(r"<[^>]+>", "", tight))) <= 600
    assert 'href="https://a.vn/x' in tight


def test_weak_results_say_they_match_in_part_instead_of_a_count():
    weak = SearchResult("bao nhieu nguoi tu vong vi covid", (hit(),), 2537, 0, True, partial=True)
    text = visible(results(weak, VI, [None]))
    assert "chỉ khớp một phần" in text and "2537" not in text and "2,537" not in text
    assert "match in part" in visible(results(weak, EN, [None]))
    strong = visible(results(result([hit()], total=2537), VI, [None]))
    assert "2,537" in strong and "một phần" not in strong  # counts read as in /stats


def test_a_period_without_articles_is_named():
    empty = SearchResult(
        "giá vàng hôm nay",
        (hit(),),
        1,
        date_from=dt.date(2026, 12, 1),
        date_to=dt.date(2026, 12, 1),
        period_empty=True,
    )
    text = visible(results(empty, VI, [None]))
    assert "Không có bài nào khớp câu hỏi đăng trong 01/12/2026" in text
    assert "khớp nhất" in text


def test_a_year_without_articles_keeps_the_best_matches_and_says_so():
    empty = SearchResult(
        "năm 2014 có bao nhiêu người chết vì Ebola",
        (hit(),),
        1,
        date_from=dt.date(2014, 1, 1),
        date_to=dt.date(2014, 12, 31),
        period_empty=True,
    )
    text = visible(results(empty, VI, [None]))
    assert "Không có bài nào khớp câu hỏi đăng trong" in text
    assert "khớp nhất" in text and "mới nhất" not in text


def test_the_first_answer_keeps_its_longer_excerpt():
    long = "Câu trả lời " + "rất dài " * 55
    page = results(result([hit(body=long, spans=())]), VI, [None])
    assert long[:440].strip() in visible(page)


def test_a_view_holds_what_every_renderer_shows():
    (view,) = hit_views([hit(url="https://a.vn/1")], ["https://t.me/b?start=x"])
    assert view == ResultView(
        "a1",
        "Giá vàng <tăng> & giảm",
        "https://t.me/b?start=x",
        "Báo <A>",
        dt.date(2024, 5, 2),
        "Giá vàng & <b>bạc</b> hôm nay",
        ((0, 8),),
    )
    # the renderers read the view, not the article: what it says is what they show
    shown = dataclasses.replace(view, title="Khác", source="Nguồn", also=("b.vn",))
    page = render.results(result([hit()]), EN, [shown], style=render.PLAIN)
    assert "1. Khác (https://t.me/b?start=x)" in page and "Nguồn · 2024-05-02" in page
    assert "also in b.vn" in page
    (answer,) = render.inline_results([shown], EN, ["t"])
    assert answer.title == "Khác" and "Nguồn" in answer.description


def test_captions_and_pushes_count_emoji_as_telegram_does():
    article = Article(
        "e", "😀" * 400, "🎉 " * 3000, source="📰" * 100, published=dt.date(2025, 1, 2)
    )
    item = render_topics.Push(article, "https://a.vn/e", "🔥" * 200, "🔥", None)
    for limit in (render.MAX_CAPTION, render.MAX_MESSAGE, 600):
        text = render_topics.push(item, VI, limit=limit)
        assert render.utf16_len(html.unescape(re.sub(r"<[^>]+>", "", text))) <= limit
    assert render.utf16_len(render.clamp("😀" * 100, 51)) <= 51
    assert render.clamp("😀" * 100, 51).endswith("…")


def test_a_notice_quoting_a_long_input_stays_within_the_limit():
    typed = "x" * 4050
    assert len(render.echo(typed)) <= render.MAX_ECHO
    long_notice = render.notice("🎉" * 3000)
    assert render.utf16_len(html.unescape(long_notice)) <= render.MAX_MESSAGE


def test_a_count_opensearch_stopped_at_reads_as_that_many_and_more():
    capped = dataclasses.replace(result([hit()], total=1000), total_capped=True)
    assert "trong 1,000+ bài" in visible(results(capped, VI, [None]))
    assert "of 1,000+ for" in visible(results(capped, EN, [None]))
    # an exact count is written the same way, without the sign
    assert "trong 2,537 bài" in visible(results(result([hit()], total=2537), VI, [None]))
