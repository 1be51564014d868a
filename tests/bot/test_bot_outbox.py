"""Matching new articles into the outbox and sending it: one push per article, named failures."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
from bot_delivery_kit import MemberRequest, news, small_news
from bot_testkit import GROUP, TOKEN, USER
from telegram import Bot

from bot import render, render_topics
from bot.outbox import Pacer, Sender
from bot.subscriptions import Target
from bot.texts import VI
from index.models import Article
from index.search import SearchIndex

TAG = re.compile(r"</?[a-z]+[^>]*>")
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
ALICE = Target(USER["id"], "private")
GROUP_T = Target(GROUP["id"], "supergroup")


def visible(text: str) -> str:
    return html.unescape(TAG.sub("", text))


@pytest.fixture
def news_index(tmp_path):
    """A small archive of its own: these tests add articles to it."""
    index = SearchIndex.open(tmp_path / "news")
    index.add(small_news())
    yield index
    index.close()


@pytest.fixture
def settings(both_settings):
    """Every test of the outbox on SQLite and on PostgreSQL."""
    return both_settings


@pytest.fixture
def recorder() -> MemberRequest:
    return MemberRequest()


@pytest.fixture
def svc(app):
    return app.bot_data["services"]


def sender(app, bot=None, **kwargs) -> Sender:
    """A sender without per-chat spacing (the Pacer has its own test)."""
    svc = app.bot_data["services"]
    kwargs.setdefault("pacer", Pacer(0, 0))
    kwargs.setdefault("zone", ZONE)
    return Sender(bot or app.bot, svc.subscriptions, svc.state, **kwargs)


def outbox(svc) -> dict[str, int]:
    """Outbox rows by state, previews left out."""
    return {k: n for k, n in svc.subscriptions.outbox.counts().items() if k != "shown"}


async def arrive(svc, *articles: Article) -> int:
    """Articles reach the index (as the feed poller adds them); returns outbox rows written."""
    await asyncio.to_thread(svc.index.add, list(articles))
    return await asyncio.to_thread(svc.subscriptions.match)


async def follow(svc, target: Target, text: str):
    followed, _ = await asyncio.to_thread(svc.subscriptions.follow, target, text)
    return followed


GOLD = news("vang-moi", "Giá vàng SJC lập đỉnh mới", "Giá vàng SJC tăng mạnh sáng nay.", 10)


async def test_a_new_article_is_pushed_once_with_link_and_read_button(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    recorder.clear()
    assert await arrive(svc, GOLD) == 1
    assert await sender(app).run() == 1
    (sent,) = recorder.sent("sendMessage")
    assert sent["chat_id"] == USER["id"] and sent["parse_mode"] == "HTML"
    assert sent["text"].startswith(
        '🔔 <i>giá vàng</i>\n<b><a href="https://tin.example.vn/vang-moi">'
    )
    assert "Giá vàng SJC lập đỉnh mới" in sent["text"] and "Báo Thử · 10/05/2025" in sent["text"]
    (button,) = sent["reply_markup"]["inline_keyboard"][0]
    assert button == {"text": "📖 Đọc toàn văn", "callback_data": "r:vang-moi"}
    assert await sender(app).run() == 0  # sent is sent
    # an edit of the article is stored again at a new position: no second push
    edited = news("vang-moi", GOLD.title, "Giá vàng SJC tăng mạnh, cập nhật lúc 10 giờ.", 10)
    assert await arrive(svc, edited) == 0
    assert outbox(svc) == {"sent": 1}


async def test_old_articles_are_previewed_not_pushed(app, svc, recorder):
    followed, recent = await asyncio.to_thread(svc.subscriptions.follow, ALICE, "giá vàng")
    assert [a.id for a in recent] == ["vang-cu"]
    assert followed.after_position == svc.index.cursor()
    assert await asyncio.to_thread(svc.subscriptions.match) == 0
    # re-stored at a new position: still not news to this chat, it saw the preview
    assert await arrive(svc, news("vang-cu", "Giá vàng đi ngang", "Giá vàng SJC đi ngang.", 1)) == 0
    assert await sender(app).run() == 0


async def test_one_push_however_many_topics_of_the_chat_match(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    await follow(svc, ALICE, "SJC")
    await follow(svc, GROUP_T, "vàng")
    assert await arrive(svc, GOLD) == 2  # one row for each chat
    recorder.clear()
    assert await sender(app).run() == 2
    assert sorted(p["chat_id"] for p in recorder.sent("sendMessage")) == [GROUP["id"], USER["id"]]


async def test_matching_uses_the_topic_index_not_a_search_per_topic(app, svc, monkeypatch):
    for n in range(5):
        await follow(svc, Target(USER["id"] + n, "private"), "giá vàng")

    def no_search(*args, **kwargs):
        raise AssertionError("matching must not search")

    monkeypatch.setattr(svc.index, "search", no_search)
    assert await arrive(svc, GOLD) == 5


async def test_a_burst_for_one_chat_becomes_one_list(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    burst = [
        news(f"vang-{i}", f"Giá vàng phiên {i} <b>&", f"Giá vàng biến động phiên {i}.", 10)
        for i in range(5)
    ]
    assert await arrive(svc, *burst) == 5
    recorder.clear()
    assert await sender(app).run() == 1
    (sent,) = recorder.sent("sendMessage")
    text = visible(sent["text"])
    assert text.startswith(
        "🔔 5 bài mới về chủ đề bạn theo dõi\ngiá vàng\n\n1. Giá vàng phiên 0 <b>&"
    )
    assert "5. Giá vàng phiên 4" in text and "&lt;b&gt;&amp;" in sent["text"]
    assert outbox(svc) == {"sent": 5}


async def test_a_few_pending_go_one_by_one(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    three = [news(f"vang-{i}", f"Giá vàng phiên {i}", "Giá vàng tăng.", 10) for i in range(3)]
    await arrive(svc, *three)
    recorder.clear()
    assert await sender(app).run() == 3
    assert [visible(p["text"]).split("\n")[1] for p in recorder.sent("sendMessage")] == [
        "Giá vàng phiên 0",
        "Giá vàng phiên 1",
        "Giá vàng phiên 2",
    ]


async def test_forum_topics_get_their_articles_in_their_thread(app, svc, recorder):
    await follow(svc, Target(GROUP["id"], "supergroup", 42), "giá vàng")
    await arrive(svc, GOLD)
    recorder.clear()
    await sender(app).run()
    (sent,) = recorder.sent("sendMessage")
    assert sent["message_thread_id"] == 42
    # a deleted forum topic: the group still gets its news, in the general topic
    await arrive(svc, news("vang-2", "Giá vàng giảm", "Giá vàng giảm nhẹ.", 11))
    recorder.fail_next("sendMessage", 400, "Bad Request: message thread not found")
    recorder.clear()
    assert await sender(app).run() == 1
    first, second = recorder.sent("sendMessage")
    assert first["message_thread_id"] == 42 and "message_thread_id" not in second


async def test_forbidden_pauses_the_chat_then_drops_it(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    await arrive(svc, GOLD)
    # a pause no run can outlast on a busy machine (with 50 ms, the run that was refused
    # outlasted it once and delivered again), short enough to wait out here
    run = sender(app, pause=0.5)
    for failures in (1, 2):
        recorder.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
        assert await run.run() == 0
        chat = svc.subscriptions.follows.chat(USER["id"])
        assert chat.failures == failures and chat.paused_until > 0
        assert outbox(svc) == {"pending": 1}  # kept for later
        await asyncio.sleep(0.5 * failures + 0.05)
    recorder.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    assert await run.run() == 0
    assert svc.subscriptions.follows.topics(USER["id"]) == []
    assert len(svc.subscriptions.topics) == 0
    assert outbox(svc) == {"dropped": 1}
    assert await arrive(svc, news("vang-3", "Giá vàng lại tăng", "Giá vàng tăng.", 12)) == 0


async def test_a_refused_chat_that_answers_again_is_forgiven(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    await arrive(svc, GOLD)
    recorder.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    # a pause long enough that the run after the refusal cannot outlast it on a busy machine
    # (it did with 10 ms: the same run delivered again), short enough to wait out here
    run = sender(app, pause=1.0)
    assert await run.run() == 0
    assert svc.subscriptions.follows.chat(USER["id"]).failures == 1
    await asyncio.sleep(1.1)
    assert await run.run() == 1
    assert svc.subscriptions.follows.chat(USER["id"]).failures == 0


async def test_a_migrated_group_gets_its_articles_at_the_new_id(app, svc, recorder):
    await follow(svc, GROUP_T, "giá vàng")
    await arrive(svc, GOLD)
    recorder.fail_next(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": -100777},
    )
    recorder.clear()
    assert await sender(app).run() == 1
    assert [p["chat_id"] for p in recorder.sent("sendMessage")] == [GROUP["id"], -100777]
    assert [f.chat_id for f in svc.subscriptions.follows.topics()] == [-100777]
    assert await arrive(svc, news("vang-2", "Giá vàng giảm", "Giá vàng giảm nhẹ.", 11)) == 1


async def test_refused_markup_is_resent_as_plain_text(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    await arrive(svc, GOLD)
    recorder.fail_next("sendMessage", 400, "Bad Request: can't parse entities: bad tag")
    recorder.clear()
    assert await sender(app).run() == 1
    first, second = recorder.sent("sendMessage")
    assert first["parse_mode"] == "HTML" and "parse_mode" not in second
    assert "Giá vàng SJC lập đỉnh mới (https://tin.example.vn/vang-moi)" in second["text"]
    assert outbox(svc) == {"sent": 1}


async def test_other_refusals_mark_the_row_failed(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    await arrive(svc, GOLD)
    recorder.fail_next("sendMessage", 400, "Bad Request: message is too long")
    assert await sender(app).run() == 0
    assert outbox(svc) == {"failed": 1}


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_retry_after_waits_and_keeps_the_row(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    await arrive(svc, GOLD)
    recorder.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    recorder.clear()
    # a bare Bot: the RetryAfter reaches the sender instead of PTB's limiter
    bare = Bot(TOKEN, request=recorder, get_updates_request=MemberRequest())
    await bare.initialize()
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await sender(app, bot=bare, linger=2.0).run() == 1
    assert loop.time() - started >= 1.0
    assert len(recorder.sent("sendMessage")) == 2
    assert outbox(svc) == {"sent": 1}
    await bare.shutdown()


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_longer_retry_after_is_left_for_the_next_tick(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    await arrive(svc, GOLD)
    recorder.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", {"retry_after": 30})
    bare = Bot(TOKEN, request=recorder, get_updates_request=MemberRequest())
    await bare.initialize()
    run = sender(app, bot=bare, linger=1.0)
    assert await run.run() == 0
    assert outbox(svc) == {"pending": 1}
    assert await run.run() == 0  # still waiting: nothing sent, nothing lost
    await bare.shutdown()


async def test_digest_goes_out_once_at_its_hour(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    await asyncio.to_thread(svc.subscriptions.follows.set_digest, ALICE, "vi", 7, None)
    items = [news(f"vang-{i}", f"Giá vàng phiên {i}", "Giá vàng tăng.", 10) for i in range(5)]
    await arrive(svc, *items)
    clock = [dt.datetime(2025, 5, 10, 6, 59, tzinfo=ZONE)]
    run = sender(app, now=lambda: clock[0])
    recorder.clear()
    assert await run.run() == 0
    clock[0] = dt.datetime(2025, 5, 10, 7, 0, tzinfo=ZONE)
    assert await run.run() == 1
    (sent,) = recorder.sent("sendMessage")
    text = visible(sent["text"])
    assert text.startswith("📰 Tóm tắt tin ngày 10/05/2025: 5 bài\n\n1. Giá vàng phiên 0")
    await arrive(svc, news("vang-9", "Giá vàng chiều nay", "Giá vàng tăng.", 10))
    clock[0] = dt.datetime(2025, 5, 10, 18, 0, tzinfo=ZONE)
    assert await run.run() == 0  # tomorrow's
    clock[0] = dt.datetime(2025, 5, 11, 7, 30, tzinfo=ZONE)
    assert await run.run() == 1


async def test_a_long_digest_is_split_under_the_limit(app, svc, recorder):
    await follow(svc, ALICE, "giá vàng")
    await asyncio.to_thread(svc.subscriptions.follows.set_digest, ALICE, "vi", 0, None)
    items = [
        news(f"vang-{i}", f"Giá vàng phiên {i} " + "rất dài " * 20, "Giá vàng tăng.", 10)
        for i in range(40)
    ]
    await arrive(svc, *items)
    recorder.clear()
    assert await sender(app).run() >= 2
    parts = recorder.sent("sendMessage")
    assert len(parts) >= 2
    assert all(render.utf16_len(visible(p["text"])) <= 4096 for p in parts)
    assert all(visible(p["text"]).endswith(f"({i}/{len(parts)})") for i, p in enumerate(parts, 1))
    whole = "\n".join(visible(p["text"]) for p in parts)
    assert all(f"Giá vàng phiên {i} " in whole for i in range(40))
    assert outbox(svc) == {"sent": 40}


def test_digest_past_the_cap_counts_the_rest():
    items = [
        render_topics.Push(news(f"a{i}", f"Bài {i}", "x", 1), f"https://x.vn/{i}", "t")
        for i in range(130)
    ]
    parts = render_topics.digest(items, VI, dt.date(2025, 5, 1))
    assert sum(count for _, count in parts) == 130
    assert visible(parts[-1][0]).endswith("\n… và 30 bài khác.")
    lists = render_topics.push_list(items, VI)
    assert sum(count for _, count in lists) == 130 and len(lists) > 1
    assert all(render.utf16_len(visible(text)) <= 4096 for text, _ in lists + parts)


def test_pacer_spaces_messages_by_chat_kind():
    now = [100.0]
    pacer = Pacer(clock=lambda: now[0])
    assert pacer.wait(5) == 0 and pacer.wait(-5) == 0
    pacer.sent(5)
    pacer.sent(-5)
    assert pacer.wait(5) == 1.0 and pacer.wait(-5) == 3.0  # 20 a minute in groups
    now[0] = 101.0
    assert pacer.wait(5) == 0 and pacer.wait(-5) == 2.0


async def test_digests_wait_while_another_replica_holds_their_lock(app, svc, recorder, settings):
    if settings.database is None:
        pytest.skip("one process on SQLite: no other replica")
    from bot.outbox import DIGEST_LOCK
    from storage import open_database

    await follow(svc, ALICE, "giá vàng")
    await asyncio.to_thread(svc.subscriptions.follows.set_digest, ALICE, "vi", 7, None)
    await follow(svc, GROUP_T, "giá vàng")  # an instant chat goes out meanwhile
    await arrive(svc, GOLD)
    run = sender(app, now=lambda: dt.datetime(2025, 5, 10, 7, 0, tzinfo=ZONE))
    recorder.clear()
    other = open_database(settings.database)  # another replica
    with other.advisory(DIGEST_LOCK) as held:
        assert held
        assert await run.run() == 1
        assert [p["chat_id"] for p in recorder.sent("sendMessage")] == [GROUP["id"]]
    assert await run.run() == 1  # released: this replica sends the digest
    assert visible(recorder.sent("sendMessage")[-1]["text"]).startswith("📰")
    other.close()


@pytest.mark.parametrize(
    "image",
    ["http://127.0.0.1:8080/a.jpg", "http://2130706433/a.jpg", "http://[::ffff:10.0.0.1]/a.jpg"],
)
async def test_a_picture_on_a_private_address_is_never_handed_to_telegram(
    app, svc, recorder, image
):
    await follow(svc, ALICE, "giá vàng")
    recorder.clear()
    pictured = dataclasses.replace(GOLD, image=image)
    assert await arrive(svc, pictured) == 1
    assert await sender(app).run() == 1
    assert recorder.sent("sendPhoto") == []
    (sent,) = recorder.sent("sendMessage")
    assert "Giá vàng SJC lập đỉnh mới" in sent["text"]
