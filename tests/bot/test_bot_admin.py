"""The operator layer in process: error reports, the allowlist, /admin, /broadcast rows."""

from __future__ import annotations

import pytest
from bot_testkit import OTHER, TOKEN, USER, RecordingRequest, message
from telegram import Update

from app.application import build_application
from bot.operator import ErrorReporter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _failure() -> RuntimeError:
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
    except RuntimeError as error:
        return error


def test_reports_never_hold_the_token_and_come_once_a_minute():
    clock = Clock()
    reporter = ErrorReporter(42, (TOKEN, TOKEN.split(":")[1]), every=60, clock=clock)
    first = reporter.compose(_failure(), "update 7 in chat 9")
    assert first is not None and TOKEN not in first and TOKEN.split(":")[1] not in first
    assert "bot&lt;token&gt;/sendMessage" in first and "update 7 in chat 9" in first
    assert reporter.compose(_failure(), "update 8") is None
    assert reporter.compose(_failure(), "update 9") is None
    clock.now += 61
    later = reporter.compose(_failure(), "update 10")
    assert "(2 more since the last report)" in later


async def test_no_error_chat_sends_nothing():
    reporter = ErrorReporter(None, (TOKEN,))
    assert await reporter.report(None, _failure(), "x") is False


@pytest.fixture
async def guarded(both_settings, news_index, recorder):
    """The bot with an allowlist of one chat and one operator outside it (SQLite, PostgreSQL)."""
    application = build_application(
        both_settings.model_copy(
            update={"allowed_chats": frozenset({USER["id"]}), "admins": frozenset({OTHER["id"]})}
        ),
        news_index,
        request=recorder,
        updates_request=RecordingRequest(),
    )
    await application.initialize()
    await application.post_init(application)
    yield application
    await application.post_shutdown(application)
    await application.shutdown()


async def test_the_allowlist_serves_its_chats_and_the_operators_only(guarded, recorder):
    stranger = {"id": 1999, "is_bot": False, "first_name": "X", "language_code": "vi"}
    for user in (stranger, USER, OTHER):
        await guarded.process_update(Update.de_json(message("bão số 3", user=user), guarded.bot))
    answered = [p["chat_id"] for p in recorder.sent()]
    assert answered == [USER["id"], OTHER["id"]]
    known = [c for c, _ in guarded.bot_data["services"].state.chats()]
    assert 1999 not in known and USER["id"] in known


async def test_broadcast_is_refused_to_readers_and_queued_for_operators(guarded, recorder):
    await guarded.process_update(Update.de_json(message("/start", user=USER), guarded.bot))
    await guarded.process_update(
        Update.de_json(message("/broadcast chào cả nhà", user=USER), guarded.bot)
    )
    assert recorder.sent()[-1]["text"] == "Lệnh này chỉ dành cho người vận hành bot."
    await guarded.process_update(Update.de_json(message("/broadcast", user=OTHER), guarded.bot))
    assert "/broadcast &lt;" in recorder.sent()[-1]["text"]
    await guarded.process_update(
        Update.de_json(message("/broadcast chào cả nhà", user=OTHER), guarded.bot)
    )
    assert "cho 2 cuộc trò chuyện" in recorder.sent()[-1]["text"]
    services = guarded.bot_data["services"]
    assert services.subscriptions.outbox.counts() == {"pending": 2}
    sent = await services.sender.run()
    assert sent == 2
    texts = [p["text"] for p in recorder.sent()[-2:]]
    assert texts == ["chào cả nhà", "chào cả nhà"]
    assert services.subscriptions.outbox.counts() == {"sent": 2}
    assert await services.sender.run() == 0  # never twice


async def test_a_broadcast_is_sized_as_telegram_counts_it(guarded, recorder):
    emoji = "😀" * 3000  # 3,000 characters, 6,000 UTF-16 units: Telegram would refuse it
    await guarded.process_update(
        Update.de_json(message(f"/broadcast {emoji}", user=OTHER), guarded.bot)
    )
    assert "/broadcast &lt;" in recorder.sent()[-1]["text"]
    services = guarded.bot_data["services"]
    assert services.subscriptions.outbox.counts() == {}
    fits = "😀" * 1700  # 3,400 units
    await guarded.process_update(
        Update.de_json(message(f"/broadcast {fits}", user=OTHER), guarded.bot)
    )
    assert services.subscriptions.outbox.counts().get("pending", 0) >= 1


@pytest.mark.parametrize("proxy", ["socks5://127.0.0.1:1080", "http://127.0.0.1:3128"])
def test_a_proxy_reaches_both_http_clients(settings, news_index, proxy):
    from feeds import http_client

    application = build_application(settings.model_copy(update={"proxy": proxy}), news_index)
    # PTB builds its httpx clients at once: a socks5 proxy without socksio would fail here
    for request in application.bot._request:
        transport = request._client._mounts  # httpx: one proxy transport per URL pattern
        assert transport and all(t is not None for t in transport.values())
    with http_client(proxy=proxy) as client:
        assert client._mounts


async def _operator_bot(settings, news_index, recorder, **update):
    application = build_application(
        settings.model_copy(update={"admins": frozenset({OTHER["id"]}), **update}),
        news_index,
        request=recorder,
        updates_request=RecordingRequest(),
    )
    await application.initialize()
    await application.post_init(application)
    return application


async def _say(application, text: str) -> None:
    await application.process_update(Update.de_json(message(text, user=OTHER), application.bot))


async def _stop(application) -> None:
    await application.post_shutdown(application)
    await application.shutdown()


async def test_nguon_them_goes_through_newsbot_proxy(both_settings, news_index, recorder):
    from bot_delivery_kit import FeedSite
    from operator_kit import HttpProxy

    with HttpProxy() as proxy, FeedSite() as site:
        site.publish("a1", "Giá cà phê tăng", ["Giá cà phê hôm nay tăng mạnh."])
        application = await _operator_bot(
            both_settings, news_index, recorder, proxy=proxy.url, allow_private_fetch=True
        )
        try:
            await _say(application, f"/nguon them {site.feed_url}")
        finally:
            await _stop(application)
        assert "Đã thêm nguồn" in recorder.sent()[-1]["text"]
        assert f"GET {site.feed_url}" in proxy.seen()


async def test_nguon_them_refuses_a_private_feed(both_settings, news_index, recorder):
    application = await _operator_bot(both_settings, news_index, recorder)
    try:
        for url in ("http://127.0.0.1:9/rss.xml", "http://2130706433:9/rss.xml", "http://[::1]:9/"):
            await _say(application, f"/nguon them {url}")
            assert "private or local address" in recorder.sent()[-1]["text"], url
    finally:
        await _stop(application)
