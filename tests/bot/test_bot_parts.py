"""parse.py, state.py, flood.py, texts.py: the small pieces under the handlers."""

from __future__ import annotations

import asyncio
import threading

from bot_testkit import BOT, EN_COMMANDS, GROUP, OTHER, VI_COMMANDS, bot_message, message
from telegram import Message

import index
from bot import parse
from bot.commands import find, menu
from bot.flood import FloodLimit
from bot.state import State
from bot.texts import EN, VI, pick
from bot.turns import Turns


def test_clip_query_collapses_spaces_and_cuts_on_a_word():
    assert parse.clip_query("  giá   vàng \n hôm nay ") == ("giá vàng hôm nay", False)
    text, cut = parse.clip_query("vàng " * 2000)
    assert cut and len(text) <= parse.MAX_QUERY_CHARS and text.endswith("vàng")
    text, cut = parse.clip_query("x" * 5000)
    assert cut and text == "x" * parse.MAX_QUERY_CHARS
    assert parse.MAX_QUERY_CHARS == index.MAX_QUERY_CHARS  # the bot cuts where the index does


def test_a_question_is_kept_as_it_reads():
    assert parse.clip_query("giá\u200bvàng\x00hôm\u202e nay") == ("giá vàng hôm nay", False)
    assert parse.clip_query("\u2066bão\u2069 số 3\ufeff") == ("bão số 3", False)


def test_callback_data_round_trips_and_rejects_strangers():
    assert parse.parse_data(parse.page_data("1z", 3)) == parse.PageRequest("1z", 3)
    assert parse.parse_data(parse.read_data("a-b_c")) == parse.ReadRequest("a-b_c")
    for junk in (None, "", "x:1", "p:1", "p:ZZ:1", "p:1:-1", "r:", "r:a b", "r:" + "a" * 60):
        assert parse.parse_data(junk) is None


def test_addressed_sees_mentions_and_replies_only():
    def msg(text, **kw):
        return Message.de_json(message(text, chat=GROUP, **kw)["message"], None)

    assert parse.addressed(msg("@tin_bot giá vàng"), "tin_bot", BOT["id"]) == "giá vàng"
    assert parse.addressed(msg("giá vàng @TIN_BOT nhé"), "tin_bot", BOT["id"]) == "giá vàng nhé"
    assert parse.addressed(msg("@other_bot giá vàng"), "tin_bot", BOT["id"]) is None
    assert parse.addressed(msg("chào cả nhà"), "tin_bot", BOT["id"]) is None
    reply = msg("bão số 3", reply_to=bot_message())
    assert parse.addressed(reply, "tin_bot", BOT["id"]) == "bão số 3"
    to_friend = msg("ừ", reply_to={**bot_message(), "from": OTHER})
    assert parse.addressed(to_friend, "tin_bot", BOT["id"]) is None
    text_mention = msg(
        "Tin ơi, giá vàng",
        entities=[{"type": "text_mention", "offset": 0, "length": 3, "user": BOT}],
    )
    assert parse.addressed(text_mention, "tin_bot", BOT["id"]) == "ơi, giá vàng"


def test_state_gives_short_stable_tokens(database_target):
    state = State(database_target)  # bot.db, then PostgreSQL
    plain, hashed = state.tokens(["gia-vang_1", "kho/2024/bão số 3.txt"])
    assert plain == "gia-vang_1"
    assert parse.TOKEN.fullmatch(hashed) and len(hashed) <= 48
    assert state.article_id(hashed) == "kho/2024/bão số 3.txt"
    assert state.article_id("gia-vang_1") == "gia-vang_1"
    assert state.token("x" * 100) != "x" * 100
    state.close()
    again = State(database_target)  # ids survive a restart
    assert again.article_id(hashed).endswith("3.txt")
    again.close()


def test_flood_limit_warns_once_then_refills():
    now = [0.0]
    flood = FloodLimit(questions=3, seconds=30, clock=lambda: now[0])
    assert [flood.check(1).allowed for _ in range(3)] == [True] * 3
    first, second = flood.check(1), flood.check(1)
    assert not first.allowed and first.warn and first.wait == 10
    assert not second.allowed and not second.warn
    assert flood.check(2).allowed  # other users are not affected
    now[0] = 10.0
    assert flood.check(1).allowed
    assert flood.check(1).warn  # a new flood gets a new warning


def test_language_follows_telegram_language_code():
    assert pick("en") is EN and pick("en-GB") is EN
    assert pick("vi") is VI and pick(None) is VI and pick("fr") is VI


def test_the_menus_come_from_the_command_table_in_each_language():
    assert [c for c, _ in menu(VI)] == VI_COMMANDS
    assert [c for c, _ in menu(EN)] == EN_COMMANDS
    # each menu line has its language's description
    assert dict(menu(VI))["tim"].startswith("Tìm bài báo")
    assert dict(menu(EN))["search"].startswith("Find articles")
    assert find("/Search@newsbot_test_bot").key == find("tim").key == "search"
    assert find("/theodoi", console=True) is None and find("/huy").key == "unfollow"


async def test_one_users_flood_holds_one_worker_and_others_go_ahead():
    turns, gate = Turns(), threading.Event()
    running, peak = {1: 0, 2: 0}, {1: 0, 2: 0}

    def work(user: int) -> int:
        running[user] += 1
        peak[user] = max(peak[user], running[user])
        if user == 1:
            gate.wait(10)  # the flood's work holds its thread until the other user is answered
        running[user] -= 1
        return user

    flood = [asyncio.create_task(turns.run(1, work, 1)) for _ in range(24)]
    await asyncio.sleep(0.05)
    assert await asyncio.wait_for(turns.run(2, work, 2), 5) == 2  # not behind the 24
    gate.set()
    assert await asyncio.gather(*flood) == [1] * 24
    assert peak == {1: 1, 2: 1}  # one at a time each
    assert turns._locks == {}  # noqa: SLF001 (nobody in line: nothing kept)
