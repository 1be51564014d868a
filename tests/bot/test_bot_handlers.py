"""Real Update objects through the application; every Bot API call recorded, none sent."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import threading

import httpx
import pytest
from bot_testkit import (
    BOT,
    CHANNEL,
    EN_COMMANDS,
    EN_USER,
    GROUP,
    OTHER,
    TOKEN,
    USER,
    VI_COMMANDS,
    RecordingRequest,
    bot_message,
    callback,
    channel_post,
    inline,
    message,
)
from telegram import Update
from telegram.ext import CommandHandler

from app import serve
from app.application import build_application
from app.settings import Settings
from bot import render
from bot.app import CALLBACKS
from bot.commands import COMMANDS, PRIVATE, TOPICS
from index.search import SearchIndex

TAG = re.compile(r"</?[a-z]+[^>]*>")


def sends(calls):
    return [params for name, params in calls if name == "sendMessage"]


def visible(text: str) -> str:
    return html.unescape(TAG.sub("", text))


def buttons(params) -> list:
    markup = params.get("reply_markup") or {"inline_keyboard": []}
    return [b for row in markup["inline_keyboard"] for b in row]


async def test_commands_are_registered_in_both_languages(app, recorder):
    menus = {
        p.get("language_code"): [c["command"] for c in p["commands"]]
        for p in recorder.sent("setMyCommands")
    }
    assert menus == {
        None: VI_COMMANDS,
        "en": EN_COMMANDS,
    }


async def test_every_command_of_the_table_is_answered_where_the_table_says(app):
    registered = {
        name: handler
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }
    assert set(registered) == {n for c in COMMANDS for n in c.names}
    for command in COMMANDS:
        for name in command.names:
            assert registered[name].callback is CALLBACKS[command.key], name
        handler, text = registered[command.vi], f"/{command.vi}"
        post = channel_post(text)
        post["channel_post"]["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(text)}
        ]
        in_channel = handler.check_update(Update.de_json(post, app.bot))
        in_group = handler.check_update(Update.de_json(message(text, chat=GROUP), app.bot))
        assert bool(in_channel) == (command.where == TOPICS), command
        assert bool(in_group) == (command.where != PRIVATE), command
        assert handler.check_update(Update.de_json(message(text), app.bot)), command


async def test_question_lists_top_five_with_links_bold_words_and_buttons(feed):
    calls = await feed(message("công viên cây xanh"))
    assert ("sendChatAction", {"chat_id": USER["id"], "action": "typing"}) in calls
    (sent,) = sends(calls)
    text = sent["text"]
    assert sent["parse_mode"] == "HTML" and sent["chat_id"] == USER["id"]
    assert sent["link_preview_options"] == {"is_disabled": True}
    assert text.startswith("🔎 <b>Bài 1–5 trong 12 bài cho “công viên cây xanh”</b>")
    assert text.count("<a href=") == 5
    assert "<i>Báo Đô Thị · 12/06/2024</i>" in text
    # the phrase asked is bold where it stands whole, and its longest part where only that does
    assert "<b>Công viên cây xanh</b> số 12 mở cửa" in text
    assert "<b>Công viên</b> có hồ nước" in text
    # no URL in the archive: the link opens the article in the bot
    assert '<a href="https://t.me/tin_bot?start=cong-vien-12">' in text
    labels = [b["text"] for b in buttons(sent)]
    assert labels == ["📖 1", "📖 2", "📖 3", "📖 4", "📖 5", "Trang 1/3", "Sau »"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons(sent))


async def test_article_url_is_the_link_when_known(feed):
    (sent,) = sends(await feed(message("giá vàng SJC")))
    assert '<a href="https://tintuc.example.vn/gia-vang-sjc">' in sent["text"]


async def test_question_without_diacritics_finds_the_same_articles(feed):
    (accented,) = sends(await feed(message("bão số 3 miền Trung")))
    (bare,) = sends(await feed(message("bao so 3 mien trung")))
    assert "Bão số 3 đổ bộ vào miền Trung" in accented["text"]
    assert "Bão số 3 đổ bộ vào miền Trung" in bare["text"]
    assert "không dấu" in bare["text"]


async def test_no_match_says_what_was_searched_and_gives_a_hint(feed):
    (sent,) = sends(await feed(message("khủng long bạo chúa")))
    assert "Không tìm thấy bài nào cho “khủng long bạo chúa”" in sent["text"]
    assert "/moi" in sent["text"] and not buttons(sent)


async def test_markup_in_a_question_is_escaped(feed):
    (sent,) = sends(await feed(message("<b>thẻ</b> & ký tự")))
    assert "&lt;b&gt;thẻ&lt;/b&gt; &amp; ký tự" in sent["text"]
    assert "&lt;<b>b</b>&gt;" in sent["text"]  # the matched "b" of the excerpt's "<b>"
    assert "Tranh cãi về thẻ &lt;b&gt; và ký tự &amp; trong trang web" in sent["text"]
    assert 'href="https://tintuc.example.vn/the-html?a=1&amp;b=2"' in sent["text"]


async def test_long_question_is_cut_with_a_notice_and_short_callback_data(feed):
    question = "công viên cây xanh " + "rất " * 1300  # 5,000+ characters
    (sent,) = sends(await feed(message(question)))
    assert "chỉ tìm theo 300 ký tự đầu" in sent["text"]
    assert render.utf16_len(visible(sent["text"])) <= 4096
    assert buttons(sent) and all(len(b["callback_data"].encode()) <= 64 for b in buttons(sent))


async def test_next_page_edits_the_message_in_place(feed):
    (sent,) = sends(await feed(message("công viên cây xanh")))
    nxt = next(b for b in buttons(sent) if b["text"] == "Sau »")
    chat = {"id": USER["id"], "type": "private", "first_name": "Lan"}
    calls = await feed(
        callback(nxt["callback_data"], message=bot_message(chat=chat, message_id=42))
    )
    (edit,) = [p for name, p in calls if name == "editMessageText"]
    assert edit["message_id"] == 42 and edit["chat_id"] == USER["id"]
    assert "Bài 6–10 trong 12" in edit["text"]
    labels = [b["text"] for b in buttons(edit)]
    assert labels[:5] == ["📖 6", "📖 7", "📖 8", "📖 9", "📖 10"]
    assert labels[5:] == ["« Trước", "Trang 2/3", "Sau »"]
    assert [n for n, _ in calls].count("answerCallbackQuery") == 1
    last = next(b for b in buttons(edit) if b["text"] == "Sau »")
    (edit,) = [p for n, p in await feed(callback(last["callback_data"])) if n == "editMessageText"]
    assert "Bài 11–12 trong 12" in edit["text"]
    assert [b["text"] for b in buttons(edit)][2:] == ["« Trước", "Trang 3/3"]


async def test_the_current_page_button_is_harmless(feed, recorder):
    (sent,) = sends(await feed(message("công viên cây xanh")))
    current = next(b for b in buttons(sent) if b["text"].startswith("Trang"))
    recorder.fail_next("editMessageText", 400, "Bad Request: message is not modified: same")
    calls = await feed(callback(current["callback_data"]))
    assert [n for n, _ in calls] == ["editMessageText", "answerCallbackQuery"]


async def test_expired_page_button_gets_an_alert(feed):
    calls = await feed(callback("p:zzzz:1"))
    assert calls == [
        (
            "answerCallbackQuery",
            {
                "callback_query_id": calls[0][1]["callback_query_id"],
                "text": "Kết quả này đã cũ, hãy hỏi lại nhé.",
                "show_alert": True,
            },
        )
    ]


async def test_read_button_sends_the_full_text_split_at_paragraphs(feed):
    (sent,) = sends(await feed(message("báo cáo kinh tế xã hội")))
    read = buttons(sent)[0]
    assert read["callback_data"] == "r:bao-cao-kinh-te"
    calls = await feed(callback(read["callback_data"]))
    assert calls[0][0] == "answerCallbackQuery"
    chunks = sends(calls)
    assert len(chunks) >= 3
    assert chunks[0]["text"].startswith("<b>Toàn văn báo cáo kinh tế xã hội năm 2024</b>")
    for i, chunk in enumerate(chunks, 1):
        assert render.utf16_len(visible(chunk["text"])) <= 4096
        assert chunk["text"].endswith(f"({i}/{len(chunks)})</i>")
    body = "\n\n".join(visible(c["text"]) for c in chunks)
    for i in range(1, 41):  # each ordinary paragraph arrives whole
        assert f"Đoạn {i}: Báo cáo" in body
    assert body.index("Đoạn 2:") < body.index("Đoạn 40:") < body.index("Phụ lục")


async def test_hashed_token_opens_an_article_whose_id_is_not_a_payload(feed):
    (sent,) = sends(await feed(message("bão số 3")))
    link = re.search(r'href="https://t\.me/tin_bot\?start=([^"]+)"', sent["text"]).group(1)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", link)
    (article,) = sends(await feed(message(f"/start {link}")))
    assert article["text"].startswith("<b>Bão số 3 đổ bộ vào miền Trung</b>")


async def test_start_without_payload_welcomes_with_questions_from_the_index(feed):
    (sent,) = sends(await feed(message("/start")))
    # the newest articles' headlines lead: the report of 30/12, the storm of 8/9
    assert "Xin chào" in sent["text"] and "Thử hỏi về tin mới nhất" in sent["text"]
    assert (
        "• <i>Toàn văn báo cáo</i>" in sent["text"]
        and "• <i>đổ bộ vào miền Trung</i>" in sent["text"]
    )
    (sent,) = sends(await feed(message("/start", user=EN_USER)))
    assert (
        "Hello" in sent["text"]
        and "/search" in sent["text"]
        and "đổ bộ vào miền Trung" in sent["text"]
    )
    (sent,) = sends(await feed(message("/help")))
    assert "/tim" in sent["text"] and "• <i>đổ bộ vào miền Trung</i>" in sent["text"]
    # each suggestion finds the article it was drawn from first
    (sent,) = sends(await feed(message("đổ bộ vào miền Trung")))
    assert "Bão số 3 đổ bộ vào miền Trung" in sent["text"].split("\n\n")[1]


async def test_lang_switches_the_chat_and_is_kept(app, feed):
    (sent,) = sends(await feed(message("/lang en")))
    assert sent["text"] == "From now on I answer in English."
    (sent,) = sends(await feed(message("công viên")))
    assert sent["text"].startswith("🔎 <b>Articles 1–5 of 12")
    state = app.bot_data["services"].state
    reopened = type(state).open(state.path.parent)
    try:
        assert reopened.language(USER["id"]) == "en"
    finally:
        reopened.close()
    (sent,) = sends(await feed(message("/lang tiếng việt")))
    assert sent["text"] == "Từ nay tôi trả lời bằng tiếng Việt."
    (sent,) = sends(await feed(message("/lang klingon")))
    assert "/lang en" in sent["text"]


async def test_an_empty_index_says_so(settings, recorder, tmp_path):
    from app.application import build_application

    empty = SearchIndex.open(tmp_path / "empty")
    application = build_application(
        settings.model_copy(update={"admins": frozenset({OTHER["id"]})}),
        empty,
        request=recorder,
        updates_request=RecordingRequest(),
    )
    await application.initialize()
    await application.post_init(application)
    try:
        for text, user in (("giá vàng", USER), ("/moi", USER), ("giá vàng", OTHER)):
            await application.process_update(
                Update.de_json(message(text, user=user), application.bot)
            )
        reader, latest, operator = (p["text"] for p in recorder.sent())
        assert (
            reader == latest == "Kho tin đang trống: chưa có bài nào để tìm. Bạn quay lại sau nhé."
        )
        assert str(tmp_path / "empty") in operator and "newsbot index" in operator
        await application.process_update(Update.de_json(message("/start"), application.bot))
        assert "Kho tin đang trống" in recorder.sent()[-1]["text"]
    finally:
        await application.post_shutdown(application)
        await application.shutdown()
        empty.close()


async def test_deep_link_opens_its_article(feed):
    (sent,) = sends(await feed(message("/start vanh-dai-4")))
    assert sent["text"].startswith("<b>Hà Nội khởi công đường Vành đai 4</b>")
    (sent,) = sends(await feed(message("/start khong-co-bai-nay")))
    assert "Không tìm thấy bài này" in sent["text"]


async def test_english_user_gets_english(feed):
    (sent,) = sends(await feed(message("/search công viên", user=EN_USER)))
    assert "Articles 1–5 of 12" in sent["text"] and "2024-06-12" in sent["text"]
    (sent,) = sends(await feed(message("/help", user=EN_USER)))
    assert "/latest" in sent["text"]


async def test_search_command_latest_and_read(feed):
    (sent,) = sends(await feed(message("/tim   giá vàng")))
    assert "Giá vàng SJC" in sent["text"]
    (sent,) = sends(await feed(message("/tim")))
    assert "/tim giá vàng" in sent["text"]
    (sent,) = sends(await feed(message("/moi")))
    assert sent["text"].startswith("🗞 <b>Tin mới nhất</b>")
    assert "Toàn văn báo cáo kinh tế xã hội năm 2024" in sent["text"]  # the newest
    assert len(buttons(sent)) == 5
    (sent,) = sends(await feed(message("/latest", user=EN_USER)))
    assert "Latest articles" in sent["text"]
    (sent,) = sends(await feed(message("/doc vanh-dai-4")))
    assert "Vành đai 4 dài hơn 100 km" in sent["text"]
    (sent,) = sends(await feed(message("/read https://t.me/tin_bot?start=gia-vang-sjc")))
    assert sent["text"].startswith("<b>Giá vàng SJC")
    (sent,) = sends(await feed(message("/doc")))
    assert "/doc abc123" in sent["text"]


async def test_group_answers_commands_mentions_and_replies_only(feed):
    def said(text, **kw):
        return feed(message(text, chat=GROUP, **kw))

    assert not sends(await said("chào mọi người, hôm nay giá vàng thế nào?"))
    assert not sends(await said("@ban_khac giá vàng"))
    assert not sends(await said("/tim@other_bot giá vàng"))
    assert not sends(await said("ừ", reply_to={**bot_message(), "from": OTHER}))
    for text, kw in [
        ("/tim@tin_bot giá vàng", {}),
        ("/tim giá vàng", {}),
        ("@tin_bot giá vàng", {}),
        ("giá vàng", {"reply_to": bot_message()}),
    ]:
        calls = await said(text, **kw)
        (sent,) = sends(calls)
        assert "Giá vàng SJC" in sent["text"], text
        assert sent["chat_id"] == GROUP["id"]
        assert sent["reply_parameters"]["allow_sending_without_reply"] is True
        assert "sendChatAction" not in [n for n, _ in calls]
    (sent,) = sends(await said("@tin_bot"))
    assert "/tim giá vàng" in sent["text"]


async def test_channel_posts_get_no_answer_and_no_error(feed, caplog):
    with caplog.at_level(logging.WARNING):
        assert await feed(channel_post("giá vàng hôm nay")) == []
        assert await feed(channel_post("/tim giá vàng")) == []
        assert await feed(channel_post(f"@{BOT['username']} giá vàng")) == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert CHANNEL["type"] == "channel"


async def test_refused_markup_is_resent_as_plain_text(feed, recorder):
    recorder.fail_next(
        "sendMessage",
        400,
        'Bad Request: can\'t parse entities: unsupported start tag "x" at byte 5',
    )
    (first, second) = sends(await feed(message("giá vàng SJC")))
    assert first["parse_mode"] == "HTML"
    assert "parse_mode" not in second and "<" not in second["text"]
    assert (
        "Giá vàng SJC tăng mạnh phiên sáng nay (https://tintuc.example.vn/gia-vang-sjc)"
        in second["text"]
    )
    assert second["reply_markup"] == first["reply_markup"]


async def test_refused_markup_on_edit_is_resent_as_plain_text(feed, recorder):
    (sent,) = sends(await feed(message("công viên cây xanh")))
    nxt = next(b for b in buttons(sent) if b["text"] == "Sau »")
    recorder.fail_next("editMessageText", 400, "Bad Request: can't parse entities: oops")
    edits = [p for n, p in await feed(callback(nxt["callback_data"])) if n == "editMessageText"]
    assert len(edits) == 2 and "parse_mode" not in edits[1] and "<b>" not in edits[1]["text"]


async def test_flood_limit_answers_politely_once(feed):
    texts = [sends(await feed(message(f"công viên số {i}"))) for i in range(10)]
    # a result page each (partial or not: "số 7" is in no article)
    assert all(len(t) == 1 and "bài 1–" in t[0]["text"].lower() for t in texts[:8])
    assert "Bạn hỏi hơi nhanh" in texts[8][0]["text"]
    assert texts[9] == []
    (other,) = sends(await feed(message("giá vàng", user=OTHER)))  # others still get answers
    assert "Giá vàng SJC" in other["text"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # inside PTB
async def test_retry_after_is_honoured(feed, recorder):
    recorder.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    loop = asyncio.get_running_loop()
    started = loop.time()
    sent = sends(await feed(message("giá vàng SJC")))
    assert len(sent) == 2 and sent[0] == sent[1]
    assert loop.time() - started >= 1.0


async def test_errors_are_logged_without_the_token_and_the_user_is_told(app, feed, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError(f"disk on fire near {app.bot.base_url}")

    app.bot_data["services"].index.search, original = broken, app.bot_data["services"].index.search
    redact = serve.RedactToken(TOKEN)
    caplog.handler.addFilter(redact)
    try:
        with caplog.at_level(logging.ERROR):
            calls = await feed(message("giá vàng"))
    finally:
        app.bot_data["services"].index.search = original
        caplog.handler.removeFilter(redact)
    (sent,) = sends(calls)
    assert "Xin lỗi, đã có lỗi" in sent["text"]
    assert "update" in caplog.text and "disk on fire" in caplog.text
    assert TOKEN not in caplog.text and "<token>" in caplog.text


async def test_inline_mode_offers_articles_with_paging(feed):
    calls = await feed(inline("công viên cây xanh"))
    ((_, answer),) = calls
    assert len(answer["results"]) == 10 and answer["is_personal"]
    qid, start = answer["next_offset"].split(":")  # the user's own kept list, and where next
    assert len(qid) == 12 and start == "10"
    first = answer["results"][0]
    assert first["type"] == "article" and first["title"] == "Khánh thành công viên cây xanh số 12"
    assert "Công viên cây xanh số 12 mở cửa" in first["description"]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert content["message_text"].startswith(
        '<a href="https://t.me/tin_bot?start=cong-vien-12">Khánh thành'
    )
    assert "<b>Công viên" in content["message_text"]
    ((_, more),) = await feed(inline("công viên cây xanh", offset=answer["next_offset"]))
    assert len(more["results"]) == 2 and not more.get("next_offset")
    shown = [r["id"] for r in answer["results"] + more["results"]]
    assert len(set(shown)) == 12  # one list: no article twice
    # an offset this bot did not give (a bare number, another user's list) answers nothing
    for forged in ("10", "240", f"{qid}:240"):
        ((_, nothing),) = await feed(inline("công viên cây xanh", offset=forged))
        assert nothing["results"] == [] and not nothing.get("next_offset")
    ((_, theirs),) = await feed(inline("công viên cây xanh", user=OTHER, offset=f"{qid}:10"))
    assert theirs["results"] == []
    ((_, none),) = await feed(inline("khủng long bạo chúa"))
    assert none["results"] == [] and none["button"]["start_parameter"] == "inline"
    ((_, empty),) = await feed(inline("   "))
    assert empty["results"] == []


async def test_many_users_do_not_wait_on_each_other(app, recorder, news_index, monkeypatch):
    search = news_index.search
    release = threading.Event()

    def slow_for_some(query, *args, **kwargs):
        if query.startswith("chậm"):
            # blocking, as a big index would be: it must stay off the loop; it ends only
            # once the other users have their answers, so no clock decides the test
            release.wait(timeout=30)
        return search(query, *args, **kwargs)

    monkeypatch.setattr(news_index, "search", slow_for_some)
    slow = Update.de_json(message("chậm giá vàng", user={**USER, "id": 4999}), app.bot)
    users = [{**USER, "id": 5000 + i} for i in range(10)]
    fast = [Update.de_json(message("công viên cây xanh", user=u), app.bot) for u in users]
    slow_task = asyncio.create_task(app.process_update(slow))
    await asyncio.sleep(0.05)
    try:
        await asyncio.wait_for(asyncio.gather(*(app.process_update(u) for u in fast)), 20)
        assert not slow_task.done()  # ten answers while the slow search still runs
        answered = [p["chat_id"] for p in recorder.sent("sendMessage")]
        assert set(answered) == {u["id"] for u in users}
    finally:
        release.set()
    await slow_task
    assert recorder.sent("sendMessage")[-1]["chat_id"] == 4999


async def test_webhook_checks_the_secret_token(settings, news_index, recorder, unused_tcp_port):
    settings = settings.model_copy(
        update={
            "webhook_url": "https://bot.example.vn/telegram/hook",
            "webhook_listen": "127.0.0.1",
            "webhook_port": unused_tcp_port,
        }
    )
    options = serve.webhook_options(settings)
    assert options["url_path"] == "telegram/hook" and len(options["secret_token"]) >= 32
    application = build_application(
        settings, news_index, request=recorder, updates_request=type(recorder)()
    )
    await application.initialize()
    await application.post_init(application)
    await application.start()
    await application.updater.start_webhook(**options)
    try:
        (hook,) = recorder.sent("setWebhook")
        assert hook["url"] == "https://bot.example.vn/telegram/hook"
        assert hook["secret_token"] == options["secret_token"]
        update = message("giá vàng SJC")
        url = f"http://127.0.0.1:{unused_tcp_port}/telegram/hook"
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, json=update)
            wrong = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
            )
            ok = await client.post(
                url,
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": options["secret_token"]},
            )
        assert refused.status_code == 403 and wrong.status_code == 403 and ok.status_code == 200
        for _ in range(100):
            if recorder.sent("sendMessage"):
                break
            await asyncio.sleep(0.02)
        (sent,) = recorder.sent("sendMessage")
        assert "Giá vàng SJC" in sent["text"]
    finally:
        await application.updater.stop()
        await application.stop()
        await application.post_shutdown(application)
        await application.shutdown()


def test_run_without_a_token_explains_how_to_get_one(tmp_path, capsys):
    settings = Settings(NEWSBOT_DATA_DIR=tmp_path, TELEGRAM_BOT_TOKEN="  ", _env_file=None)
    assert serve.run(settings) == 1
    err = capsys.readouterr().err
    assert "@BotFather" in err and "newsbot chat" in err


def test_the_api_url_serves_both_bot_and_file_urls(settings, news_index):
    settings = settings.model_copy(update={"telegram_api_url": "http://localhost:8081/"})
    application = build_application(settings, news_index)
    assert application.bot.base_url == f"http://localhost:8081/bot{TOKEN}"
    assert application.bot.base_file_url == f"http://localhost:8081/file/bot{TOKEN}"


@pytest.fixture
def unused_tcp_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
