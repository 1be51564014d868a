"""Topics (SubscriptionStore) and the outbox (Outbox), and the topic commands through the app."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from bot_delivery_kit import KENH, MemberRequest
from bot_testkit import CHANNEL, EN_USER, GROUP, OTHER, USER, message

from bot.subscriptions import (
    MAX_TOPICS,
    FollowError,
    Outbox,
    SubscriptionStore,
    Target,
    digest_day,
    parse_hour,
)

TAG = re.compile(r"</?[a-z]+[^>]*>")
ALICE = Target(1001, "private")
GROUP_T = Target(GROUP["id"], "supergroup")


def visible(text: str) -> str:
    return html.unescape(TAG.sub("", text))


def sends(calls):
    return [params for name, params in calls if name == "sendMessage"]


# ---- the store ---------------------------------------------------------------------------


@pytest.fixture
def settings(both_settings):
    """The topic commands through the app, on SQLite and on PostgreSQL."""
    return both_settings


@pytest.fixture
def store(database_target):
    s = SubscriptionStore(database_target)
    yield s
    s.close()


@pytest.fixture
def outbox(store):
    """The outbox on the store's database, as the bot composes them."""
    o = Outbox(store.database)
    yield o
    o.close()


def test_follow_refuses_duplicates_and_too_many(store):
    first = store.follow(ALICE, "vi", "giá vàng", "sig-gold", after_position=7)
    assert (first.chat_id, first.text, first.after_position) == (1001, "giá vàng", 7)
    with pytest.raises(FollowError) as duplicate:
        store.follow(ALICE, "vi", "Giá  VÀNG", "sig-gold", after_position=9)
    assert duplicate.value.code == "duplicate" and duplicate.value.existing == first
    # the same topic in a forum topic of a group is another subscription
    store.follow(Target(-5, "supergroup", 3), "vi", "giá vàng", "sig-gold", 7)
    store.follow(Target(-5, "supergroup", 4), "vi", "giá vàng", "sig-gold", 7)
    for n in range(MAX_TOPICS - 1):
        store.follow(ALICE, "vi", f"chủ đề {n}", f"sig-{n}", 7)
    with pytest.raises(FollowError) as full:
        store.follow(ALICE, "vi", "một nữa", "sig-more", 7)
    assert full.value.code == "too_many"
    assert [f.text for f in store.topics(1001)][:2] == ["giá vàng", "chủ đề 0"]
    assert store.chat(1001).digest_hour is None


def test_enqueue_gives_a_chat_each_article_once_with_the_cursor(store, outbox):
    gold = store.follow(ALICE, "vi", "giá vàng", "a", after_position=10)
    rate = store.follow(ALICE, "vi", "tỷ giá", "b", after_position=10)
    group = store.follow(GROUP_T, "vi", "vàng", "c", after_position=12)
    added = outbox.enqueue(
        [
            (11, "art-1", {gold.id, rate.id, group.id}),  # the group followed after it came
            (13, "art-2", {rate.id, group.id}),
        ],
        cursor=20,
    )
    assert added == 3 and outbox.cursor() == 20
    # an edit comes back at a new position: no second push
    assert outbox.enqueue([(21, "art-1", {gold.id})], cursor=21) == 0
    batches = outbox.due(now=1e12, today="2025-05-10", hour=8)
    assert [(b.chat.chat_id, [r.article_id for r in b.rows]) for b in batches] == [
        (1001, ["art-1", "art-2"]),
        (GROUP["id"], ["art-2"]),
    ]
    # the first topic the chat followed names the article
    assert [r.topic for r in batches[0].rows] == ["giá vàng", "tỷ giá"]


def test_sending_rows_come_back_after_a_restart(store, database_target, outbox):
    t = store.follow(ALICE, "vi", "giá vàng", "a", 0)
    outbox.enqueue([(1, "x", {t.id}), (2, "y", {t.id})], cursor=2)
    (batch,) = outbox.due(1e12, "2025-05-10", 8)
    assert outbox.claim([batch.rows[0].id]) == [batch.rows[0].id]
    outbox.mark([batch.rows[1].id], "sent")
    assert outbox.due(1e12, "2025-05-10", 8) == []  # in flight: not sent twice meanwhile
    assert outbox.claim([batch.rows[0].id, batch.rows[1].id]) == []  # neither is pending
    outbox.close()
    store.close()
    again = Outbox(database_target)  # a new process after kill -9
    assert again.reset_sending() == 1
    (batch,) = again.due(1e12, "2025-05-10", 8)
    assert [r.article_id for r in batch.rows] == ["x"]
    again.close()


def test_digest_chats_are_due_once_a_day_from_their_hour(store, outbox):
    t = store.follow(ALICE, "vi", "giá vàng", "a", 0)
    store.set_digest(ALICE, "vi", 7, done_today=None)
    outbox.enqueue([(1, "x", {t.id})], cursor=1)
    assert outbox.due(1e12, "2025-05-10", 6) == []
    (batch,) = outbox.due(1e12, "2025-05-10", 7)
    assert batch.digest
    outbox.mark([r.id for r in batch.rows], "sent")
    outbox.digest_done(1001, "2025-05-10")
    outbox.enqueue([(2, "y", {t.id})], cursor=2)
    assert outbox.due(1e12, "2025-05-10", 23) == []  # today's digest went out
    assert [r.article_id for r in outbox.due(1e12, "2025-05-11", 7)[0].rows] == ["y"]
    # back to instant: due at once
    store.set_digest(ALICE, "vi", None, None)
    assert not outbox.due(1e12, "2025-05-11", 0)[0].digest


def test_a_digest_hour_without_news_still_counts_the_day(store, outbox):
    t = store.follow(ALICE, "vi", "giá vàng", "a", 0)
    store.set_digest(ALICE, "vi", 7, done_today=None)
    assert outbox.due(1e12, "2025-05-10", 8) == []  # nothing to send at 08:00...
    outbox.enqueue([(1, "x", {t.id})], cursor=1)
    assert outbox.due(1e12, "2025-05-10", 15) == []  # ...so 15:00's article waits for tomorrow


def test_refusals_pause_then_drop_and_migration_moves(store, outbox):
    t = store.follow(GROUP_T, "vi", "giá vàng", "a", 0)
    outbox.enqueue([(1, "x", {t.id})], cursor=1)
    assert outbox.refused(GROUP["id"], pause=60, now=1000.0) == 1
    assert outbox.due(now=1059.0, today="d", hour=0) == []  # paused
    assert len(outbox.due(now=1061.0, today="d", hour=0)) == 1
    assert outbox.refused(GROUP["id"], pause=60, now=1100.0) == 2
    assert store.chat(GROUP["id"]).paused_until == 1220.0  # twice as long
    outbox.delivered(GROUP["id"], [])
    assert store.chat(GROUP["id"]).failures == 0  # a message got through: forgiven
    assert store.move(GROUP["id"], -100999) == []
    assert store.topics(GROUP["id"]) == [] and store.topics(-100999)[0].id == t.id
    (batch,) = outbox.due(1e12, "d", 0)
    assert batch.chat.chat_id == -100999 and batch.chat.kind == "supergroup"
    assert store.drop(-100999) == [t.id]
    assert store.topics(-100999) == [] and outbox.due(1e12, "d", 0) == []
    assert outbox.counts() == {"dropped": 1}


def test_a_new_signature_that_clashes_keeps_the_old_one(store):
    a = store.follow(ALICE, "vi", "x", "old", 0)
    b = store.follow(ALICE, "vi", "y", "new", 0)
    store.resign(a.id, "new")  # another topic of the chat has it: kept as it was
    assert [t.signature for t in store.topics(ALICE.chat_id)] == ["old", "new"]
    store.resign(b.id, "newer")
    store.resign(a.id, "new")
    assert [t.signature for t in store.topics(ALICE.chat_id)] == ["new", "newer"]


def test_a_move_onto_a_chat_with_the_same_topic_and_article_keeps_one(store, outbox):
    old = store.follow(Target(-5, "group"), "vi", "giá", "g", 0)
    new = store.follow(Target(-1005, "supergroup"), "vi", "giá", "g", 0)
    outbox.enqueue([(1, "x", {old.id, new.id}), (2, "y", {old.id})], cursor=2)
    assert store.move(-5, -1005) == [old.id]  # the new chat had the topic already
    assert [t.id for t in store.topics(-1005)] == [new.id] and store.topics(-5) == []
    (batch,) = outbox.due(1e12, "d", 0)
    assert batch.chat.chat_id == -1005 and [r.article_id for r in batch.rows] == ["x", "y"]


def test_parse_hour_and_digest_day():
    assert [parse_hour(x) for x in ("7", "07", "7h", "07:00", "23", "0")] == [7, 7, 7, 7, 23, 0]
    assert parse_hour("tat") is None and parse_hour("tắt") is None and parse_hour("OFF") is None
    for bad in ("24", "sáng", "", "7.5"):
        with pytest.raises(ValueError):
            parse_hour(bad)
    morning = dt.datetime(2025, 5, 10, 6, 30)
    assert digest_day(morning, 7) is None  # today's 07:00 is still to come
    assert digest_day(morning, 6) == "2025-05-10"  # starts tomorrow


# ---- the commands ------------------------------------------------------------------------


@pytest.fixture
def recorder() -> MemberRequest:
    """Answers getChat/getChatMember too: who administers what."""
    request = MemberRequest()
    request.admins = {GROUP["id"]: {USER["id"]}, KENH["id"]: {USER["id"]}}
    return request


async def test_private_follow_shows_recent_matches_then_lists_and_unfollows(feed, app):
    (sent,) = sends(await feed(message("/theodoi giá vàng, tỷ giá -quảng cáo")))
    text = visible(sent["text"])
    assert text.startswith("✅ Đã theo dõi “giá vàng, tỷ giá -quảng cáo”.")
    assert "gửi ngay khi có" in text and "Mấy bài gần đây khớp chủ đề:" in text
    assert "Giá vàng SJC tăng mạnh phiên sáng nay" in text
    assert '<a href="https://tintuc.example.vn/gia-vang-sjc">' in sent["text"]
    (same,) = sends(await feed(message("/theodoi GIÁ VÀNG,  tỷ giá -quảng cáo")))
    assert "Đã theo dõi “giá vàng, tỷ giá -quảng cáo” rồi" in visible(same["text"])
    (storm,) = sends(await feed(message("/subscribe bão số 3")))
    assert "Bão số 3 đổ bộ vào miền Trung" in visible(storm["text"])
    (listed,) = sends(await feed(message("/dstheodoi")))
    # each topic with the phrases it needs
    assert (
        "1. giá vàng, tỷ giá -quảng cáo\n    “giá vàng” / “tỷ giá” · −“quảng cáo”\n2. bão số 3"
        in visible(listed["text"])
    )
    (gone,) = sends(await feed(message("/huy 1")))
    assert "Đã bỏ theo dõi: “giá vàng, tỷ giá -quảng cáo”" in visible(gone["text"])
    (gone,) = sends(await feed(message("/huy bão  SỐ 3")))  # the same topic, typed anyhow
    assert "“bão số 3”" in visible(gone["text"])
    (empty,) = sends(await feed(message("/dstheodoi")))
    assert "Chưa theo dõi chủ đề nào" in visible(empty["text"])
    (missing,) = sends(await feed(message("/huy 9")))
    assert "Không có chủ đề “9”" in visible(missing["text"])
    assert len(app.bot_data["services"].subscriptions.topics) == 0


async def test_follows_are_flood_limited_and_unfollowing_all_gives_none_back(feed, app):
    for n in range(7):  # each costs a question: its preview reads the newest articles
        (ok,) = sends(await feed(message(f"/theodoi quaxyz{n} zorblat")))
        assert "Đã theo dõi" in visible(ok["text"])
    (gone,) = sends(await feed(message("/huy *")))  # frees the topic cap, not the bucket
    (last,) = sends(await feed(message("/theodoi quaxyz7 zorblat")))
    assert "Đã theo dõi" in visible(last["text"])
    (warned,) = sends(await feed(message("/theodoi quaxyz8 zorblat")))
    assert "Bạn hỏi hơi nhanh" in visible(warned["text"])
    assert sends(await feed(message("/theodoi quaxyz9 zorblat"))) == []  # one warning a flood
    assert sends(await feed(message("giá vàng"))) == []  # questions share the bucket
    followed = app.bot_data["services"].subscriptions.followed(USER["id"])
    assert [f.text for f in followed] == ["quaxyz7 zorblat"]
    (theirs,) = sends(await feed(message("/theodoi quaxyz1 zorblat", user=OTHER)))
    assert "Đã theo dõi" in visible(theirs["text"])  # another user is not held up


async def test_bad_topics_and_usage_are_explained_in_the_users_language(feed):
    (usage,) = sends(await feed(message("/theodoi")))
    assert "/theodoi giá vàng, tỷ giá -quảng cáo" in visible(usage["text"])
    (only,) = sends(await feed(message("/theodoi -quảng cáo")))
    assert "Không theo dõi được: chủ đề chỉ có từ loại trừ" in visible(only["text"])
    (en,) = sends(await feed(message("/subscribe " + "x" * 300, user=EN_USER)))
    assert "Cannot follow this: the topic is over 200 characters" in visible(en["text"])
    (none,) = sends(await feed(message("/subscribe khủng long bạo chúa", user=EN_USER)))
    assert "No recent article matches this topic yet." in visible(none["text"])
    (usage,) = sends(await feed(message("/huy")))
    assert "/huy 1" in visible(usage["text"])


async def test_a_huge_unfollow_is_refused_without_echoing_it_all(feed):
    typed = "giá vàng " + "x" * 4050
    (missing,) = sends(await feed(message("/huy " + typed)))
    text = visible(missing["text"])
    assert text.startswith("Không có chủ đề “giá vàng x") and "…" in text
    assert len(text.encode("utf-16-le")) // 2 < 300


async def test_a_topic_with_a_zero_width_space_is_the_topic_it_shows(feed, app):
    (sent,) = sends(await feed(message("/theodoi giá\u200bvàng\u202e")))
    text = visible(sent["text"])
    assert text.startswith("✅ Đã theo dõi “giá vàng”.")
    assert "Giá vàng SJC tăng mạnh phiên sáng nay" in text  # it matches
    (listed,) = sends(await feed(message("/dstheodoi")))
    assert "1. giá vàng\n" in visible(listed["text"])


async def test_only_group_admins_change_the_groups_topics(feed, recorder):
    (refused,) = sends(await feed(message("/theodoi giá vàng", user=OTHER, chat=GROUP)))
    assert "Chỉ quản trị viên của nhóm" in visible(refused["text"])
    assert recorder.sent("getChatMember")[-1] == {"chat_id": GROUP["id"], "user_id": OTHER["id"]}
    (ok,) = sends(await feed(message("/theodoi giá vàng", chat=GROUP)))
    assert "Đã theo dõi “giá vàng”" in visible(ok["text"])
    assert ok["reply_parameters"]["message_id"]  # quotes the admin's command, as answers do
    (listed,) = sends(await feed(message("/dstheodoi", user=OTHER, chat=GROUP)))  # anyone may
    assert "1. giá vàng" in visible(listed["text"])
    (refused,) = sends(await feed(message("/tomtat 7", user=OTHER, chat=GROUP)))
    assert "Chỉ quản trị viên" in visible(refused["text"])
    (refused,) = sends(await feed(message("/huy 1", user=OTHER, chat=GROUP)))
    assert "Chỉ quản trị viên" in visible(refused["text"])


async def test_anonymous_admins_count_and_linked_channels_do_not(feed, recorder):
    anonymous = message("/theodoi bão số 3", chat=GROUP)
    anonymous["message"]["from"] = {"id": 1087968824, "is_bot": True, "first_name": "Group"}
    anonymous["message"]["sender_chat"] = GROUP
    before = len(recorder.sent("getChatMember"))
    (ok,) = sends(await feed(anonymous))
    assert "Đã theo dõi “bão số 3”" in visible(ok["text"])
    assert len(recorder.sent("getChatMember")) == before  # no need to ask
    linked = message("/theodoi giá vàng", chat=GROUP)
    linked["message"]["sender_chat"] = CHANNEL
    (refused,) = sends(await feed(linked))
    assert "Chỉ quản trị viên" in visible(refused["text"])


async def test_a_topic_set_in_a_forum_topic_belongs_to_it(feed, app):
    forum = {**GROUP, "is_forum": True}
    update = message("/theodoi giá vàng", chat=forum)
    update["message"] |= {"message_thread_id": 42, "is_topic_message": True}
    (ok,) = sends(await feed(update))
    assert ok["message_thread_id"] == 42  # the answer stays in the forum topic
    (followed,) = app.bot_data["services"].subscriptions.follows.topics(GROUP["id"])
    assert followed.thread_id == 42
    listing = message("/dstheodoi", chat=forum)
    listing["message"] |= {"message_thread_id": 42, "is_topic_message": True}
    (listed,) = sends(await feed(listing))
    assert "giá vàng (trong chủ đề diễn đàn này)" in visible(listed["text"])
    general = message("/dstheodoi", chat=forum)
    (listed,) = sends(await feed(general))
    assert "1. giá vàng (trong một chủ đề diễn đàn khác)" in visible(listed["text"])


async def test_a_channel_is_managed_from_a_private_chat(feed, recorder, app):
    (ok,) = sends(await feed(message("/theodoi @kenh_vang giá vàng")))
    assert ok["chat_id"] == USER["id"]
    assert "Kênh @kenh_vang đã theo dõi “giá vàng”" in visible(ok["text"])
    members = recorder.sent("getChatMember")[-2:]
    assert {(p["chat_id"], p["user_id"]) for p in members} == {
        (KENH["id"], USER["id"]),
        (KENH["id"], 999),
    }
    store = app.bot_data["services"].subscriptions.follows
    assert [(f.chat_id, f.text) for f in store.topics(KENH["id"])] == [(KENH["id"], "giá vàng")]
    assert store.chat(KENH["id"]).kind == "channel"
    assert store.topics(USER["id"]) == []  # nothing was followed in the private chat
    (storm,) = sends(await feed(message("/theodoi @kenh_vang\nbão số 3")))
    assert "Kênh @kenh_vang đã theo dõi “bão số 3”" in visible(storm["text"])
    (listed,) = sends(await feed(message(f"/dstheodoi {KENH['id']}")))
    assert "Chủ đề kênh @kenh_vang đang theo dõi" in visible(listed["text"])
    (refused,) = sends(await feed(message("/theodoi @kenh_vang bão", user=OTHER)))
    assert "Chỉ quản trị viên của kênh @kenh_vang" in visible(refused["text"])
    recorder.can_post.clear()
    (refused,) = sends(await feed(message("/theodoi @kenh_vang bão")))
    assert "quyền đăng bài trong kênh @kenh_vang" in visible(refused["text"])
    (unknown,) = sends(await feed(message("/theodoi @kenh_khac bão")))
    assert "Không tìm thấy kênh @kenh_khac" in visible(unknown["text"])


async def test_a_command_posted_in_a_channel_changes_the_channel(feed, app):
    post = message("/theodoi bão số 3", chat=CHANNEL)
    post["channel_post"] = post.pop("message")
    del post["channel_post"]["from"]
    post["channel_post"]["sender_chat"] = CHANNEL
    (ok,) = sends(await feed(post))
    assert ok["chat_id"] == CHANNEL["id"] and "Đã theo dõi “bão số 3”" in visible(ok["text"])
    store = app.bot_data["services"].subscriptions.follows
    assert [f.text for f in store.topics(CHANNEL["id"])] == ["bão số 3"]


async def test_digest_command_sets_and_clears_the_hour(feed, app):
    (usage,) = sends(await feed(message("/tomtat")))
    assert "Hiện tại: gửi ngay khi có bài" in visible(usage["text"])
    (on,) = sends(await feed(message("/tomtat 7")))
    assert "lúc 07:00 mỗi ngày (Asia/Ho_Chi_Minh)" in visible(on["text"])
    assert app.bot_data["services"].subscriptions.follows.chat(USER["id"]).digest_hour == 7
    (ok,) = sends(await feed(message("/theodoi giá vàng")))
    assert "bản tóm tắt lúc 07:00" in visible(ok["text"])
    (listed,) = sends(await feed(message("/dstheodoi")))
    assert "tóm tắt lúc 07:00 mỗi ngày" in visible(listed["text"])
    (off,) = sends(await feed(message("/digest off", user=EN_USER)))
    assert "sent as soon as they arrive" in visible(off["text"])
    (off,) = sends(await feed(message("/tomtat tat")))
    assert app.bot_data["services"].subscriptions.follows.chat(USER["id"]).digest_hour is None
    (bad,) = sends(await feed(message("/tomtat 25")))
    assert "/tomtat 7" in visible(bad["text"])


async def test_migration_service_message_moves_the_topics(feed, app):
    await feed(message("/theodoi giá vàng", chat=GROUP))
    moved = message("x", chat=GROUP)
    del moved["message"]["text"]
    moved["message"].pop("entities", None)
    moved["message"]["migrate_to_chat_id"] = -100424242
    assert sends(await feed(moved)) == []
    store = app.bot_data["services"].subscriptions.follows
    assert store.topics(GROUP["id"]) == [] and store.topics(-100424242)[0].text == "giá vàng"


def test_topics_filed_by_the_old_word_matching_get_todays_signature(tmp_path, database_target):
    from bot.subscriptions import Subscriptions
    from index.search import SearchIndex

    url = database_target if isinstance(database_target, str) else None  # else bot.db
    store = SubscriptionStore.open(tmp_path, url)
    store.follow(ALICE, "vi", "giá vàng", "giá|vàng", after_position=0)  # the old signature's form
    index = SearchIndex.open(tmp_path / "index")
    outbox = Outbox.open(tmp_path, url)
    subs = Subscriptions.start(index, store, outbox)
    (stored,) = subs.follows.topics(ALICE.chat_id)
    assert stored.signature == subs.parse("giá vàng").signature
    with pytest.raises(FollowError) as duplicate:
        subs.follow(ALICE, "Giá  VÀNG", preview=0)
    assert duplicate.value.code == "duplicate"
    outbox.close()
    store.close()
    index.close()


def test_a_bot_db_of_schema_1_is_migrated_with_its_topics_and_outbox(tmp_path):
    import sqlite3

    path = tmp_path / "bot.db"
    with sqlite3.connect(path) as db:  # what version 1 wrote
        db.executescript(
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta VALUES ('subscriptions_version', '1');
            CREATE TABLE topics (id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL,
                thread_id INTEGER NOT NULL DEFAULT 0, text TEXT NOT NULL, signature TEXT NOT NULL,
                after_docno INTEGER NOT NULL, created_at REAL NOT NULL,
                UNIQUE (chat_id, thread_id, signature));
            CREATE TABLE deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL,
                thread_id INTEGER NOT NULL DEFAULT 0, article_id TEXT NOT NULL,
                docno INTEGER NOT NULL, topic TEXT NOT NULL, state TEXT NOT NULL,
                created_at REAL NOT NULL, sent_at REAL, UNIQUE (chat_id, article_id));
            INSERT INTO topics VALUES (1, 1001, 0, 'giá vàng', 'sig-gold', 42, 0);
            INSERT INTO deliveries VALUES (1, 1001, 0, 'a1', 40, 'giá vàng', 'pending', 0, NULL);
            """
        )
    store = SubscriptionStore(path)
    (followed,) = store.topics(1001)
    assert (followed.text, followed.after_position) == ("giá vàng", 42)
    assert store.database.one("SELECT position FROM deliveries WHERE id = 1") == (40,)
    assert store.database.one("SELECT value FROM meta WHERE key = 'subscriptions_version'") == (
        "3",
    )
    store.close()
