"""The outage guard: a reader whose question hangs on a backend is told to wait."""

from __future__ import annotations

import asyncio
import threading

import telegram
from botapi import BotApiServer
from telegram import Update

from bot.outage import OutageGuard
from bot.readiness import Probe, Readiness
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
