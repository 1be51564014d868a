"""open_backends and the bot's services: one pool a process, everything closed on failure."""

from __future__ import annotations

import pytest
from bot_testkit import TOKEN, RecordingRequest

from app import backends as backends_module
from app.application import build_application
from app.settings import Settings
from bot.broadcast import Broadcasts
from storage import DatabaseError


def settings_of(tmp_path, url: str | None) -> Settings:
    extra = {"NEWSBOT_DATABASE_URL": url} if url else {}
    return Settings(
        NEWSBOT_DATA_DIR=tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:9/refused",
        _env_file=None,
        **extra,
    )


async def test_every_store_of_the_bot_borrows_one_pool(tmp_path, postgres_url):
    app = build_application(settings_of(tmp_path, postgres_url), request=RecordingRequest())
    await app.initialize()
    await app.post_init(app)
    services = app.bot_data["services"]
    pools = {
        id(database.pool)
        for database in (
            services.index.store.database,
            services.state.database,
            services.subscriptions.follows.database,
            services.operator.broadcasts.database,
            services.feeds.registry.database,
        )
    }
    assert len(pools) == 1  # one psycopg pool for the process, not one per store
    (pool,) = {services.state.database.pool}
    await app.post_shutdown(app)
    await app.shutdown()
    assert pool.closed and "services" not in app.bot_data


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
async def test_a_failure_part_way_closes_what_was_opened(tmp_path, request, monkeypatch, database):
    url = request.getfixturevalue("postgres_url") if database == "postgres" else None
    opened = []
    real_open = backends_module.open_backends

    def recording(*args, **kwargs):
        opened.append(real_open(*args, **kwargs))
        return opened[-1]

    def refused(*args, **kwargs):
        raise DatabaseError("broadcasts refused")

    monkeypatch.setattr("app.application.open_backends", recording)
    monkeypatch.setattr(Broadcasts, "open", refused)
    app = build_application(settings_of(tmp_path, url), request=RecordingRequest())
    with pytest.raises(DatabaseError, match="broadcasts refused"):
        await app.post_init(app)
    (backends,) = opened
    assert "services" not in app.bot_data
    # the index the backends opened, and the stores opened before the failure, are closed
    with pytest.raises(DatabaseError):
        backends.index.store.database.one("SELECT 1")
    if url:
        assert backends.database.pool.closed


def test_the_pool_takes_its_size_and_timeout_from_the_settings(tmp_path, postgres_url):
    from app.backends import open_backends
    from app.settings import Settings

    settings = Settings(
        NEWSBOT_DATA_DIR=tmp_path,
        NEWSBOT_DATABASE_URL=postgres_url,
        NEWSBOT_DATABASE_POOL_SIZE=3,
        NEWSBOT_DATABASE_TIMEOUT=4,
        _env_file=None,
    )
    with open_backends(settings) as backends:
        pool = backends.database.pool
        assert pool.max_size == 3 and pool.timeout == 4
