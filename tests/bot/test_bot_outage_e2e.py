"""PostgreSQL stopped under a running bot: a notice within seconds, each answer once when back."""

from __future__ import annotations

import time

import httpx
import pytest
from backend_kit import Backend
from bot_testkit import sample_articles
from botapi import ThreadedBotApiServer
from e2e_kit import launch, stop
from operator_kit import free_port
from servers.postgres import PostgresServer

from bot.texts_en import EN
from bot.texts_vi import VI

pytestmark = pytest.mark.slow

VI_READER, EN_READER, LATE = 7401, 7402, 7403
QUESTION = "công viên cây xanh"


def _ready(port: int) -> int:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code
    except httpx.HTTPError:
        return 0


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
    return result


def _answers(api, chat: int) -> list[dict]:
    return [m for m in api.messages(chat) if m["text"] not in (VI.unavailable, EN.unavailable)]


def _metrics(port: int) -> dict[str, float]:
    """/metrics as {sample with its labels: value}."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("newsbot_")
    }


def test_a_database_outage_loses_no_question(tmp_path):
    with PostgresServer() as server:
        url = server.create_database()
        data = Backend("postgres", database_url=url).add(tmp_path / "data", sample_articles())
        port = free_port()
        with ThreadedBotApiServer() as api:
            api.add_private_chat(VI_READER, "Đọc", language_code="vi")
            api.add_private_chat(EN_READER, "Reader", language_code="en")
            api.add_private_chat(LATE, "Muộn", language_code="vi")
            bot = launch(
                api,
                data,
                tmp_path / "bot.log",
                {"NEWSBOT_DATABASE_URL": url, "NEWSBOT_HTTP_PORT": str(port)},
            )
            try:
                _wait(lambda: _ready(port) == 200, 120, "ready")
                server.halt()
                _wait(lambda: _ready(port) == 503, 10, "/readyz 503 while PostgreSQL is down")
                asked = time.monotonic()
                api.send_text(VI_READER, VI_READER, QUESTION)
                api.send_text(EN_READER, EN_READER, QUESTION)
                (vi,) = api.wait_for_messages(VI_READER, 1, timeout=15)
                (en,) = api.wait_for_messages(EN_READER, 1, timeout=15)
                first_reply = time.monotonic() - asked
                # past the pool's timeout: the questions are in the spool now
                time.sleep(40)
                api.send_text(LATE, LATE, QUESTION)
                (late,) = api.wait_for_messages(LATE, 1, timeout=15)
                unanswered = sum(len(_answers(api, c)) for c in (VI_READER, EN_READER, LATE))
                server.resume()
                _wait(lambda: _ready(port) == 200, 30, "/readyz 200 once PostgreSQL is back")
                for chat in (VI_READER, EN_READER, LATE):
                    api.wait_for_messages(chat, 2, timeout=90)
                time.sleep(3)  # more replay ticks: nothing comes twice
                seen = _metrics(port)
            finally:
                code = stop(bot)
            log = (tmp_path / "bot.log").read_text()
            assert code == 0, log
            assert vi["text"] == VI.unavailable and en["text"] == EN.unavailable, (vi, en)
            assert late["text"] == VI.unavailable
            assert unanswered == 0
            print(f"first reply after {first_reply:.1f} s")  # the benchmark measures it
            for chat in (VI_READER, EN_READER, LATE):
                messages = api.messages(chat)
                assert len(messages) == 2, messages
                (answer,) = _answers(api, chat)
                assert "công viên" in answer["text"].lower(), answer["text"]
            assert "Traceback" not in log, log
            # the outage as an operator's scraper sees it: errors, the return, the spool
            assert seen['newsbot_backend_errors_total{backend="database"}'] >= 1, seen
            assert seen['newsbot_reconnects_total{backend="database"}'] == 1, seen
            assert seen.get('newsbot_reconnects_total{backend="search"}', 0) == 0, seen
            assert seen["newsbot_spooled_total"] == 3 == seen["newsbot_replayed_total"], seen
            assert seen["newsbot_ready"] == 1, seen
