"""End to end: feeds and topics through the real `newsbot run` process and the fake Bot API."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from backend_kit import Backend
from bot_delivery_kit import FeedSite, news, small_news
from botapi import ThreadedBotApiServer
from e2e_kit import FAST, eventually, launch, pushes, ready, say, stop, wait_pushes

pytestmark = pytest.mark.slow

ADMIN, MEMBER, READER = 4001, 4002, 4003
GROUP_ID, OLD_GROUP, NEW_GROUP, FORUM = -100401, -402, -100403, -100404
CHANNEL_ID = -100405


def topics_in_db(backend: Backend, data_dir: Path, chat_id: int) -> list[str]:
    rows = backend.rows(data_dir, "SELECT text FROM topics WHERE chat_id=? ORDER BY id", (chat_id,))
    return [r[0] for r in rows]


def outbox(backend: Backend, data_dir: Path) -> dict[str, int]:
    """How many deliveries are in each state."""
    query = "SELECT state, count(*) FROM deliveries GROUP BY state"
    return {state: int(n) for state, n in backend.rows(data_dir, query)}


# ---- one bot for most tests --------------------------------------------------------------


@pytest.fixture(scope="module")
def site(backend_env):
    """A news site per backend: each bot starts from the same feed."""
    with FeedSite() as s:
        s.publish("nang-nong", "Nắng nóng gay gắt ở Bắc Bộ", ["Nắng nóng kéo dài cả tuần."], 1)
        yield s


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, site, backend_env) -> Path:
    path = backend_env.add(tmp_path_factory.mktemp("delivery-data"), small_news())
    with backend_env.feeds(path) as registry:
        # polled first and failing every time: the good feed must not notice
        registry.add(site.base + "/missing.xml")
        registry.add(site.feed_url)
    return path


@pytest.fixture(scope="module")
def bot(api, data_dir, site, backend_env, tmp_path_factory):
    log = tmp_path_factory.mktemp("delivery-log") / "bot.log"
    process = launch(api, data_dir, log, {**FAST, **backend_env.env})
    try:
        ready(api)
        # the first poll indexes what the feed already had
        eventually(lambda: "/bai/nang-nong.html" in site.requests, timeout=20)
        assert "/missing.xml" in site.requests
        yield process
    finally:
        stop(process)
    text = log.read_text()
    assert process.returncode == 0, text
    assert "missing.xml: HTTP 404" in text  # the failing feed was polled, and logged
    assert api.token not in text and api.token.split(":")[1] not in text
    # the only tracebacks are PTB's own log of the flood we asked for
    assert text.count("Traceback") == text.count("telegram.error.RetryAfter"), text


def test_a_group_admin_follows_and_the_group_gets_one_push_per_article(api, bot, site):
    api.add_group(GROUP_ID, "Nhóm tin", admins=[ADMIN], members=[MEMBER])
    answer = say(api, GROUP_ID, ADMIN, "/theodoi giá vàng")
    assert answer["text"].startswith("✅ Đã theo dõi “giá vàng”.")
    assert "Giá vàng đi ngang tuần trước" in answer["text"]  # the latest match, as a preview
    site.publish(
        "gia-vang-dinh",
        "Giá vàng SJC vượt đỉnh lịch sử",
        ["Sáng nay giá vàng SJC tăng thêm một triệu đồng mỗi lượng.", "Người mua xếp hàng."],
    )
    (push,) = wait_pushes(api, GROUP_ID)
    assert "Giá vàng SJC vượt đỉnh lịch sử" in push["text"]
    assert push["text"].startswith("🔔 giá vàng\n")
    links = [e["url"] for e in push["entities"] if e["type"] == "text_link"]
    assert links == [f"{site.base}/bai/gia-vang-dinh.html"]
    # the article is searchable too, without a restart
    found = say(api, GROUP_ID, MEMBER, "/tim giá vàng vượt đỉnh lịch sử")
    assert "Giá vàng SJC vượt đỉnh lịch sử" in found["text"]
    time.sleep(1.5)  # more polls and ticks: still one push
    assert len(pushes(api, GROUP_ID)) == 1


def test_a_member_who_is_not_admin_is_refused(api, bot, data_dir, backend_env):
    refused = say(api, GROUP_ID, MEMBER, "/theodoi bão")
    assert refused["text"] == "Chỉ quản trị viên của nhóm mới thay đổi được chủ đề theo dõi."
    assert topics_in_db(backend_env, data_dir, GROUP_ID) == ["giá vàng"]
    listed = say(api, GROUP_ID, MEMBER, "/dstheodoi")  # anyone may look
    assert "1. giá vàng" in listed["text"]


def test_a_flood_wait_delays_but_loses_and_repeats_nothing(api, bot, site):
    api.add_private_chat(READER, "Đọc")
    say(api, READER, READER, "/theodoi tỷ giá")
    # four 429s: PTB's limiter retries three times, the sender waits out the fourth
    api.flood(retry_after=1, count=4)
    site.publish("ty-gia", "Tỷ giá USD tăng nhẹ", ["Tỷ giá trung tâm tăng 5 đồng."])
    (push,) = wait_pushes(api, READER, timeout=20)
    assert api.early_calls() == []  # each retry waited out the retry_after it was given
    assert "Tỷ giá USD tăng nhẹ" in push["text"]
    assert len([e for e in api.errors() if e["error_code"] == 429]) == 4
    time.sleep(0.5)
    assert len(pushes(api, READER)) == 1


def test_a_channel_is_managed_from_a_private_chat(api, bot, site, data_dir, backend_env):
    api.add_channel(CHANNEL_ID, "kenh_tin_thu", "Kênh tin thử", admins=[ADMIN])
    api.add_private_chat(ADMIN, "Quản trị")
    ok = say(api, ADMIN, ADMIN, "/theodoi @kenh_tin_thu học phí")
    assert ok["text"].startswith("✅ Kênh @kenh_tin_thu đã theo dõi “học phí”.")
    api.add_private_chat(MEMBER, "Thành viên")
    refused = say(api, MEMBER, MEMBER, "/theodoi @kenh_tin_thu bão")
    assert "Chỉ quản trị viên của kênh @kenh_tin_thu" in refused["text"]
    # a command posted in the channel itself needs no check: only admins post there
    api.send_channel_post(CHANNEL_ID, "/theodoi không khí lạnh")
    api.wait_for_messages(CHANNEL_ID, 1)
    assert sorted(topics_in_db(backend_env, data_dir, CHANNEL_ID)) == ["học phí", "không khí lạnh"]
    site.publish("hoc-phi", "Đại học giữ nguyên học phí", ["Nhiều trường giữ nguyên học phí."])
    (push,) = wait_pushes(api, CHANNEL_ID)
    assert "Đại học giữ nguyên học phí" in push["text"]
    assert api.messages(ADMIN)[-1] == ok  # the push went to the channel, not to the admin


def test_a_forum_topic_gets_its_articles_in_its_thread(api, bot, site):
    api.add_group(FORUM, "Diễn đàn", admins=[ADMIN], is_forum=True)
    ok = say(api, FORUM, ADMIN, "/theodoi xăng dầu", message_thread_id=77)
    assert ok["message_thread_id"] == 77
    site.publish("xang-dau", "Giá xăng dầu giảm mạnh", ["Giá xăng dầu giảm từ chiều nay."])
    (push,) = wait_pushes(api, FORUM)
    assert push["message_thread_id"] == 77


def test_a_migrated_group_gets_its_articles_at_the_new_id(api, bot, site, data_dir, backend_env):
    api.add_group(OLD_GROUP, "Nhóm cũ", type="group", admins=[ADMIN])
    say(api, OLD_GROUP, ADMIN, "/theodoi bão số")
    api.migrate_chat(OLD_GROUP, NEW_GROUP)
    site.publish("bao-so-5", "Bão số 5 mạnh lên", ["Bão số 5 mạnh lên cấp 12 trên biển."])
    (push,) = wait_pushes(api, NEW_GROUP)
    assert "Bão số 5 mạnh lên" in push["text"]
    assert topics_in_db(backend_env, data_dir, NEW_GROUP) == ["bão số"]
    assert topics_in_db(backend_env, data_dir, OLD_GROUP) == []


def test_a_chat_that_blocked_the_bot_is_dropped_after_three_refusals(
    api, bot, site, data_dir, backend_env
):
    blocked = 4010
    api.add_private_chat(blocked, "Chặn")
    say(api, blocked, blocked, "/theodoi bóng đá")
    api.block_chat(blocked)
    site.publish("bong-da", "Đội tuyển bóng đá thắng đậm", ["Đội tuyển bóng đá thắng 3-0."])

    def refusals() -> list[dict]:
        return [
            e
            for e in api.errors()
            if e["error_code"] == 403 and e["params"].get("chat_id") == blocked
        ]

    # paused 1.2 s after the first refusal, 2.4 s after the second, dropped at the third
    api.wait_for(lambda: len(refusals()) >= 3, timeout=20)
    eventually(lambda: topics_in_db(backend_env, data_dir, blocked) == [], timeout=5)
    site.publish("bong-da-2", "Bóng đá nữ vô địch", ["Đội tuyển bóng đá nữ vô địch."])
    eventually(lambda: "/bai/bong-da-2.html" in site.requests)
    time.sleep(1.0)  # indexed, matched: ten delivery ticks
    assert len(refusals()) == 3  # no more attempts at a dropped chat


# ---- kill -9 with a full outbox ----------------------------------------------------------

CHATS = list(range(5001, 5041))
PARKS = [
    news(f"cong-vien-{i}", f"Khánh thành công viên số {i}", "Công viên mở cửa miễn phí.", 10 + i)
    for i in range(3)
]


def test_a_killed_bot_resends_every_pending_article_once(tmp_path, own_backend):
    settings = {**FAST, **own_backend.env}
    with ThreadedBotApiServer() as api:
        data_dir = tmp_path / "data"
        index = own_backend.index(data_dir)
        index.add(small_news())
        log = tmp_path / "bot.log"
        process = launch(api, data_dir, log, settings)
        try:
            ready(api)
            for chat in CHATS:
                api.add_private_chat(chat, f"Người {chat}")
                api.send_text(chat, chat, "/theodoi công viên")
            api.wait_for(lambda: all(api.messages(c) for c in CHATS), timeout=20)
            index.add(PARKS)  # as `newsbot index` would, from another process
            total = len(CHATS) * len(PARKS)
            api.wait_for(lambda: sum(len(pushes(api, c)) for c in CHATS) >= 15, timeout=20)
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        index.close()
        states = outbox(own_backend, data_dir)
        before = sum(len(pushes(api, c)) for c in CHATS)
        assert states.get("pending", 0) > 0 and before < total  # killed with an outbox full
        in_flight = states.get("sending", 0)
        assert in_flight <= 4  # one message per chat, four chats at a time

        process = launch(api, data_dir, log, settings)
        try:
            ready(api, starts=2)
            api.wait_for(lambda: all(len(pushes(api, c)) >= len(PARKS) for c in CHATS), timeout=25)
            time.sleep(1.0)  # nothing more comes
        finally:
            stop(process)
        counts = Counter(
            (chat, title)
            for chat in CHATS
            for m in pushes(api, chat)
            for title in [m["text"].split("\n")[1]]
        )
        assert set(counts) == {(c, a.title) for c in CHATS for a in PARKS}
        repeats = sum(n - 1 for n in counts.values())
        assert repeats <= in_flight  # only what was in flight at the kill
        assert outbox(own_backend, data_dir) == {"sent": total}
        assert "were in flight at the last stop" in log.read_text() or in_flight == 0
