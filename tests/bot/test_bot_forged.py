"""Forged buttons and inline offsets: no deep search, and a flood of presses is cut off."""

from __future__ import annotations

import re

from bot_testkit import OTHER, USER, callback, inline, message

from bot import parse
from bot.parse import MAX_PAGES, inline_offset, page_data, parse_data
from index.search import MAX_DEPTH


def test_pages_past_the_depth_bound_are_forged() -> None:
    assert MAX_PAGES * parse.PAGE_SIZE == MAX_DEPTH == 250
    assert parse_data(page_data("q1", MAX_PAGES - 1)) is not None
    assert parse_data(page_data("q1", MAX_PAGES)) is None
    assert parse_data("p:q1:99999") is None
    assert inline_offset("") == 0 and inline_offset("240") == 240
    assert inline_offset(str(MAX_DEPTH)) is None and inline_offset("5000") is None
    assert inline_offset("99999999999999999999") is None and inline_offset("-1") is None


def _qid(calls) -> str:
    (sent,) = [p for n, p in calls if n == "sendMessage"]
    data = sent["reply_markup"]["inline_keyboard"][-1][-1]["callback_data"]
    return re.fullmatch(r"p:(\w+):\d+", data)[1]


async def test_forged_deep_page_and_offset_run_no_search(feed, app, monkeypatch):
    qid = _qid(await feed(message("công viên cây xanh")))
    index = app.bot_data["services"].index
    searched = []
    search = index.search
    monkeypatch.setattr(index, "search", lambda *a, **k: searched.append(a) or search(*a, **k))
    calls = await feed(callback(f"p:{qid}:99999"))
    assert [n for n, _ in calls] == ["answerCallbackQuery"]
    ((name, answer),) = await feed(inline("công viên cây xanh", offset="5000"))
    assert name == "answerInlineQuery" and answer["results"] == []
    assert searched == []


async def test_a_flood_of_presses_is_cut_off_and_others_are_answered(feed, app):
    qid = _qid(await feed(message("công viên cây xanh")))
    edits = 0
    for _ in range(40):
        calls = await feed(callback(page_data(qid, 1)))
        edits += sum(n == "editMessageText" for n, _ in calls)
    assert edits == 24  # the bucket: 3 x NEWSBOT_FLOOD_QUESTIONS per NEWSBOT_FLOOD_SECONDS
    answers = [await feed(inline("công viên cây xanh", user=USER)) for _ in range(3)]
    assert all(calls == [] for calls in answers)  # inline queries share the bucket
    calls = await feed(callback(page_data(qid, 1), user=OTHER))
    assert [n for n, _ in calls] == ["editMessageText", "answerCallbackQuery"]
    ((_, other),) = await feed(inline("công viên cây xanh", user=OTHER))
    assert len(other["results"]) == 10


def test_the_last_page_offers_no_next_button() -> None:
    from bot import keyboards
    from bot.texts import VI
    from index.models import Article, Excerpt, Hit, SearchResult

    hits = tuple(Hit(Article(f"a{i}", "Tin", "Bài"), 1.0, Excerpt("Bài")) for i in range(5))
    last = SearchResult("tin", hits, total=10_000, offset=MAX_DEPTH - 5)
    rows = keyboards.results_keyboard(last, VI, "q1", [f"t{i}" for i in range(5)]).inline_keyboard
    labels = [b.text for b in rows[-1]]
    assert labels == ["« Trước", f"Trang {MAX_PAGES}/{MAX_PAGES}"]
