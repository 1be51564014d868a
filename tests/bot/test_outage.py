"""The outage guard: a reader whose question hangs on a backend is told to wait."""

from __future__ import annotations

import asyncio
import threading

import pytest
import telegram
from bot_testkit import TOKEN, USER, message
from botapi import BotApiServer
from telegram import Update

from app.settings import Settings
from bot import render
from bot.outage import OutageGuard
from bot.readiness import Probe, Readiness
from bot.services import SERVICES
from bot.spool import Spool
from bot.texts_en import EN

READER = 7501


async def test_an_outage_that_begins_after_the_first_probe_still_gets_the_notice(tmp_path):
    down = threading.Event()

    def check() -> None:
        if down.is_set():
            raise ConnectionError("the database does not answer")

    readiness = Readiness([Probe("database", check)])
    guard = OutageGuard(4, Spool(tmp_path / "spool.db"), readiness)
    released = asyncio.Event()
    probed = asyncio.Event()

    async def handler() -> None:  # the question's handler, waiting on the backend
        await readiness.backends_down()  # the question's own probe has passed by now
        probed.set()
        await released.wait()

    async with BotApiServer() as api:
        api.add_private_chat(READER, "Reader", language_code="en")
        async with telegram.Bot(api.token, base_url=api.base_url) as bot:
            payload = api.get_update(api.send_text(READER, READER, "công viên"))
            update = Update.de_json(payload, bot)
            processing = asyncio.ensure_future(guard.do_process_update(update, handler()))
            await probed.wait()
            down.set()  # the backend goes after the probe said it answered
            (notice,) = await api.wait_for_messages(READER, 1, timeout=30)
            assert not processing.done()  # the handler still waits: the reader was told
            down.clear()
            released.set()  # the backend is back and the handler is done with
            await processing
    assert notice["text"] == EN.unavailable
    assert len(api.messages(READER)) == 1  # the handler answered nothing: one notice
    assert len(guard.spool) == 0  # it ended without an outage error: nothing kept
    await guard.shutdown()


class Watched:
    """The state's real database, noting each call made through it."""

    def __init__(self, database) -> None:
        self.database = database
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        found = getattr(self.database, name)
        if callable(found):
            self.calls.append(name)
        return found


@pytest.fixture
def settings(tmp_path, postgres_url) -> Settings:
    """The bot's state on PostgreSQL, as replicas keep it (languages read on every use)."""
    return Settings(
        NEWSBOT_DATA_DIR=tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:9/refused",
        NEWSBOT_DATABASE_URL=postgres_url,
        _env_file=None,
    )


async def test_the_error_handler_reads_no_database(app, recorder):
    """A failed update is told in the chat's /lang as this replica knew it, the database untouched."""
    state = app.bot_data[SERVICES].state
    state.set_language(USER["id"], "en")  # the reader's Telegram says Vietnamese
    watched = state.database = Watched(state.database)
    update = Update.de_json(message("công viên"), app.bot)
    await app.process_error(update, RuntimeError("a bug in a handler"))
    state.database = watched.database
    sent = [params for name, params in recorder.calls if name == "sendMessage"]
    assert [p["text"] for p in sent] == [render.notice(EN.error)], sent
    assert watched.calls == []
    assert state.language(USER["id"]) == "en"  # while a handler reads it from the database
