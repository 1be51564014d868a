"""End to end: five pages of a time-word question in the real `newsbot run`, inline too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from e2e_kit import User, launch, ready, stop
from paging_kit import QUESTION, fuel_articles

pytestmark = pytest.mark.slow

LISTED = re.compile(r"^(\d+)\. (Giá xăng .*)$", re.M)


@pytest.fixture(scope="module")
def data_dir(backend_env, tmp_path_factory) -> Path:
    return backend_env.add(tmp_path_factory.mktemp("paging-data"), fuel_articles())


@pytest.fixture(scope="module")
def bot(api, data_dir, backend_env, tmp_path_factory):
    log = tmp_path_factory.mktemp("paging-log") / "bot.log"
    # 25 reads and 4 pages in a row: more presses than the default flood limit allows
    settings = {"NEWSBOT_FLOOD_QUESTIONS": "20", **backend_env.env}
    process = launch(api, data_dir, log, settings)
    try:
        ready(api)
        yield process
    finally:
        stop(process)
    text = log.read_text()
    assert process.returncode == 0, text
    assert "Traceback" not in text, text


def test_five_pages_repeat_nothing_and_every_number_opens_its_article(api, bot):
    user = User(api, 3001)
    (message,) = user.say(QUESTION)
    titles: list[str] = []
    for page in range(5):
        listed = LISTED.findall(message["text"])
        assert [int(n) for n, _ in listed] == list(range(page * 5 + 1, page * 5 + 6))
        for n, title in listed:
            (article,) = user.press(message, f"📖 {n}", count=1)
            assert article["text"].startswith(title + "\n"), (n, title, article["text"][:80])
            titles.append(title)
        if page < 4:
            (message,) = user.press(message, "Sau »")
    assert len(set(titles)) == 25  # no article twice


def test_inline_pages_are_one_list(api, bot):
    api.add_user(3002, "Inline")
    offset, seen = "", []
    for _ in range(5):
        before = len(api.inline_answers())
        api.inline_query(3002, QUESTION, offset=offset)
        answer = api.wait_for(
            lambda b=before: len(api.inline_answers()) > b and api.inline_answers()[-1],
            timeout=15,
        )
        seen += [r["id"] for r in answer["results"]]
        offset = answer.get("next_offset") or ""
        if not offset:
            break
    assert len(seen) >= 25 and len(set(seen)) == len(seen)


def test_a_forged_press_on_another_chats_question_shows_nothing(api, bot):
    asker, other = User(api, 3003), User(api, 3004)
    (theirs,) = asker.say(QUESTION)
    qid = re.fullmatch(
        r"p:(\w+):\d+", theirs["reply_markup"]["inline_keyboard"][-1][-1]["callback_data"]
    )[1]
    (mine,) = other.say("giá dầu diesel")
    before = len(api.callback_answers())
    api.press_button(other.chat, other.id, mine["message_id"], f"p:{qid}:1", check=False)
    answer = api.wait_for(lambda: api.callback_answers()[before:] or None, timeout=15)[0]
    assert answer["show_alert"] and "Giá xăng" not in answer.get("text", "")
    assert api.message(other.chat, mine["message_id"])["text"] == mine["text"]  # unchanged
