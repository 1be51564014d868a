"""Fixtures of the bot's tests: one small Vietnamese index, an application per test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from telegram import Update

from app.application import build_application
from app.settings import Settings
from index.search import SearchIndex

# --import-mode=importlib puts no test folder on sys.path; the tests import bot_testkit
sys.path.append(str(Path(__file__).parent))
from bot_testkit import TOKEN, RecordingRequest, sample_articles  # noqa: E402
from botapi import ThreadedBotApiServer  # noqa: E402


@pytest.fixture(scope="session")
def news_index(tmp_path_factory):
    """An index of the test articles, built once (pyvi takes a second to load)."""
    index = SearchIndex.open(tmp_path_factory.mktemp("news"))
    index.add(sample_articles())
    yield index
    index.close()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        NEWSBOT_DATA_DIR=tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:9/refused",
        _env_file=None,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def both_settings(request, tmp_path) -> Settings:
    """Settings with the state in bot.db, then in a PostgreSQL database of its own.

    A module runs its tests on both backends with ``settings = both_settings``.
    """
    extra = {}
    if request.param == "postgres":
        extra["NEWSBOT_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    return Settings(
        NEWSBOT_DATA_DIR=tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:9/refused",
        _env_file=None,
        **extra,
    )


@pytest.fixture
def recorder() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
async def app(settings, news_index, recorder):
    """An initialized application over the test index; its requests are recorded."""
    application = build_application(
        settings, news_index, request=recorder, updates_request=RecordingRequest()
    )
    await application.initialize()
    await application.post_init(application)
    yield application
    await application.post_shutdown(application)
    await application.shutdown()


@pytest.fixture
def feed(app, recorder):
    """Feed update JSON through the application and return the calls it made."""

    async def feed(data: dict) -> list[tuple[str, dict]]:
        start = len(recorder.calls)
        await app.process_update(Update.de_json(data, app.bot))
        return recorder.calls[start:]

    return feed


@pytest.fixture(scope="module")
def api(backend_env):
    """A local Bot API server per module and backend (the tests may add chats)."""
    with ThreadedBotApiServer() as server:
        yield server
