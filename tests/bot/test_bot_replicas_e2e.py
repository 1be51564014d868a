"""Two `newsbot run` replicas behind a webhook, one PostgreSQL: each push once, kill -9 included."""

from __future__ import annotations

import signal
import time
from collections import Counter

import httpx
import psycopg
import pytest
from bot_delivery_kit import news, small_news
from botapi import ThreadedBotApiServer
from e2e_kit import FAST, launch, pushes, stop
from operator_kit import free_port

from index.search import SearchIndex
from index.sql_store import Store
from storage import open_database

pytestmark = pytest.mark.slow

SECRET = "replica-s3cret"
CHATS = list(range(6001, 6021))
PARKS = [
    news(f"cong-vien-{i}", f"Khánh thành công viên số {i}", "Công viên mở cửa miễn phí.", 10 + i)
    for i in range(3)
]


def replica(api, data_dir, log, url: str, port: int):
    data_dir.mkdir(exist_ok=True)
    return launch(
        api,
        data_dir,
        log,
        {
            **FAST,
            "NEWSBOT_DATABASE_URL": url,
            "WEBHOOK_URL": "https://bot.example.vn/hook",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
        },
    )


def serving(port: int) -> httpx.Client:
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    for _ in range(300):  # updates are refused (503) until the replica is ready
        try:
            if client.get("/readyz").status_code == 200:
                return client
        except httpx.ConnectError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"no replica on port {port}")


def outbox(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        return dict(db.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())


def senders(url: str) -> int:
    """How many processes sent rows (a sent row keeps its claimer)."""
    with psycopg.connect(url) as db:
        query = "SELECT count(DISTINCT claimed_by) FROM deliveries WHERE state='sent'"
        return db.execute(query).fetchone()[0]


def test_two_replicas_push_each_article_once_even_when_one_is_killed(tmp_path, postgres_url):
    # the articles are in PostgreSQL too; each replica keeps its postings in its own folder
    index = SearchIndex.open(tmp_path / "writer", store=Store(open_database(postgres_url)))
    index.add(small_news())
    ports = [free_port(), free_port()]
    with ThreadedBotApiServer() as api:
        processes = [
            replica(api, tmp_path / f"data{n}", tmp_path / f"replica{n}.log", postgres_url, port)
            for n, port in enumerate(ports)
        ]
        try:
            api.wait_for_call("setWebhook", 2, timeout=30)
            clients = [serving(port) for port in ports]
            for n, chat in enumerate(CHATS):  # the load balancer alternates
                api.add_private_chat(chat, f"Người {chat}")
                update = api.get_update(api.send_text(chat, chat, "/theodoi công viên"))
                answer = clients[n % 2].post(
                    "/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
                assert answer.status_code == 200
            api.wait_for(lambda: all(api.messages(c) for c in CHATS), timeout=30)
            index.add(PARKS)  # as `newsbot index` would, from another process
            total = len(CHATS) * len(PARKS)
            api.wait_for(lambda: sum(len(pushes(api, c)) for c in CHATS) >= total // 3, timeout=30)
            processes[0].send_signal(signal.SIGKILL)
            processes[0].wait(10)
            in_flight = outbox(postgres_url).get("sending", 0)  # an upper bound of the dead's
            before = sum(len(pushes(api, c)) for c in CHATS)
            assert before < total  # killed with an outbox still full
            # the survivor takes over the dead one's claims (within RECOVER_SECONDS)
            api.wait_for(lambda: all(len(pushes(api, c)) >= len(PARKS) for c in CHATS), timeout=60)
            time.sleep(1.5)  # more ticks of the survivor: nothing more comes
            for client in clients:
                client.close()
        finally:
            for process in processes:
                if process.poll() is None:
                    stop(process)
        index.close()
    counts = Counter((chat, m["text"].split("\n")[1]) for chat in CHATS for m in pushes(api, chat))
    assert set(counts) == {(c, a.title) for c in CHATS for a in PARKS}
    assert sum(n - 1 for n in counts.values()) <= in_flight  # only what the dead had in flight
    assert outbox(postgres_url) == {"sent": total}
    assert senders(postgres_url) == 2  # both replicas sent, the killed one before it died
    assert processes[1].returncode == 0, (tmp_path / "replica1.log").read_text()
