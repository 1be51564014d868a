"""What the command line says to a new user: counts, periods, long questions, poll failures."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

from app.cli_index import cmd_search, cmd_stats
from app.counted import counted
from index import Article
from index.search import SearchIndex

ROOT = Path(__file__).resolve().parents[2]


def newsbot(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "NEWSBOT_DATA_DIR": str(data),
        "PATH": "/usr/bin:/bin",
        "TELEGRAM_BOT_TOKEN": "",
        "NEWSBOT_ALLOW_PRIVATE_FETCH": "true",  # the failing feed is on this machine
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_counts_are_singular_for_one():
    assert counted(1, "article") == "1 article"
    assert counted(2, "feed") == "2 feeds"
    assert counted(1, "new entry") == "1 new entry"
    assert counted(1_204, "entry") == "1,204 entries"
    assert counted(0, "day") == "0 days"


def test_search_says_one_article_one_day_and_cuts_a_long_question(tmp_path):
    index = SearchIndex.open(tmp_path)
    index.add(
        [
            Article("a", "Giá vàng tăng mạnh", "Giá vàng SJC tăng.", published=dt.date(2026, 1, 2)),
            Article("b", "Tin khác", "Không liên quan."),
        ]
    )
    out = io.StringIO()
    cmd_search(index, "giá vàng hôm qua", out=out)
    text = out.getvalue()
    assert "1 article matches “giá vàng hôm qua”" in text
    yesterday = dt.date.today() - dt.timedelta(days=1)
    assert f"None of them is dated {yesterday}; the best matches first." in text
    out = io.StringIO()
    cmd_search(index, "giá vàng " + "rất " * 3000, out=out)
    head = out.getvalue().splitlines()[0]
    assert len(head) < 200 and "…" in head
    index.close()


def test_stats_counts_undated_articles_and_says_bot_db_is_not_there_yet(tmp_path):
    index = SearchIndex.open(tmp_path)
    index.add(
        [
            Article("a", "Có ngày", "Bài có ngày.", published=dt.date(2026, 1, 2)),
            Article("b", "Không ngày", "Bài không ngày."),
            Article("c", "Cũng không", "Bài cũng không ngày."),
        ]
    )
    out = io.StringIO()
    cmd_stats(index, out=out)
    assert "dates:      2026-01-02 .. 2026-01-02 (2 articles undated)" in out.getvalue()
    index.close()
    done = newsbot(tmp_path, "stats")
    assert done.returncode == 0, done.stderr
    assert f"state:      SQLite {tmp_path / 'bot.db'} (created when the bot first runs)" in (
        done.stdout
    )


def test_feeds_poll_fails_when_a_feed_fails_and_says_each_failure_once(tmp_path):
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline type="rss" text="a" xmlUrl="http://127.0.0.1:9/a.rss"/></body></opml>',
        encoding="utf-8",
    )
    assert "1 feed in" in newsbot(tmp_path, "feeds", "import", str(opml)).stdout
    done = newsbot(tmp_path, "feeds", "poll")
    assert done.returncode == 1
    assert "1 feed polled, 1 failed; 0 new entries" in done.stdout
    assert done.stderr.count("127.0.0.1:9/a.rss") == 1, done.stderr
