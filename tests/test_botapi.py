"""The fake Bot API server, exercised through python-telegram-bot's real HTTP client."""

import asyncio
import datetime as dtm
import re
import threading

import httpx
import pytest
import telegram
from botapi import BotApiServer, ThreadedBotApiServer, parse_html
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle
from telegram import InputTextMessageContent as Content
from telegram.constants import MessageEntityType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler

USER = 1001
HTML = ParseMode.HTML


@pytest.fixture
async def api():
    async with BotApiServer() as server:
        server.add_private_chat(USER, "Lan", language_code="vi")
        yield server


@pytest.fixture
async def bot(api):
    async with telegram.Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as b:
        yield b


def keyboard(*datas: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d[:10], callback_data=d) for d in datas]])


def raises_bad_request(text: str):
    """PTB strips "Bad Request: " and capitalises the rest, so match case-insensitively."""
    return pytest.raises(BadRequest, match="(?i)" + re.escape(text))


async def test_get_me(bot, api):
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (api.bot_id, "newsbot_test_bot", True)
    assert bot.username == "newsbot_test_bot"  # set by `async with bot` (initialize)


async def test_send_message_with_valid_html(bot, api):
    html = "<b>Tin mới</b> &amp; <i>nóng</i> &lt;24h&gt; <a href='https://vnexpress.net/a'>đọc</a>"
    message = await bot.send_message(USER, html, parse_mode=HTML)
    assert message.text == "Tin mới & nóng <24h> đọc"
    assert message.from_user.id == api.bot_id and message.chat.id == USER
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        (MessageEntityType.BOLD, 0, 7),
        (MessageEntityType.ITALIC, 10, 4),
        (MessageEntityType.TEXT_LINK, 21, 3),
    ]
    assert message.entities[2].url == "https://vnexpress.net/a"
    [stored] = api.messages(USER)
    assert stored["text"] == message.text and stored["raw_text"] == html
    assert stored["parse_mode"] == "HTML" and stored["message_id"] == message.message_id
    second = await bot.send_message(USER, "plain")
    assert second.message_id == message.message_id + 1 and second.text == "plain"


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Giá <b>tăng</i>", 'Unmatched end tag at byte offset 13, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_invalid_html_is_rejected_with_telegrams_error(bot, api, html, error):
    with raises_bad_request("can't parse entities: " + error):
        await bot.send_message(USER, html, parse_mode=HTML)
    assert api.messages(USER) == []
    [recorded] = api.errors()
    assert recorded["error_code"] == 400
    assert recorded["description"] == "Bad Request: can't parse entities: " + error


async def test_bare_ampersand_is_text_like_telegram_or_an_error_in_strict_mode(bot, api):
    message = await bot.send_message(USER, "AT&T a & b &copy;", parse_mode=HTML)
    assert message.text == "AT&T a & b &copy;"  # TDLib keeps an unknown '&...' as text
    async with BotApiServer(strict_ampersand=True) as strict:
        strict.add_private_chat(USER)
        async with telegram.Bot(strict.token, base_url=strict.base_url) as strict_bot:
            with raises_bad_request(
                "can't parse entities: [strict mode] bare '&' at byte offset 2"
            ):
                await strict_bot.send_message(USER, "a & b", parse_mode=HTML)
            assert (
                await strict_bot.send_message(USER, "a &amp; b", parse_mode=HTML)
            ).text == "a & b"


async def test_length_limit_is_4096_utf16_units_after_parsing(bot, api):
    with raises_bad_request("Message is too long"):
        await bot.send_message(USER, "x" * 5000)
    # 20000 characters of HTML, 4000 visible characters: accepted.
    message = await bot.send_message(USER, "&amp;" * 4000, parse_mode=HTML)
    assert message.text == "&" * 4000
    assert (await bot.send_message(USER, "<b>" + "y" * 4096 + "</b>", parse_mode=HTML)).text
    with raises_bad_request("Message is too long"):
        await bot.send_message(USER, "y" * 4097)
    # An emoji outside the BMP counts twice.
    assert (await bot.send_message(USER, "😀" * 2048)).text == "😀" * 2048
    with raises_bad_request("Message is too long"):
        await bot.send_message(USER, "😀" * 2049)


async def test_empty_and_whitespace_text_is_rejected_and_text_is_trimmed(bot):
    with raises_bad_request("Message text is empty"):
        await bot.send_message(USER, "<b> </b>\n", parse_mode=HTML)
    message = await bot.send_message(USER, "\n  <b>Tin</b> \n", parse_mode=HTML)
    assert message.text == "Tin" and message.entities[0].offset == 0


async def test_callback_data_over_64_bytes_is_rejected(bot, api):
    with raises_bad_request("BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=keyboard("a" * 65))
    with raises_bad_request("BUTTON_DATA_INVALID"):  # 33 characters, 66 bytes
        await bot.send_message(USER, "x", reply_markup=keyboard("ă" * 33))
    message = await bot.send_message(USER, "x", reply_markup=keyboard("a" * 64, "ă" * 32))
    assert message.reply_markup.inline_keyboard[0][1].callback_data == "ă" * 32


async def test_url_buttons_need_a_public_http_url(bot):
    def url_button(url):
        return InlineKeyboardMarkup([[InlineKeyboardButton("Mở", url=url)]])

    await bot.send_message(USER, "ok", reply_markup=url_button("https://vnexpress.net/x"))
    await bot.send_message(USER, "ok", reply_markup=url_button("tg://resolve?domain=x"))
    with raises_bad_request("inline keyboard button URL 'http://localhost:8080/x' is invalid"):
        await bot.send_message(USER, "x", reply_markup=url_button("http://localhost:8080/x"))
    with raises_bad_request("is invalid: Unsupported URL protocol"):
        await bot.send_message(USER, "x", reply_markup=url_button("javascript:alert(1)"))


async def test_get_updates_long_polls_and_honours_offset(bot, api):
    async def later():
        await api.wait_for_call("getUpdates")  # the poll has reached the server, empty-handed
        return api.send_text(USER, USER, "/start@newsbot_test_bot hi")

    updates, update_id = await asyncio.gather(bot.get_updates(timeout=30), later())
    # the one poll, made before the update existed, waited for it and returned it
    assert len(api.calls("getUpdates")) == 1
    [update] = updates
    assert update.update_id == update_id
    assert update.message.text == "/start@newsbot_test_bot hi"
    assert update.message.from_user.first_name == "Lan"
    assert update.message.from_user.language_code == "vi"
    [command] = update.message.entities
    assert (command.type, command.offset, command.length) == ("bot_command", 0, 23)
    await api.wait_delivered(update_id)
    # Not confirmed yet: delivered again.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update_id]
    # Confirmed by the offset: gone for good.
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    assert await bot.get_updates(timeout=0) == ()
    assert api.pending_updates() == []


async def test_get_updates_returns_empty_when_the_timeout_passes(bot, api):
    held = asyncio.ensure_future(bot.get_updates(timeout=1))
    await api.wait_for_call("getUpdates")
    await bot.send_message(USER, "x")  # a change at the server, but no update: it waits on
    assert await held == ()
    [(_, params)] = api.calls("getUpdates")
    assert float(params["timeout"]) == 1 and api.pending_updates() == []


async def test_get_updates_limit_and_allowed_updates(bot, api):
    ids = [api.send_text(USER, USER, f"m{i}") for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    api.inline_query(USER, "giá vàng")
    updates = await bot.get_updates(offset=ids[2], allowed_updates=["inline_query"])
    assert [u.inline_query.query for u in updates] == ["giá vàng"]  # the message was dropped


async def test_unknown_method_is_400_not_404(bot, api):
    with raises_bad_request("method not found"):
        await bot.do_api_request("noSuchMethod")
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{api.base_url}{api.token}/nosuchmethod", data={"a": "1"})
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: method not found",
    }


async def test_wrong_token_is_401(api):
    with pytest.raises(InvalidToken):
        async with telegram.Bot("999:wrong", base_url=api.base_url):
            pass
    assert api.errors()[-1]["error_code"] == 401


async def test_json_body_and_case_insensitive_method_names(api):
    payload = {"chat_id": str(USER), "text": "123", "reply_markup": keyboard("k").to_dict()}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{api.base_url}{api.token}/SENDMESSAGE", json=payload)
    result = response.json()["result"]
    assert result["text"] == "123" and result["chat"]["id"] == USER
    assert result["reply_markup"] == keyboard("k").to_dict()


async def test_send_photo_by_url_with_an_html_caption(bot, api):
    url = "https://anh.example.vn/a.jpg"
    message = await bot.send_photo(USER, url, caption="<b>Tin</b> ảnh", parse_mode=HTML)
    assert message.photo and message.photo[-1].file_id == url
    assert message.caption == "Tin ảnh" and message.caption_entities[0].type == "bold"
    (stored,) = api.messages(USER)
    assert (stored["photo"], stored["text"]) == (url, "Tin ảnh")
    with raises_bad_request("message caption is too long"):
        await bot.send_photo(USER, url, caption="a" * 1025)
    api.refuse_photo("https://anh.example.vn/hong.jpg")
    with raises_bad_request("failed to get HTTP URL content"):
        await bot.send_photo(USER, "https://anh.example.vn/hong.jpg", caption="x")
    with raises_bad_request("wrong file identifier/HTTP URL specified"):
        await bot.send_photo(USER, "not-a-file-id", caption="x")
    assert len(api.messages(USER)) == 1


async def test_blocked_chat_is_forbidden(bot, api):
    api.block_chat(USER)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    assert api.errors()[0]["error_code"] == 403


async def test_unknown_chat_is_not_found(bot):
    with raises_bad_request("Chat not found"):
        await bot.send_message(424242, "hi")


async def test_migrated_group_raises_chat_migrated(bot, api):
    api.add_group(-500, "Nhóm tin", type="group", admins=[USER])
    api.migrate_chat(-500, -1001500)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-500, "hi")
    assert caught.value.new_chat_id == -1001500
    assert (await bot.send_message(-1001500, "hi")).chat.type == "supergroup"


async def test_flood_raises_retry_after_for_the_next_calls(bot, api, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22's non-deprecated retry_after type
    api.flood(retry_after=60, count=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(USER, "hi")
        assert caught.value.retry_after == dtm.timedelta(seconds=60)
    assert (await bot.send_message(USER, "hi")).text == "hi"
    # the second and third came within the minute: Telegram would have refused them too
    assert [m for m, _ in api.early_calls()] == ["sendMessage", "sendMessage"]
    assert api.errors()[0]["description"] == "Too Many Requests: retry after 60"
    assert api.errors()[0]["parameters"] == {"retry_after": 60}


async def test_edits_and_not_modified(bot, api):
    sent = await bot.send_message(
        USER, "<b>Đang tìm…</b>", parse_mode=HTML, reply_markup=keyboard("more")
    )
    with raises_bad_request("Message is not modified"):
        await bot.edit_message_text(
            "<b>Đang tìm…</b>",
            USER,
            sent.message_id,
            parse_mode=HTML,
            reply_markup=keyboard("more"),
        )
    edited = await bot.edit_message_text(
        "Kết quả", USER, sent.message_id, reply_markup=keyboard("more")
    )
    assert edited.text == "Kết quả" and edited.edit_date is not None
    # Like Telegram, an edit without reply_markup drops the inline keyboard.
    await bot.edit_message_text("Kết quả 2", USER, sent.message_id)
    [stored] = api.messages(USER)
    assert stored["edited"] and stored["reply_markup"] is None
    assert [h["text"] for h in stored["history"]] == ["Đang tìm…", "Kết quả"]
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard("x"))
    with raises_bad_request("Message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard("x"))
    with raises_bad_request("Message to edit not found"):
        await bot.edit_message_text("z", USER, 999)
    assert await bot.delete_message(USER, sent.message_id)
    assert api.messages(USER) == [] and len(api.messages(USER, include_deleted=True)) == 1
    with raises_bad_request("Message to delete not found"):
        await bot.delete_message(USER, sent.message_id)


async def test_reply_to_a_missing_message_is_rejected(bot, api):
    update_id = api.send_text(USER, USER, "câu hỏi")
    question = api.get_update(update_id)["message"]["message_id"]
    answer = await bot.send_message(USER, "trả lời", reply_to_message_id=question)
    assert answer.reply_to_message.text == "câu hỏi"
    assert api.messages(USER)[0]["reply_to_message_id"] == question
    with raises_bad_request("Message to be replied not found"):
        await bot.send_message(USER, "x", reply_to_message_id=999)


async def test_button_press_and_callback_answer(bot, api):
    sent = await bot.send_message(USER, "Chọn", reply_markup=keyboard("page:2"))
    with pytest.raises(LookupError):
        api.press_button(USER, USER, sent.message_id, "page:3")
    update_id = api.press_button(USER, USER, sent.message_id, "page:2")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query.data == "page:2" and query.message.message_id == sent.message_id
    assert query.message.text == "Chọn" and query.from_user.id == USER
    with raises_bad_request("MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query.id, text="x" * 201)
    assert await bot.answer_callback_query(query.id, text="Đang tải")
    with raises_bad_request("Query is too old"):
        await bot.answer_callback_query(query.id)
    [answer] = api.callback_answers()
    assert answer["update_id"] == update_id and answer["text"] == "Đang tải"


async def test_inline_query_answers(bot, api):
    def article(i, text="x"):
        return InlineQueryResultArticle(str(i), f"T{i}", Content(text, parse_mode=HTML))

    update_id = api.inline_query(USER, "bão")
    [update] = await bot.get_updates()
    query_id = update.inline_query.id
    with raises_bad_request("RESULTS_TOO_MUCH"):
        await bot.answer_inline_query(query_id, [article(i) for i in range(51)])
    with raises_bad_request("RESULT_ID_INVALID"):
        await bot.answer_inline_query(query_id, [article("i" * 65)])
    with raises_bad_request("can't parse entities"):
        await bot.answer_inline_query(query_id, [article(1, "<b>x")])
    assert await bot.answer_inline_query(query_id, [article(1), article(2)], cache_time=0)
    [answer] = api.inline_answers()
    assert answer["update_id"] == update_id and answer["query"] == "bão"
    assert [r["id"] for r in answer["results"]] == ["1", "2"]


async def test_commands_per_language_and_scope(bot, api):
    await bot.set_my_commands([("start", "Bắt đầu"), ("help", "Trợ giúp")], language_code="vi")
    await bot.set_my_commands([("start", "Start")])
    assert api.commands("vi") == [
        {"command": "start", "description": "Bắt đầu"},
        {"command": "help", "description": "Trợ giúp"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert [c.description for c in await bot.get_my_commands(language_code="vi")][1] == "Trợ giúp"
    with raises_bad_request("BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Start", "x")])


async def test_group_privacy_mode_and_auto_entities(bot, api):
    api.add_group(-1002, "Nhóm", admins=[USER], members=[2002])
    assert api.send_text(-1002, 2002, "chuyện phiếm") is None  # privacy mode: not for the bot
    assert api.send_text(-1002, 2002, "/tin@other_bot") is None
    mention = api.send_text(-1002, 2002, "hỏi @newsbot_test_bot giá vàng")
    command = api.send_text(-1002, 2002, "/tin@newsbot_test_bot bão")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [mention, command]
    assert [(e.type, e.offset, e.length) for e in updates[0].message.entities] == [
        ("mention", 4, 17)
    ]
    assert updates[1].message.entities[0].length == len("/tin@newsbot_test_bot")
    assert updates[1].message.chat.type == "supergroup"


async def test_chat_queries(bot, api):
    api.add_group(-1003, "Nhóm", admins=[USER], members=[2003], bot_is_admin=True)
    api.add_channel(-1004, "kenhtin", "Kênh tin")
    assert (await bot.get_chat(-1003)).title == "Nhóm"
    assert (await bot.get_chat("@kenhtin")).id == -1004
    assert (await bot.get_chat_member(-1003, USER)).status == "administrator"
    assert (await bot.get_chat_member(-1003, 2003)).status == "member"
    assert {m.user.id for m in await bot.get_chat_administrators(-1003)} == {USER, api.bot_id}
    await bot.send_chat_action(USER, "typing")
    assert (await bot.send_message("@kenhtin", "tin")).chat.id == -1004
    post = api.send_channel_post(-1004, "bài mới")
    [update] = await bot.get_updates(offset=post)
    assert update.channel_post.sender_chat.id == -1004


async def test_async_waits(bot, api):
    async def later():
        await asyncio.sleep(0.2)
        await bot.send_message(USER, "một")
        await bot.send_message(USER, "hai")

    task = asyncio.create_task(later())
    messages = await api.wait_for_messages(USER, 2, timeout=5)
    assert [m["text"] for m in messages] == ["một", "hai"]
    await task
    assert len(await api.wait_for_call("sendMessage", 2)) == 2
    with pytest.raises(TimeoutError, match="3 bot message"):
        await api.wait_for_messages(USER, 3, timeout=0.2)


async def test_a_polling_application_end_to_end(api):
    async def start(update, context):
        await update.message.reply_html(f"<b>Chào</b> {update.effective_user.first_name}!")

    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1, drop_pending_updates=True)
        await app.start()
        update_id = api.send_text(USER, USER, "/start")
        [reply] = await api.wait_for_messages(USER, 1, timeout=10)
        await app.updater.stop()
        await app.stop()
    assert reply["text"] == "Chào Lan!" and reply["raw_text"] == "<b>Chào</b> Lan!"
    assert api.pending_updates() == []  # confirmed by the updater's offset
    assert api.get_update(update_id)["message"]["text"] == "/start"
    assert api.errors() == []


def test_threaded_server_for_synchronous_tests():
    with ThreadedBotApiServer() as api:
        api.add_private_chat(USER)
        url = f"{api.base_url}{api.token}"
        threading.Timer(0.3, api.send_text, (USER, USER, "xin chào")).start()
        response = httpx.get(f"{url}/getUpdates", params={"timeout": 5}, timeout=10)
        [update] = response.json()["result"]
        assert update["message"]["text"] == "xin chào"
        threading.Timer(
            0.2,
            httpx.post,
            (f"{url}/sendMessage",),
            {"data": {"chat_id": USER, "text": "<i>chào</i>", "parse_mode": "HTML"}},
        ).start()
        [message] = api.wait_for_messages(USER, 1, timeout=5)
        assert message["text"] == "chào" and message["entities"][0]["type"] == "italic"
        api.wait_delivered(update["update_id"], timeout=1)


def test_parse_html_matches_tdlib_cases():
    # Cases from TDLib's own tests of parse_html (test/message_entities.cpp).
    assert parse_html("🏟 🏟&lt;<i>🏟 &lt🏟</i>") == (
        "🏟 🏟<🏟 <🏟",
        [{"offset": 6, "length": 6, "type": "italic"}],
    )
    assert parse_html("&ge;&lt;&gt;&amp;&quot;&laquo;&raquo;&#12345678;")[0] == (
        '&ge;<>&"&laquo;&raquo;&#12345678;'
    )
    assert parse_html('<pre><code class="language-fift">x</></>')[1] == [
        {"offset": 0, "length": 1, "type": "pre", "language": "fift"}
    ]
    assert parse_html("<blockquote expandable>a</blockquote>")[1][0]["type"] == (
        "expandable_blockquote"
    )
    for html, error in [
        ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
        ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
    ]:
        with pytest.raises(ValueError, match=re.escape(error)):
            parse_html(html)
