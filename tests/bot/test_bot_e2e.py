"""End to end: the real `newsbot run` process against the local fake Bot API server."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bot_testkit import EN_COMMANDS, VI_COMMANDS, sample_articles
from botapi import utf16_len
from e2e_kit import User, launch, ready, stop

from index.models import Article

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
GROUP_ID = -100777
CHANNEL_ID = -100888


@pytest.fixture(scope="module")
def data_dir(backend_env, tmp_path_factory) -> Path:
    return backend_env.add(tmp_path_factory.mktemp("e2e-data"), sample_articles())


@pytest.fixture(scope="module")
def bot(api, data_dir, backend_env, tmp_path_factory):
    """`newsbot run` in its own process, polling the fake server; stopped after the module."""
    log = tmp_path_factory.mktemp("e2e-log") / "bot.log"
    process = launch(api, data_dir, log, {"NEWSBOT_REFRESH_SECONDS": "0.5", **backend_env.env})
    try:
        api.wait_for_call("setMyCommands", 2, timeout=30)
        ready(api)
        yield process
    finally:
        stop(process)
    text = log.read_text()
    assert process.returncode == 0, text
    assert api.token not in text and api.token.split(":")[1] not in text
    assert "Traceback" not in text, text


def links(message: dict) -> list[str]:
    return [e["url"] for e in message["entities"] if e["type"] == "text_link"]


def bold(message: dict) -> list[str]:
    text = message["text"].encode("utf-16-le")
    return [
        text[e["offset"] * 2 : (e["offset"] + e["length"]) * 2].decode("utf-16-le")
        for e in message["entities"]
        if e["type"] == "bold"
    ]


def labels(message: dict) -> list[str]:
    return [
        b["text"] for row in (message["reply_markup"] or {}).get("inline_keyboard", []) for b in row
    ]


def test_startup_registers_commands_in_both_languages(api, bot):
    assert [c["command"] for c in api.commands()] == VI_COMMANDS
    assert [c["command"] for c in api.commands(language_code="en")] == EN_COMMANDS
    assert api.calls("getMe") and api.calls("deleteWebhook")


def test_private_question_with_and_without_diacritics(api, bot):
    user = User(api, 2001)
    (answer,) = user.say("công viên cây xanh")
    assert answer["parse_mode"] == "HTML"
    assert answer["text"].startswith("🔎 Bài 1–5 trong 12 bài cho “công viên cây xanh”")
    assert "Khánh thành công viên cây xanh số 12" in answer["text"]
    marked = bold(answer)
    assert "Công viên cây xanh" in marked and "Công viên" in marked
    assert links(answer)[0] == "https://t.me/newsbot_test_bot?start=cong-vien-12"
    assert labels(answer) == ["📖 1", "📖 2", "📖 3", "📖 4", "📖 5", "Trang 1/3", "Sau »"]
    (bare,) = user.say("cong vien cay xanh")
    assert "Khánh thành công viên cây xanh số 12" in bare["text"]
    assert "không dấu" in bare["text"]
    (nothing,) = user.say("khủng long bạo chúa")
    assert "Không tìm thấy bài nào cho “khủng long bạo chúa”" in nothing["text"]
    assert api.calls("sendChatAction")
    offsets = [int(p.get("offset") or 0) for _, p in api.calls("getUpdates")]
    assert offsets == sorted(offsets) and offsets[-1] > 0  # confirmed with offsets


def test_paging_edits_in_place_and_full_text_arrives_in_parts(api, bot):
    user = User(api, 2002)
    (answer,) = user.say("công viên cây xanh")
    (page2,) = user.press(answer, "Sau »")
    assert page2["message_id"] == answer["message_id"] and page2["edited"]
    assert page2["text"].startswith("🔎 Bài 6–10 trong 12")
    assert labels(page2)[5:] == ["« Trước", "Trang 2/3", "Sau »"]
    (page1,) = user.press(page2, "« Trước")
    assert page1["text"].startswith("🔎 Bài 1–5 trong 12")
    assert any(a["update_id"] for a in api.callback_answers())

    (report,) = user.say("báo cáo kinh tế xã hội")
    before = len(api.messages(user.chat))
    user.press(report, "📖 1", count=1)
    parts = api.wait_for(
        lambda: (
            (new := api.messages(user.chat)[before:])
            and re.search(r"\((\d+)/\1\)$", new[-1]["text"])
            and new
        ),
        timeout=15,
    )
    assert parts[0]["text"].startswith("Toàn văn báo cáo kinh tế xã hội năm 2024")
    assert len(parts) >= 3 and all(
        p["text"].endswith(f"({i}/{len(parts)})") for i, p in enumerate(parts, 1)
    )
    assert all(utf16_len(p["text"]) <= 4096 for p in parts)
    whole = "\n".join(p["text"] for p in parts)
    assert all(f"Đoạn {i}: Báo cáo" in whole for i in range(1, 41))
    assert whole.count("Phụ lục số liệu") == 80  # the giant paragraph, cut but complete


def test_deep_link_opens_the_article(api, bot):
    user = User(api, 2003)
    (answer,) = user.say("Hà Nội khởi công Vành đai 4")
    link = next(u for u in links(answer) if "start=" in u)
    assert link == "https://t.me/newsbot_test_bot?start=vanh-dai-4"
    (article,) = user.say("/start " + link.split("start=")[1])
    assert article["text"].startswith("Hà Nội khởi công đường Vành đai 4")
    assert "dài hơn 100 km" in article["text"]
    (storm,) = user.say("bão số 3")  # an id that is no valid payload gets a short token
    token = next(u for u in links(storm) if "start=" in u).split("start=")[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", token)
    (article,) = user.say(f"/doc {token}")
    assert article["text"].startswith("Bão số 3 đổ bộ vào miền Trung")
    (welcome,) = user.say("/start")
    assert "Xin chào" in welcome["text"]


def test_english_user(api, bot):
    user = User(api, 2004, language="en")
    (answer,) = user.say("/search công viên")
    assert answer["text"].startswith("🔎 Articles 1–5 of 12")
    (latest,) = user.say("/latest")
    assert latest["text"].startswith("🗞 Latest articles")


def test_inline_mode_with_paging(api, bot):
    api.add_user(2005, "Inline")
    api.inline_query(2005, "công viên cây xanh")
    (first,) = api.wait_for(lambda: api.inline_answers() or None, timeout=15)[-1:]
    assert len(first["results"]) == 10 and first["next_offset"].endswith(":10")
    result = first["results"][0]
    assert result["title"] == "Khánh thành công viên cây xanh số 12"
    assert "Công viên cây xanh số 12" in result["description"]
    api.inline_query(2005, "công viên cây xanh", offset=first["next_offset"])
    (second,) = api.wait_for(
        lambda: len(api.inline_answers()) > 1 and api.inline_answers(), timeout=15
    )[-1:]
    assert len(second["results"]) == 2 and not second.get("next_offset")


def test_long_and_marked_up_questions(api, bot):
    user = User(api, 2006)
    (long,) = user.say("công viên cây xanh " + "x" * 5000)
    assert "chỉ tìm theo 300 ký tự đầu" in long["text"]
    assert all(
        len(b["callback_data"].encode()) <= 64
        for row in long["reply_markup"]["inline_keyboard"]
        for b in row
    )
    (tags,) = user.say("<b>thẻ</b> & ký tự")
    assert "“<b>thẻ</b> & ký tự”" in tags["text"]
    assert "Tranh cãi về thẻ <b> và ký tự & trong trang web" in tags["text"]
    assert links(tags)[0] == "https://tintuc.example.vn/the-html?a=1&b=2"


def test_group_answers_commands_mentions_and_replies_only(api, bot):
    # the bot is an admin, so privacy mode hides nothing: ignoring chatter is the bot's own doing
    api.add_group(GROUP_ID, "Nhóm đọc báo", members=[3001, 3002], bot_is_admin=True)
    anna = User(api, 3001, GROUP_ID)
    api.send_text(GROUP_ID, 3002, "chào cả nhà, giá vàng hôm nay thế nào?")
    api.send_text(GROUP_ID, 3002, "@ban_khac giá vàng")
    api.send_text(GROUP_ID, 3002, "/tim@other_bot giá vàng")
    (by_command,) = anna.say("/tim@newsbot_test_bot giá vàng SJC")
    assert "Giá vàng SJC tăng mạnh" in by_command["text"]
    assert by_command["reply_to_message_id"] is not None
    (plain_command,) = anna.say("/tim giá vàng SJC")
    (mention,) = anna.say("@newsbot_test_bot bão số 3")
    assert "Bão số 3 đổ bộ vào miền Trung" in mention["text"]
    (reply,) = anna.say("bóng đá Việt Nam", reply_to=mention["message_id"])
    assert "Đội tuyển bóng đá Việt Nam thắng Thái Lan" in reply["text"]
    assert len(api.messages(GROUP_ID)) == 4  # nothing for the chatter
    assert plain_command["text"] == by_command["text"]


def test_channel_posts_get_nothing_and_break_nothing(api, bot):
    api.add_channel(CHANNEL_ID, "kenh_tin", bot_is_admin=True)
    update_id = api.send_channel_post(CHANNEL_ID, "/tim giá vàng @newsbot_test_bot")
    api.wait_delivered(update_id, timeout=15)
    user = User(api, 2007)
    user.say("giá vàng SJC")  # still alive after the post
    assert api.messages(CHANNEL_ID) == []
    assert not [e for e in api.errors() if e["params"].get("chat_id") == CHANNEL_ID]


def test_retry_after_is_honoured(api, bot):
    user = User(api, 2008)
    api.flood(retry_after=1, count=1)
    (answer,) = user.say("giá vàng SJC")
    assert "Giá vàng SJC" in answer["text"]
    assert [e for e in api.errors() if e["error_code"] == 429]
    assert api.early_calls() == []  # the retry came once the second had passed


def test_articles_indexed_meanwhile_are_found(api, bot, data_dir, backend_env):
    index = backend_env.index(data_dir)  # as `newsbot index` would, in another process
    index.add(
        [
            Article(
                "ca-phe",
                "Giá cà phê Tây Nguyên lập kỷ lục",
                "Giá cà phê nhân xô ở Tây Nguyên lập kỷ lục mới trong tuần.",
                published=dt.date(2025, 1, 2),
                source="Báo Nông Nghiệp",
            )
        ]
    )
    index.close()
    user = User(api, 2009)
    for _ in range(
        5
    ):  # the bot refreshes every 0.5 s here; five questions stay under the flood limit
        time.sleep(1)
        (answer,) = user.say("cà phê Tây Nguyên")
        if "Giá cà phê Tây Nguyên lập kỷ lục" in answer["text"]:
            break
    assert "Giá cà phê Tây Nguyên lập kỷ lục" in answer["text"]


def test_no_error_but_the_flood_we_asked_for(api, bot):
    assert [e for e in api.errors() if e["error_code"] != 429] == []


def test_run_without_a_token_explains(tmp_path, own_backend):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "run"],
        cwd=tmp_path,
        env={**env, "NEWSBOT_DATA_DIR": str(tmp_path), **own_backend.env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "@BotFather" in done.stderr and "newsbot chat" in done.stderr
