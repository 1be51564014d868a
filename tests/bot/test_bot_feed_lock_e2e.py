"""`newsbot feeds poll` beside a running bot on PostgreSQL: one of them polls a round."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from backend_kit import Backend
from bot_testkit import sample_articles
from botapi import ThreadedBotApiServer
from e2e_kit import eventually, launch, stop

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FEEDS = 4


class SlowFeeds:
    """FEEDS RSS feeds on loopback that hold every answer until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.lock = threading.Lock()
        self.fetched: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with site.lock:
                    site.fetched[self.path] += 1
                site.gate.wait(60)
                n = self.path.rsplit("/", 1)[1].split(".")[0]
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                    f"<title>Báo {n}</title><link>{site.base}/</link><description>Tin</description>"
                    "</channel></rss>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def urls(self) -> list[str]:
        return [f"{self.base}/feed/{n}.xml" for n in range(FEEDS)]

    def total(self) -> int:
        with self.lock:
            return sum(self.fetched.values())

    def __enter__(self) -> SlowFeeds:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


def _feeds_poll(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NEWSBOT_"))}
    return subprocess.Popen(
        [sys.executable, "-P", "-m", "app.cli", "feeds", "poll"],
        cwd=cwd,
        env={**keep, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_feeds_poll_beside_a_running_bot_fetches_no_feed_twice(tmp_path, postgres_url):
    backend = Backend("postgres", database_url=postgres_url)
    data = backend.add(tmp_path / "data", sample_articles())
    env = {
        "NEWSBOT_DATA_DIR": str(data),
        "NEWSBOT_DATABASE_URL": postgres_url,
        "NEWSBOT_ALLOW_PRIVATE_FETCH": "true",  # the feeds are on loopback
        "NEWSBOT_FEED_SECONDS": "300",  # the bot's first round 5 s after it starts
    }
    with SlowFeeds() as site, ThreadedBotApiServer() as api:
        with backend.feeds(data) as registry:
            for url in site.urls():
                registry.add(url)
        bot = launch(api, data, tmp_path / "bot.log", env)
        try:
            # the bot's round has begun: its fetches wait at the gate, the feeds not yet recorded
            eventually(lambda: site.total() >= 1, timeout=60)
            cli = _feeds_poll(env, tmp_path)
            try:
                # the CLI either sees the lock and ends, or (no lock) fetches what the bot fetches
                eventually(lambda: cli.poll() is not None or site.total() > FEEDS, timeout=60)
            finally:
                site.gate.set()
                out, _ = cli.communicate(timeout=60)
            # the bot's round ends: every feed recorded as polled
            eventually(lambda: all(f.last_checked for f in backend.feeds(data).list()), timeout=60)
            again = _feeds_poll(env, tmp_path).communicate(timeout=60)[0]
        finally:
            code = stop(bot)
    log = (tmp_path / "bot.log").read_text()
    assert code == 0, log
    assert cli.returncode == 0, out
    assert "another process" in out and "is polling the feeds now" in out, out
    assert "0 feeds polled" in again, again  # nothing due: the bot's round counted
    assert dict(site.fetched) == {f"/feed/{n}.xml": 1 for n in range(FEEDS)}, site.fetched
