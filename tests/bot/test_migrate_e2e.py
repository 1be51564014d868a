"""End to end: a bot's data folder migrated to PostgreSQL, then the bot run on the copy.

The real `newsbot run` against the local Bot API server: a reader follows a topic on the
embedded backend, `newsbot migrate` copies the folder, and a bot started with
NEWSBOT_DATABASE_URL in another, empty data folder answers from the copied articles and
pushes a new one to the copied subscription, once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bot_delivery_kit import news
from botapi import ThreadedBotApiServer
from e2e_kit import FAST, launch, pushes, ready, say, stop, wait_pushes

from index.search import SearchIndex
from index.sql_store import Store
from storage import open_database

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
READER = 7001
ARCHIVE = [
    news("vang-cu", "Giá vàng đi ngang tuần trước", "Giá vàng SJC đi ngang cả tuần.", 1),
    news("bao-so-3", "Bão số 3 vào Quảng Ninh", "Bão số 3 đổ bộ Quảng Ninh đêm qua.", 2),
]


def test_the_bot_on_the_migrated_database_answers_and_delivers(tmp_path, postgres_url):
    folder, replica = tmp_path / "embedded", tmp_path / "replica"
    index = SearchIndex.open(folder)
    index.add(ARCHIVE)
    index.close()
    with ThreadedBotApiServer() as api:
        api.add_private_chat(READER, "Đọc")
        log = tmp_path / "bot.log"
        bot = launch(api, folder, log, FAST)  # embedded: bot.db and newsbot.db
        try:
            ready(api)
            followed = say(api, READER, READER, "/theodoi giá vàng")
            assert followed["text"].startswith("✅ Đã theo dõi “giá vàng”.")
        finally:
            assert stop(bot) == 0, log.read_text()

        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
        env.update(
            NEWSBOT_DATA_DIR=str(folder), NEWSBOT_DATABASE_URL=postgres_url, PYTHONPATH=str(ROOT)
        )
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "migrate"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("migrated 2 articles")

        replica.mkdir()
        bot = launch(api, replica, log, {**FAST, "NEWSBOT_DATABASE_URL": postgres_url})
        try:
            ready(api, 2)
            answer = say(api, READER, READER, "bão quảng ninh")
            assert "Bão số 3 vào Quảng Ninh" in answer["text"]
            assert pushes(api, READER) == []
            writer = SearchIndex.open(tmp_path / "writer", store=Store(open_database(postgres_url)))
            writer.add([news("vang-moi", "Giá vàng SJC tăng mạnh", "Giá vàng SJC tăng.", 10)])
            writer.close()
            (push,) = wait_pushes(api, READER)
            assert "Giá vàng SJC tăng mạnh" in push["text"]
            time.sleep(1.5)  # matched and delivered many times over: still once
            assert len(pushes(api, READER)) == 1
        finally:
            assert stop(bot) == 0, log.read_text()
    text = log.read_text()
    assert "Traceback" not in text, text
    # the replica's folder holds its own postings, never the articles
    assert not (replica / "newsbot.db").exists()
