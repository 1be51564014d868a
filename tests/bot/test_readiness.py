"""/readyz's probes: real servers answer "ok"; a dead or silent one is "not ready" within its deadline."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from app.probes import probes
from app.settings import Settings
from bot.readiness import Probe, Readiness
from storage.postgres import ping


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never says a word (a hung server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not done.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    done.set()
    thread.join()
    for s in held:
        s.close()
    listener.close()


def _settings(tmp_path, **env) -> Settings:
    return Settings(NEWSBOT_DATA_DIR=tmp_path, _env_file=None, **env)


async def test_the_servers_answer_ok(tmp_path, postgres_url, opensearch_url):
    from opensearch_node import fresh_index_name
    from opensearchpy import OpenSearch

    name = fresh_index_name()
    client = OpenSearch(opensearch_url)
    client.indices.create(index=name)
    try:
        settings = _settings(
            tmp_path,
            NEWSBOT_DATABASE_URL=postgres_url,
            NEWSBOT_OPENSEARCH_URL=opensearch_url,
            NEWSBOT_OPENSEARCH_INDEX=name,
        )
        readiness = Readiness(probes(settings))
        readiness.synced = True
        report = await readiness.report(index_open=True)
    finally:
        client.indices.delete(index=name)
        client.close()
    assert report["ready"] and report["database"] == "ok" and report["search"] == "ok", report


async def test_a_missing_index_is_not_ready(tmp_path, opensearch_url):
    settings = _settings(
        tmp_path, NEWSBOT_OPENSEARCH_URL=opensearch_url, NEWSBOT_OPENSEARCH_INDEX="no-such-index"
    )
    readiness = Readiness(probes(settings))
    readiness.synced = True
    report = await readiness.report(index_open=True)
    assert not report["ready"] and "no-such-index" in report["search"], report


async def test_silent_and_dead_backends_are_not_ready_within_the_deadline(tmp_path, silent_port):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    settings = _settings(
        tmp_path,
        NEWSBOT_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{silent_port}/x",
        NEWSBOT_OPENSEARCH_URL=f"http://127.0.0.1:{dead}",
    )
    readiness = Readiness(probes(settings, timeout=1.0), timeout=1.0)
    readiness.synced = True
    report = await readiness.report(index_open=True)
    assert not report["ready"], report
    assert report["database"] != "ok" and report["search"] != "ok", report


async def test_a_probe_that_hangs_is_cut_at_the_deadline():
    release = threading.Event()
    readiness = Readiness([Probe("database", lambda: release.wait(30))], timeout=0.5)
    readiness.synced = True
    try:
        report = await readiness.report(index_open=True)
    finally:
        release.set()
    assert report == report | {"ready": False, "database": "no answer within 0.5 s"}


async def test_not_ready_until_the_index_is_open_and_synced():
    readiness = Readiness([])
    assert not (await readiness.report(index_open=False))["ready"]
    assert not (await readiness.report(index_open=True))["ready"]
    readiness.synced = True
    assert (await readiness.report(index_open=True))["ready"]


def test_ping_answers_on_a_live_server(postgres_url):
    ping(postgres_url, 2.0)


async def test_an_outage_after_a_probe_is_seen_by_a_probe_begun_since():
    down = threading.Event()

    def check() -> None:
        if down.is_set():
            raise ConnectionError("gone")

    readiness = Readiness([Probe("database", check)])
    before = time.monotonic()
    assert not await readiness.backends_down(since=before)
    down.set()  # the outage begins after that probe
    assert not await readiness.backends_down(since=before)  # its report is reused
    assert await readiness.backends_down(since=time.monotonic())  # a probe begun since
    down.clear()
    assert await readiness.backends_down(since=before)  # the newest report still says down
    assert not await readiness.backends_down(since=time.monotonic())
