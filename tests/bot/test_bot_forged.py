"""Forged buttons and inline offsets: no deep search, no other chat's question, floods cut off."""

from __future__ import annotations

import re

import pytest
from bot_testkit import OTHER, USER, callback, inline, message, sample_articles

from bot import parse
from bot.parse import MAX_PAGES, inline_offset, page_data, parse_data
from conversation import DEPTH, Page
from index.models import Article
from index.search import SearchIndex

PORTS = ["Hải Phòng", "Đà Nẵng", "Quy Nhơn", "Cam Ranh", "Vũng Tàu", "Cần Thơ", "Hạ Long"]


@pytest.fixture(scope="module")
def news_index(tmp_path_factory):
    """The test articles, and 70 more that answer "việt nam": deeper than a kept list."""
    index = SearchIndex.open(tmp_path_factory.mktemp("deep"))
    more = [
        Article(
            f"tau-{i}",
            f"Tàu du lịch thứ {i} cập cảng {PORTS[i % 7]} đưa {100 + i} khách tới Việt Nam",
            f"Chuyến tàu thứ {i} chở {100 + i} du khách đến Việt Nam qua cảng {PORTS[i % 7]}.",
        )
        for i in range(70)
    ]
    index.add(sample_articles() + more)
    yield index
    index.close()


def test_pages_past_the_kept_list_are_forged() -> None:
    assert MAX_PAGES * parse.PAGE_SIZE == DEPTH == 50
    assert parse_data(page_data("q1", MAX_PAGES - 1)) is not None
    assert parse_data(page_data("q1", MAX_PAGES)) is None
    assert parse_data("p:q1:99999") is None
    assert inline_offset("") == ("", 0) and inline_offset("k3x9:10") == ("k3x9", 10)
    # a bare number is not an offset this bot gives; nor one past the list
    assert inline_offset("240") is None and inline_offset("k3x9:240") is None
    assert inline_offset(f"k3x9:{DEPTH}") is None and inline_offset("K3X9:10") is None
    assert inline_offset("99999999999999999999") is None and inline_offset("k3x9:-1") is None


def _qid(calls) -> str:
    (sent,) = [p for n, p in calls if n == "sendMessage"]
    data = sent["reply_markup"]["inline_keyboard"][-1][-1]["callback_data"]
    return re.fullmatch(r"p:(\w+):\d+", data)[1]


def _counting(app, monkeypatch) -> list:
    index = app.bot_data["services"].index
    searched = []
    search = index.search
    monkeypatch.setattr(index, "search", lambda *a, **k: searched.append(a) or search(*a, **k))
    return searched


async def test_forged_deep_page_and_offset_run_no_search(feed, app, monkeypatch):
    qid = _qid(await feed(message("công viên cây xanh")))
    searched = _counting(app, monkeypatch)
    calls = await feed(callback(f"p:{qid}:99999"))
    assert [n for n, _ in calls] == ["answerCallbackQuery"]
    for offset in ("5000", "240", f"{qid}:240"):
        ((name, answer),) = await feed(inline("công viên cây xanh", offset=offset))
        assert name == "answerInlineQuery" and answer["results"] == []
    assert searched == []


async def test_the_deepest_page_ranks_once_and_is_cheap_after(feed, app, monkeypatch):
    searched = _counting(app, monkeypatch)
    for question in ("công viên cây xanh", "việt nam"):
        qid = _qid(await feed(message(question)))
        assert len(searched) == 1  # the question: its first ten ranked
        for _ in range(3):
            calls = await feed(callback(page_data(qid, MAX_PAGES - 1)))
        assert len(searched) == 2  # ranked once more, to the depth, then read from the list
        searched.clear()
    (edited,) = [p for n, p in calls if n == "editMessageText"]
    assert "Bài 46–50 trong" in edited["text"]  # "việt nam": past the list is its last page
    calls = await feed(callback(page_data(_qid(await feed(message("công viên cây xanh"))), 9)))
    (edited,) = [p for n, p in calls if n == "editMessageText"]
    assert "Bài 11–12 trong 12" in edited["text"]


async def test_another_chats_question_shows_nothing_of_it(feed):
    secret = "số điện thoại của chị Lan 0912345678 bị lộ"
    calls = await feed(message(secret))
    (asked,) = [p for n, p in calls if n == "sendMessage"]
    data = [b["callback_data"] for row in asked["reply_markup"]["inline_keyboard"] for b in row]
    again = _qid(await feed(message(secret)))
    qid = next(m[1] for d in data if (m := re.fullmatch(r"p:(\w+):\d+", d)))
    assert len(qid) == 12 and again != qid  # not sequential, not shared
    for forged in (f"p:{qid}:0", f"p:{qid}:1"):
        calls = await feed(callback(forged, user=OTHER))  # on OTHER's own chat
        assert [n for n, _ in calls] == ["answerCallbackQuery"]
        assert calls[0][1]["show_alert"] and "0912345678" not in str(calls)
    ((_, inline_answer),) = await feed(inline("lộ", user=OTHER, offset=f"{qid}:5"))
    assert inline_answer["results"] == []


async def test_a_flood_of_presses_is_cut_off_and_others_are_answered(feed, app):
    qid = _qid(await feed(message("công viên cây xanh")))
    edits = 0
    for _ in range(40):
        calls = await feed(callback(page_data(qid, 1)))
        edits += sum(n == "editMessageText" for n, _ in calls)
    assert edits == 24  # the bucket: 3 x NEWSBOT_FLOOD_QUESTIONS per NEWSBOT_FLOOD_SECONDS
    answers = [await feed(inline("công viên cây xanh", user=USER)) for _ in range(3)]
    assert all(calls == [] for calls in answers)  # inline queries share the bucket
    theirs = _qid(await feed(message("công viên cây xanh", user=OTHER)))
    calls = await feed(callback(page_data(theirs, 1), user=OTHER))
    assert [n for n, _ in calls] == ["editMessageText", "answerCallbackQuery"]
    ((_, other),) = await feed(inline("công viên cây xanh", user=OTHER))
    assert len(other["results"]) == 10


def test_the_last_page_offers_no_next_button() -> None:
    from bot import keyboards
    from bot.texts import VI
    from index.models import Article, Excerpt, Hit, SearchResult

    hits = tuple(Hit(Article(f"a{i}", "Tin", "Bài"), 1.0, Excerpt("Bài")) for i in range(5))
    last = SearchResult("tin", hits, total=10_000, offset=DEPTH - 5)
    page = Page("q1", last, cut=False, size=5, pages=MAX_PAGES, more=False)
    rows = keyboards.results_keyboard(page, VI, [f"t{i}" for i in range(5)]).inline_keyboard
    labels = [b.text for b in rows[-1]]
    assert labels == ["« Trước", f"Trang {MAX_PAGES}/{MAX_PAGES}"]
