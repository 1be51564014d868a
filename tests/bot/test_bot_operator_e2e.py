"""End to end: the operator's kit through the real `newsbot run` and the local Bot API server."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from backend_kit import Backend
from bot_delivery_kit import FeedSite
from bot_testkit import sample_articles
from botapi import ThreadedBotApiServer
from e2e_kit import stop
from operator_kit import HttpProxy, free_port, launch

pytestmark = pytest.mark.slow

ADMIN, READER, BLOCKED, OPS = 6001, 6002, 6003, 6009


def _index(backend: Backend, path: Path) -> Path:
    return backend.add(path, sample_articles())


@pytest.fixture(scope="module")
def api(backend_env):
    with ThreadedBotApiServer() as server:
        for user in (ADMIN, READER, BLOCKED, OPS):
            server.add_private_chat(user, f"User{user}", language_code="vi")
        yield server


@pytest.fixture(scope="module")
def folders(tmp_path_factory, backend_env) -> tuple[Path, Path]:
    """The data folder, and the empty folder the bot is started from."""
    data = _index(backend_env, tmp_path_factory.mktemp("ops-data"))
    return data, tmp_path_factory.mktemp("ops-cwd")


@pytest.fixture(scope="module")
def http_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def bot(api, folders, http_port, backend_env, tmp_path_factory):
    """`newsbot run` polling, with operators, an error chat and /healthz on a port."""
    data, cwd = folders
    log = tmp_path_factory.mktemp("ops-log") / "bot.log"
    process = launch(
        {
            "NEWSBOT_DATA_DIR": str(data),
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_URL": f"http://127.0.0.1:{api.port}",
            "NEWSBOT_ADMINS": str(ADMIN),
            "NEWSBOT_ERROR_CHAT": str(OPS),
            "NEWSBOT_HTTP_PORT": str(http_port),
            "NEWSBOT_DELIVERY_SECONDS": "0.2",
            "NEWSBOT_LOG_FORMAT": "json",
            "NEWSBOT_LOG_LEVEL": "info",
            **backend_env.env,
        },
        cwd,
        log,
    )
    try:
        api.wait_for_call("deleteWebhook", 1, timeout=30)
        yield process
    finally:
        code = stop(process)
    text = log.read_text()
    assert code == 0, text
    assert api.token not in text and api.token.split(":")[1] not in text
    for line in text.splitlines():  # every line is one JSON object
        entry = json.loads(line)
        assert {"time", "level", "logger", "message"} <= entry.keys()
    assert list(cwd.iterdir()) == []  # nothing written where it was started


def say(api, user: int, text: str, count: int = 1) -> list[dict]:
    before = len(api.messages(user))
    api.send_text(user, user, text)
    return api.wait_for_messages(user, before + count, timeout=15)[before:]


def test_the_welcome_suggests_questions_from_the_index(api, bot):
    (welcome,) = say(api, READER, "/start")
    suggested = re.findall(r"• (.+)", welcome["text"])
    assert suggested[:2] == ["Toàn văn báo cáo", "đổ bộ vào miền Trung"]
    for question, title in zip(
        suggested, ["Toàn văn báo cáo kinh tế", "Bão số 3 đổ bộ"], strict=False
    ):
        (answer,) = say(api, READER, question)
        first = answer["text"].split("\n\n")[1]
        assert first.startswith(f"1. {title}")


def test_admin_sees_the_state_and_others_are_refused(api, bot, folders):
    (refused,) = say(api, READER, "/admin")
    assert refused["text"] == "Lệnh này chỉ dành cho người vận hành bot."
    (report,) = say(api, ADMIN, "/admin")
    text = report["text"]
    assert text.startswith("🛠 Tình trạng bot\nĐã chạy: 0h 0m")
    assert "Kho tin: 18 bài" in text
    assert "bài mới nhất: Toàn văn báo cáo kinh tế xã hội năm 2024" in text
    assert re.search(r"Cuộc trò chuyện: \d+ \(private \d+\)", text)
    assert "Hàng gửi: 0 chờ gửi, 0 lỗi" in text and "Nguồn tin: 0, 0 đang lỗi" in text
    # the semantic stage's coverage (its worker may have embedded some articles already)
    assert re.search(r"Tìm theo nghĩa: (tắt|\d+/18 bài đã có vector \(\d+%\), \d+ bài có)", text)


def test_an_error_is_reported_to_the_error_chat_once_a_minute(api, bot):
    api.block_chat(BLOCKED)
    try:
        for question in ("giá vàng", "công viên"):
            api.send_text(BLOCKED, BLOCKED, question)
        (report,) = api.wait_for_messages(OPS, 1, timeout=15)
        time.sleep(1.5)  # the second failure meanwhile is held back by the rate limit
    finally:
        api.block_chat(BLOCKED, False)
    assert len(api.messages(OPS)) == 1
    assert report["text"].startswith("⚠️ Forbidden: Forbidden: bot was blocked by the user")
    assert f"in chat {BLOCKED}" in report["text"]
    assert report["text"].endswith(
        "telegram.error.Forbidden: Forbidden: bot was blocked by the user"
    )
    assert api.token.split(":")[1] not in report["text"]


def test_broadcast_goes_through_the_outbox_once_to_every_chat(api, bot, folders, backend_env):
    (queued,) = say(api, ADMIN, "/broadcast Bảo trì <hệ thống> lúc 22:00")
    chats = int(re.search(r"cho (\d+) cuộc", queued["text"]).group(1))
    assert chats >= 3  # ADMIN, READER, BLOCKED talked to the bot
    for user in (ADMIN, READER, BLOCKED):
        api.wait_for(
            lambda u=user: any(
                m["text"] == "Bảo trì <hệ thống> lúc 22:00" for m in api.messages(u)
            ),
            timeout=15,
        )
    time.sleep(0.6)  # a few more delivery ticks: nothing goes twice
    for user in (ADMIN, READER, BLOCKED):
        copies = [m for m in api.messages(user) if m["text"] == "Bảo trì <hệ thống> lúc 22:00"]
        assert len(copies) == 1
    (refused,) = say(api, READER, "/broadcast xin chào")
    assert "người vận hành" in refused["text"]
    states = backend_env.rows(
        folders[0],
        "SELECT state, count(*) FROM deliveries WHERE article_id LIKE ? GROUP BY state",
        ("broadcast:%",),
    )
    assert states == [("sent", chats)]


def test_healthz_and_metrics_while_running(api, bot, http_port):
    say(api, READER, "bão số 3")
    with httpx.Client(base_url=f"http://127.0.0.1:{http_port}", timeout=10) as client:
        health = client.get("/healthz")
        ready = client.get("/readyz")
        metrics = client.get("/metrics")
    assert health.status_code == 200
    body = health.json()
    assert body["ok"] and body["ready"] in (None, True)
    assert 0 <= body["last_update_age_seconds"] < 30
    assert ready.status_code == 200, ready.text
    report = ready.json()
    assert report["ready"] and report["index_open"] and report["synced"]
    assert all(report[name] == "ok" for name in ("database", "search") if name in report)
    assert metrics.headers["content-type"].startswith("text/plain")
    values = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in metrics.text.splitlines()
        if line and not line.startswith("#")
    }
    assert values["newsbot_replies_total"] >= 1
    assert values["newsbot_query_seconds_count"] >= 1
    assert (
        values['newsbot_query_seconds_bucket{le="+Inf"}'] == values["newsbot_query_seconds_count"]
    )
    assert values["newsbot_deliveries_sent_total"] >= 3  # the broadcast
    assert values["newsbot_deliveries_failed_total"] >= 0
    assert values["newsbot_outbox_depth"] == 0 and values["newsbot_ready"] == 1
    assert "newsbot_feed_polls_total" in values and "newsbot_feed_failures_total" in values
    # the semantic stage's coverage (its worker may have embedded some articles already)
    assert values["newsbot_articles"] == 18
    leads = values['newsbot_articles_embedded{part="lead"}']
    assert 0 <= values['newsbot_articles_embedded{part="windows"}'] <= leads <= 18
    assert values["newsbot_semantic_coverage"] == leads / 18


def test_startup_without_the_bot_api_says_one_line_and_retries(tmp_path, own_backend):
    """The Bot API is down at first (settings from the data folder's .env), then comes up."""
    port = free_port()
    data, cwd = _index(own_backend, tmp_path / "data"), tmp_path / "cwd"
    cwd.mkdir()
    with ThreadedBotApiServer() as api:
        (data / ".env").write_text(
            f"TELEGRAM_BOT_TOKEN={api.token}\nTELEGRAM_API_URL=http://127.0.0.1:{port}\n"
        )
        log = tmp_path / "bot.log"
        process = launch({"NEWSBOT_DATA_DIR": str(data), **own_backend.env}, cwd, log)
        try:
            deadline = time.monotonic() + 30
            while log.read_text().count("cannot reach") < 2:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            # now the Bot API answers on that address (through a forwarder): the retry connects
            with HttpProxy(port=port, upstream=f"http://127.0.0.1:{api.port}"):
                api.wait_for_call("deleteWebhook", 1, timeout=30)
                code = stop(process)
        finally:
            if process.poll() is None:
                stop(process)
    text = log.read_text()
    assert code == 0, text
    failures = [line for line in text.splitlines() if "cannot reach" in line]
    assert f"cannot reach 127.0.0.1:{port}: " in failures[0]
    assert failures[0].endswith("set NEWSBOT_PROXY or TELEGRAM_API_URL (retrying in 1 s)")
    assert failures[1].endswith("(retrying in 2 s)")
    assert "Traceback" not in text and api.token.split(":")[1] not in text
    assert "serving as @newsbot_test_bot" in text


def test_the_proxy_carries_the_bot_api_and_the_feeds(tmp_path, own_backend):
    data = _index(own_backend, tmp_path / "data")
    with ThreadedBotApiServer() as api, HttpProxy() as proxy, FeedSite() as site:
        site.publish("a1", "Giá cà phê tăng mạnh", ["Giá cà phê hôm nay tăng mạnh."])
        with own_backend.feeds(data) as registry:
            registry.add(site.feed_url)
        process = launch(
            {
                "NEWSBOT_DATA_DIR": str(data),
                "TELEGRAM_BOT_TOKEN": api.token,
                "TELEGRAM_API_URL": f"http://127.0.0.1:{api.port}",
                "NEWSBOT_PROXY": proxy.url,
                "NEWSBOT_FEED_SECONDS": "0.3",
                "NEWSBOT_ALLOW_PRIVATE_FETCH": "true",  # the feed site is on loopback
                **own_backend.env,
            },
            tmp_path,
            tmp_path / "bot.log",
        )
        try:
            api.wait_for_call("deleteWebhook", 1, timeout=30)
            api.wait_for(lambda: any("rss.xml" in r for r in proxy.seen()), timeout=30)
        finally:
            code = stop(process)
    seen = proxy.seen()
    bot_api = f"http://127.0.0.1:{api.port}/bot{api.token}"
    assert f"POST {bot_api}/getMe" in seen and f"POST {bot_api}/getUpdates" in seen
    assert f"GET {site.feed_url}" in seen
    assert code == 0, (tmp_path / "bot.log").read_text()


def test_webhook_serves_healthz_on_its_own_port(tmp_path, own_backend):
    data = _index(own_backend, tmp_path / "data")
    port = free_port()
    with ThreadedBotApiServer() as api:
        api.add_private_chat(READER, "Reader", language_code="vi")
        process = launch(
            {
                "NEWSBOT_DATA_DIR": str(data),
                "TELEGRAM_BOT_TOKEN": api.token,
                "TELEGRAM_API_URL": f"http://127.0.0.1:{api.port}",
                "WEBHOOK_URL": "https://bot.example.vn/hook",
                "WEBHOOK_SECRET": "s3cret-s3cret",
                "WEBHOOK_LISTEN": "127.0.0.1",
                "WEBHOOK_PORT": str(port),
                **own_backend.env,
            },
            tmp_path,
            tmp_path / "bot.log",
        )
        try:
            api.wait_for_call("setWebhook", 1, timeout=30)
            update = api.get_update(api.send_text(READER, READER, "bão số 3"))
            url = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=url, timeout=10) as client:
                health = client.get("/healthz")  # alive from the start
                for _ in range(100):  # ready once the index is open
                    if (ready := client.get("/readyz")).status_code == 200:
                        break
                    time.sleep(0.1)
                wrong = client.post("/hook", json=update)
                right = client.post(
                    "/hook",
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-s3cret"},
                )
                metrics = client.get("/metrics")
            (answer,) = api.wait_for_messages(READER, 1, timeout=15)
        finally:
            code = stop(process)
    assert health.status_code == 200 and health.json()["ok"]
    assert ready.status_code == 200 and ready.json()["index_open"], ready.text
    assert wrong.status_code == 403 and right.status_code == 200
    assert "newsbot_replies_total" in metrics.text
    assert "Bão số 3 đổ bộ vào miền Trung" in answer["text"]
    assert api.webhook()["url"] == "https://bot.example.vn/hook"
    assert code == 0, (tmp_path / "bot.log").read_text()


def test_a_refused_token_is_one_line_and_no_retry(tmp_path, own_backend):
    with ThreadedBotApiServer() as api:
        process = launch(
            {
                "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
                "TELEGRAM_BOT_TOKEN": "999:not-the-token",
                "TELEGRAM_API_URL": f"http://127.0.0.1:{api.port}",
                **own_backend.env,
            },
            tmp_path,
            tmp_path / "bot.log",
        )
        try:
            code = process.wait(60)
        finally:
            if process.poll() is None:
                stop(process)
    lines = (tmp_path / "bot.log").read_text().splitlines()
    assert code == 1
    assert len(lines) == 1 and "refused the token" in lines[0], lines
    assert "check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL" in lines[0]
    assert "not-the-token" not in lines[0]
