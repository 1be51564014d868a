"""systemd's notify protocol: what the bot sends, and that a lagging reader never blocks it."""

from __future__ import annotations

import asyncio
import os
import socket

from app import systemd


def _socket(path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(5)
    return sock


def test_nothing_is_sent_outside_systemd(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert systemd.notify("READY=1") is False


def test_a_notice_reaches_the_socket_abstract_ones_too(tmp_path, monkeypatch):
    with _socket(tmp_path / "notify") as sock:
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
        assert systemd.notify("READY=1")
        assert sock.recv(100) == b"READY=1"
    name = f"newsbot-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert systemd.notify("STOPPING=1")
        assert sock.recv(100) == b"STOPPING=1"


def test_a_reader_that_lags_does_not_block(tmp_path, monkeypatch):
    with _socket(tmp_path / "notify"):  # never read: its queue fills
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
        sent = [systemd.notify("WATCHDOG=1") for _ in range(1000)]
    assert sent[0] is True and sent[-1] is False  # dropped, not waited for


async def test_the_watchdog_pings_at_half_the_interval_until_stopped(tmp_path, monkeypatch):
    with _socket(tmp_path / "notify") as sock:
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
        monkeypatch.setenv("WATCHDOG_USEC", "200000")
        monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
        stop = asyncio.Event()
        pinging = asyncio.ensure_future(systemd.keep_alive(stop))
        await asyncio.sleep(0.45)
        stop.set()
        await pinging
        sock.setblocking(False)
        pings = []
        while True:
            try:
                pings.append(sock.recv(100))
            except BlockingIOError:
                break
    assert pings and set(pings) == {b"WATCHDOG=1"}, pings
    monkeypatch.setenv("WATCHDOG_PID", "1")  # meant for another process: no pings
    await asyncio.wait_for(systemd.keep_alive(asyncio.Event()), 1)
