"""The article store on SQLite and on PostgreSQL: add, remove, refresh, compaction, kill -9.

With PostgreSQL the articles and their terms are shared; each data folder keeps its own
postings, built from the stored terms.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index.ingest import ingest
from index.models import Article
from index.search import SearchIndex
from index.sql_store import Store
from storage import open_database

ROOT = Path(__file__).resolve().parents[2]


def ids(result):
    return [h.article.id for h in result.hits]


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request):
    """None for newsbot.db in each data folder, else the URL of a fresh PostgreSQL database."""
    return request.getfixturevalue("postgres_url") if request.param == "postgres" else None


@pytest.fixture
def open_on(store_url):
    """SearchIndex.open on the backend under test (a store of its own per call, as a process)."""

    def open_(data_dir: Path) -> SearchIndex:
        store = Store(open_database(store_url)) if store_url else None
        return SearchIndex.open(data_dir, store=store)

    return open_


def test_add_search_edit_remove_and_reopen(open_on, tmp_path, articles):
    idx = open_on(tmp_path / "data")
    idx.add(articles)
    assert ids(idx.search("giá vàng"))[0] == "gia-vang"
    assert idx.add(articles).unchanged == len(articles)  # the same archive twice adds nothing
    edited = Article("gia-vang", "Giá vàng SJC giảm sâu", "Giá vàng hôm nay giảm.")
    assert idx.add([edited]).updated == 1
    assert idx.search("giá vàng").hits[0].article.title == "Giá vàng SJC giảm sâu"
    assert idx.remove(["bao-chi"]) == 1
    assert "bao-chi" not in ids(idx.search("báo chí"))
    idx.compact()
    idx.add([Article("moi", "Bão số 3 vào Quảng Ninh", "Bão số 3 đổ bộ Quảng Ninh.")])
    idx.close()
    again = open_on(tmp_path / "data")
    assert again.stats().articles == len(articles)  # one edited, one removed, one added
    assert ids(again.search("bão quảng ninh"))[0] == "moi"
    assert again.get("bao-chi") is None
    again.close()


def test_stats_say_where_the_articles_live(open_on, store_url, tmp_path, articles):
    idx = open_on(tmp_path / "data")
    idx.add(articles[:2])
    where = idx.store.describe()
    idx.close()
    if store_url:
        assert where.startswith("PostgreSQL postgresql://") and ":***@" not in store_url
    else:
        assert where == f"SQLite {tmp_path / 'data' / 'newsbot.db'}"


def test_another_process_sees_new_articles_after_refresh(open_on, tmp_path, articles):
    reader = open_on(tmp_path / "data")
    writer = open_on(tmp_path / "data")
    writer.add(articles[:4])
    assert reader.search("giá vàng").total == 0
    assert reader.refresh() > 0
    assert ids(reader.search("giá vàng"))[0] == "gia-vang"
    writer.compact()
    writer.add(articles[4:])
    writer.remove(["gia-vang"])
    reader.refresh()
    assert "gia-vang" not in ids(reader.search("giá vàng"))
    assert reader.stats().articles == len(articles) - 1
    reader.close()
    writer.close()


def test_replicas_share_one_store_with_their_own_postings(postgres_url, tmp_path, articles):
    """Two data folders on one PostgreSQL: one store, docnos from the database, never reused."""
    one = SearchIndex.open(tmp_path / "one", store=Store(open_database(postgres_url)))
    two = SearchIndex.open(tmp_path / "two", store=Store(open_database(postgres_url)))
    one.add(articles[:5])
    two.add(articles[5:])
    one.refresh()
    two.refresh()
    for idx in (one, two):
        assert idx.stats().articles == len(articles)
        assert ids(idx.search("giá vàng"))[0] == "gia-vang"
    before = one.cursor()
    two.remove(["gia-vang"])
    two.add([Article("gia-vang", "Giá vàng quay đầu", "Giá vàng hôm nay quay đầu tăng.")])
    one.refresh()
    assert one.search("giá vàng").hits[0].article.title == "Giá vàng quay đầu"
    # the new version got a new docno above every earlier one: cursors see it as new
    assert [a.id for _, a in one.articles_since(before)] == ["gia-vang"]
    one.compact()  # each folder writes its own segment; the shared rows stay
    assert (tmp_path / "one" / "index" / "CURRENT").exists()
    assert not (tmp_path / "two" / "index" / "CURRENT").exists()
    two.refresh()
    assert two.search("giá vàng").hits[0].article.title == "Giá vàng quay đầu"
    # a replica's new folder writes its own segment at once: its next start reads that
    three = SearchIndex.open(tmp_path / "three", store=Store(open_database(postgres_url)))
    assert three.stats().segment_docs == len(articles) and three.delta_size() == 0
    assert three.search("giá vàng").hits[0].article.title == "Giá vàng quay đầu"
    for idx in (one, two, three):
        idx.close()


def test_concurrent_writers_never_hand_a_cursor_an_older_docno(postgres_url, tmp_path):
    """Writers take turns: every docno committed after a reader's cursor is above it."""
    store = Store(open_database(postgres_url))
    seen: list[tuple[int, set[int]]] = []
    stop = threading.Event()

    def write(n: int) -> None:
        own = Store(open_database(postgres_url))
        for i in range(30):
            own.write([(Article(f"w{n}-{i}", "t", "b"), ["t"], ["b"])])
        own.close()

    def watch() -> None:
        while not stop.is_set():
            cursor = store.max_docno()
            seen.append((cursor, {d for d, _ in store.added_since(0, 10_000)}))

    writers = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    watcher = threading.Thread(target=watch)
    watcher.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    watcher.join()
    final = {d for d, _ in store.added_since(0, 10_000)}
    assert len(final) == 90
    assert store.seq() == 90  # one change number per batch: none lost to a race
    assert len(seen) > 5
    for (cursor, visible), (_, later) in zip(seen, seen[1:], strict=False):
        # read after the cursor: a docno at or below it that shows up later was there already
        assert {d for d in later if d <= cursor} <= visible
    store.close()


def _archive(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            title = f"Tin số {i} giá vàng"
            f.write(json.dumps({"id": f"d{i}", "title": title, "body": f"Bài {i}."}) + "\n")


def test_kill_9_of_newsbot_index_on_postgres_then_rerun(postgres_url, tmp_path):
    """Each batch is one transaction in PostgreSQL too: a kill leaves whole batches only."""
    archive, data = tmp_path / "a.jsonl", tmp_path / "data"
    _archive(archive, 600)
    env = {
        **os.environ,
        "NEWSBOT_DATA_DIR": str(data),
        "NEWSBOT_DATABASE_URL": postgres_url,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "app.cli", "index", "--batch", "25", "--workers", "1"]
    db = open_database(postgres_url)

    def live() -> int:
        try:
            return db.one("SELECT count(*) FROM articles WHERE deleted_seq IS NULL")[0]
        except Exception:  # noqa: BLE001 - the table is not there yet
            return 0

    proc = subprocess.Popen([*command, str(archive)], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while live() < 50 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    cut = live()
    assert 0 < cut and cut % 25 == 0, cut  # whole batches only
    done = subprocess.run(
        [*command, str(archive)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert f"{600 - cut} added" in done.stdout
    assert live() == 600
    (distinct,) = db.one("SELECT count(DISTINCT id) FROM articles")
    assert distinct == 600
    db.close()
    idx = SearchIndex.open(data, store=Store(open_database(postgres_url)))
    assert idx.search("giá vàng").total == 600
    idx.close()


def test_ingest_on_both(open_on, tmp_path):
    archive = tmp_path / "a.jsonl"
    _archive(archive, 40)
    idx = open_on(tmp_path / "data")
    report = ingest(idx, [archive], workers=1, batch=16)
    assert (report.added, report.failed) == (40, 0)
    assert idx.search("tin số 7").total > 0
    assert ingest(idx, [archive], workers=1).unchanged == 40
    idx.close()
