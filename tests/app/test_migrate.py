"""`newsbot migrate`: an embedded data folder copied into PostgreSQL, whole, once, resumably."""

from __future__ import annotations

import fcntl
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bot_testkit import sample_articles

from app.migrate import TABLES, migrate
from bot.broadcast import Broadcasts
from bot.outbox_store import Outbox
from bot.state import State
from bot.stores import Target
from bot.subscription_store import SubscriptionStore
from feeds import FeedRegistry
from index.models import Article
from index.search import SearchIndex
from index.sql_store import Store
from storage import Database, open_database

ROOT = Path(__file__).resolve().parents[2]


def embedded_folder(path: Path) -> Path:
    """A data folder as a bot leaves it: articles (an edit, a removal), feeds, chats, outbox."""
    index = SearchIndex.open(path)
    articles = sample_articles()
    index.add(articles)
    index.compact()
    first = articles[0]
    index.add([Article(first.id, first.title + " (cập nhật)", first.body)])  # a retired row
    index.remove([articles[1].id])
    cursor = index.cursor()
    index.close()
    with FeedRegistry(path / "newsbot.db") as feeds:
        polled = feeds.add("https://vnexpress.net/rss/tin-moi-nhat.rss")
        feeds.add("https://tuoitre.vn/rss.rss")
        # the entries a poll has seen (as feeds.poll records them)
        for key in ("https://vnexpress.net/a", "https://vnexpress.net/b"):
            feeds.database.execute("INSERT INTO feed_items VALUES (?, ?, ?)", (polled.id, key, 1.5))
    state = State.open(path)
    state.token("https://vnexpress.net/gia-vang-2026.html")  # not a valid payload: hashed
    state.seen(501, "private")
    state.seen(-1002, "supergroup")
    state.set_language(501, "en")
    state.close()
    subs = SubscriptionStore.open(path)
    one = subs.follow(Target(501, "private"), "en", "giá vàng", "giá vàng", cursor - 2)
    subs.follow(Target(-1002, "supergroup", thread_id=7), "vi", "bão", "bão", cursor)
    outbox = Outbox.open(path)
    outbox.enqueue([(cursor - 1, articles[2].id, [one.id])], cursor)
    outbox.close()
    subs.close()
    broadcasts = Broadcasts.open(path)
    broadcasts.enqueue("Bảo trì lúc 22:00", 99, [(501, "private"), (-1002, "supergroup")])
    broadcasts.close()
    return path


def compare(folder: Path, url: str) -> None:
    """Every table of the folder is in PostgreSQL, row for row."""
    pg = open_database(url)
    try:
        for table in TABLES:
            source = Database(folder / table.file)
            columns = [r[1] for r in source.rows(f"PRAGMA table_info({table.name})")]
            names = ", ".join(columns)
            want = sorted(source.rows(f"SELECT {names} FROM {table.name}"))
            source.close()
            got = sorted(
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                for r in pg.rows(f"SELECT {names} FROM {table.name}")
            )
            assert got == want, table.name
            assert want, f"the fixture leaves {table.name} empty"
    finally:
        pg.close()


def test_everything_is_copied_and_a_second_run_doubles_nothing(tmp_path, postgres_url):
    folder = embedded_folder(tmp_path / "data")
    out = io.StringIO()
    first = migrate(folder, postgres_url, batch=3, stream=out)
    assert first.copied["articles"] == len(sample_articles()) + 1  # the retired version too
    assert "migrate [" in out.getvalue()  # the progress bar
    compare(folder, postgres_url)
    again = migrate(folder, postgres_url, stream=io.StringIO())
    assert sum(again.copied.values()) == 0
    assert again.line().startswith("migrated nothing new (")
    compare(folder, postgres_url)
    # the folder's segment stays valid for the copy: same database id, same docnos
    embedded = Store(folder / "newsbot.db")
    shared = Store(open_database(postgres_url))
    assert shared.database_id() == embedded.database_id()
    assert shared.seq() == embedded.seq() and shared.max_docno() == embedded.max_docno()
    top = embedded.max_docno()
    embedded.close()
    index = SearchIndex.open(folder, store=shared)
    assert index.damage is None
    assert index.search("giá vàng").total > 0
    # a new article gets a docno never given before
    index.add([Article("moi", "Bão số 3 vào Quảng Ninh", "Bão số 3 đổ bộ.")])
    assert index.store.article("moi")[0] > top
    index.close()


def test_a_database_holding_other_data_is_refused(tmp_path, postgres_url):
    other = SearchIndex.open(tmp_path / "other", store=Store(open_database(postgres_url)))
    other.add(sample_articles()[:1])
    other.close()
    folder = embedded_folder(tmp_path / "data")
    done = newsbot_migrate(folder, postgres_url)
    assert done.returncode == 1
    assert "already holds articles" in done.stderr and "empty database" in done.stderr


def test_a_folder_a_bot_runs_on_is_not_migrated(tmp_path, postgres_url):
    folder = embedded_folder(tmp_path / "data")
    with open(folder / "run.lock", "w") as lock:  # as `newsbot run` holds it
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = newsbot_migrate(folder, postgres_url)
    assert done.returncode == 1 and "stop it first" in done.stderr
    assert newsbot_migrate(folder, postgres_url).returncode == 0


def test_without_a_database_url_it_says_what_to_set(tmp_path):
    done = newsbot_migrate(tmp_path, None)
    assert done.returncode == 2 and "NEWSBOT_DATABASE_URL" in done.stderr


def newsbot_migrate(
    folder: Path, url: str | None, *extra: str, wait: bool = True, env: dict | None = None
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")} | (env or {})
    env.update(NEWSBOT_DATA_DIR=str(folder), PYTHONPATH=str(ROOT))
    if url:
        env["NEWSBOT_DATABASE_URL"] = url
    command = [sys.executable, "-m", "app.cli", "migrate", *extra]
    if not wait:
        return subprocess.Popen(command, env=env, cwd=folder, stderr=subprocess.DEVNULL)
    return subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True, timeout=300)


def test_kill_9_midway_then_rerun_completes_without_duplicates(tmp_path, postgres_url):
    folder = embedded_folder(tmp_path / "data")
    store = Store(folder / "newsbot.db")
    for start in range(0, 3000, 500):  # many articles, terms as stored (no pyvi needed here)
        store.write(
            [
                (Article(f"a{i}", f"Tin {i}", f"Bài {i}."), ["tin", str(i)], ["bài", str(i)])
                for i in range(start, start + 500)
            ]
        )
    store.close()
    total = Database(folder / "newsbot.db").one("SELECT count(*) FROM articles")[0]
    pg = open_database(postgres_url)

    def copied() -> int:
        try:
            return pg.one("SELECT count(*) FROM articles")[0]
        except Exception:  # noqa: BLE001 - the tables are not created yet
            return 0

    proc = newsbot_migrate(folder, postgres_url, "--batch", "20", wait=False)
    deadline = time.monotonic() + 120
    while copied() < 200 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    cut = copied()
    assert 0 < cut < total, cut
    assert cut % 20 == 0  # whole batches only
    done = newsbot_migrate(folder, postgres_url, "--batch", "20")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("migrated ")
    assert f"({cut:,} rows were already there)" in done.stdout
    compare(folder, postgres_url)
    (distinct,) = pg.one("SELECT count(DISTINCT docno) FROM articles")
    assert distinct == copied() == total
    pg.close()


def newsbot(folder: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(NEWSBOT_DATA_DIR=str(folder), NEWSBOT_DATABASE_URL=url, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "app.cli", *args]
    return subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True, timeout=120)


def test_stats_and_check_of_a_folder_whose_articles_are_in_postgresql(tmp_path, postgres_url):
    folder = tmp_path / "replica"
    index = SearchIndex.open(folder, store=Store(open_database(postgres_url)))
    index.add(sample_articles())
    index.compact()
    index.close()
    stats = newsbot(folder, postgres_url, "stats")
    assert stats.returncode == 0, stats.stderr
    assert f"articles:   {len(sample_articles())}\n" in stats.stdout
    assert "database:   PostgreSQL postgresql://" in stats.stdout
    check = newsbot(folder, postgres_url, "check")
    assert check.returncode == 0, check.stdout
    assert check.stdout.startswith("PostgreSQL postgresql://postgres@127.0.0.1:")
    assert f": ok ({len(sample_articles())} articles)\nindex segment seg-" in check.stdout
    segment = next((folder / "index").glob("seg-*"))
    victim = next(p for p in sorted(segment.iterdir()) if p.suffix == ".npy")
    victim.write_bytes(victim.read_bytes()[:-8])  # truncated
    assert newsbot(folder, postgres_url, "check").returncode == 1
    repaired = newsbot(folder, postgres_url, "check", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "rebuilt from PostgreSQL postgresql://" in repaired.stdout
    assert newsbot(folder, postgres_url, "check").returncode == 0
    assert not (folder / "newsbot.db").exists()  # nothing fell back to an embedded file


def test_the_search_engine_load_is_given_the_filled_store(tmp_path, postgres_url):
    """The one call point for OpenSearch's bulk load: the copied store and a progress bar."""
    folder = embedded_folder(tmp_path / "data")

    def load(store: Store, progress) -> int:
        docs = list(store.live_docs())  # the terms as stored: what a bulk load sends
        for _ in docs:
            progress(1)
        return len(docs)

    out = io.StringIO()
    summary = migrate(folder, postgres_url, stream=out, load_search=load)
    live = len(sample_articles()) - 1  # one removed
    assert summary.searched == live
    assert summary.line().endswith(f"; {live} articles loaded into the search engine")
    assert f"search [{'#' * 24}] 100% {live}/{live} articles" in out.getvalue()


@pytest.mark.slow
def test_with_opensearch_set_migrate_bulk_loads_it(tmp_path, postgres_url, opensearch_url):
    from opensearch_node import fresh_index_name
    from opensearchpy import OpenSearch

    from search_backends.opensearch import OpenSearchStage

    folder = embedded_folder(tmp_path / "data")
    name = fresh_index_name()
    extra = {"NEWSBOT_OPENSEARCH_URL": opensearch_url, "NEWSBOT_OPENSEARCH_INDEX": name}
    done = newsbot_migrate(folder, postgres_url, env=extra)
    assert done.returncode == 0, done.stderr
    live = len(sample_articles()) - 1
    assert done.stdout.rstrip().endswith(f"; {live} articles loaded into the search engine")
    assert "search [" in done.stderr  # its own progress bar
    client = OpenSearch(opensearch_url)
    try:
        assert client.count(index=name)["count"] == live
        again = newsbot_migrate(folder, postgres_url, env=extra)
        assert again.stdout.rstrip().endswith("; 0 articles loaded into the search engine")
        # a replica ranked by OpenSearch over the copied articles
        index = SearchIndex.open(
            tmp_path / "replica",
            store=Store(open_database(postgres_url)),
            first_stage=OpenSearchStage(opensearch_url, name),
        )
        assert index.search("giá vàng").total > 0
        index.close()
    finally:
        client.indices.delete(index=name, ignore_unavailable=True)
        client.close()
