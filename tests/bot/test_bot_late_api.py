"""`newsbot run` while the Bot API is unreachable for a minute: one line a retry, then it serves."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from backend_kit import Backend
from bot_testkit import sample_articles
from botapi import ThreadedBotApiServer
from e2e_kit import stop
from operator_kit import free_port, launch

pytestmark = pytest.mark.slow

READER = 7301
OUTAGE = 60.0  # seconds before the Bot API answers


def test_a_bot_api_down_for_a_minute_is_waited_out(tmp_path):
    data = Backend("embedded").add(tmp_path / "data", sample_articles())
    port, http = free_port(), free_port()
    token = "123456:TEST-token"
    log = tmp_path / "bot.log"
    systemd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # as under Type=notify
    systemd.bind(str(tmp_path / "notify"))
    systemd.setblocking(False)
    process = launch(
        {
            "NEWSBOT_DATA_DIR": str(data),
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_API_URL": f"http://127.0.0.1:{port}",
            "NEWSBOT_HTTP_PORT": str(http),
            "NOTIFY_SOCKET": str(tmp_path / "notify"),
            "WATCHDOG_USEC": "4000000",
        },
        tmp_path,
        log,
    )
    try:
        began, during = time.monotonic(), []
        while time.monotonic() - began < OUTAGE:
            assert process.poll() is None, log.read_text()
            time.sleep(1)
            during += _notices(systemd)  # read as systemd reads them
        # the local Bot API server comes up late, on the address the bot was given
        with ThreadedBotApiServer(token=token, port=port) as api:
            api.add_private_chat(READER, "Reader", language_code="vi")
            api.wait_for_call("deleteWebhook", 1, timeout=45)  # polling starts right after
            api.send_text(READER, READER, "công viên cây xanh")
            (answer,) = api.wait_for_messages(READER, 1, timeout=30)
            metrics = httpx.get(f"http://127.0.0.1:{http}/metrics", timeout=10).text
            after = _notices(systemd)
            code = stop(process)
    finally:
        if process.poll() is None:
            stop(process)
        systemd.close()
    text = log.read_text()
    assert code == 0, text
    assert "công viên" in answer["text"].lower(), answer["text"]
    assert "Traceback" not in text and "RuntimeError" not in text, text
    failures = [line for line in text.splitlines() if "cannot reach" in line]
    # backoff 1, 2, 4, 8, 16, 30 s: six failures within the minute, one line each
    assert 6 <= len(failures) <= 7, text
    waits = [int(line.rsplit("retrying in ", 1)[1].split()[0]) for line in failures]
    assert waits[:6] == [1, 2, 4, 8, 16, 30], waits
    # nothing else complained: no second line per failure, no menu warning
    others = [
        line
        for line in text.splitlines()
        if (" ERROR " in line or " WARNING " in line) and "cannot reach" not in line
    ]
    assert others == [], others
    assert "serving as @newsbot_test_bot" in text
    # each failed try is a backend error, the first answer after them one reconnect
    assert f'newsbot_backend_errors_total{{backend="telegram"}} {len(failures)}.0' in metrics
    assert 'newsbot_reconnects_total{backend="telegram"} 1.0' in metrics, metrics
    # systemd: alive all along (a ping each 2 s once started), started only once it serves
    assert "READY=1" not in during and during.count("WATCHDOG=1") >= 10, during
    assert "READY=1" in after, after


def _notices(sock: socket.socket) -> list[str]:
    """What the bot told systemd since the last call."""
    found = []
    while True:
        try:
            found.append(sock.recv(4096).decode())
        except BlockingIOError:
            return found
