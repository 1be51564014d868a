"""A kill -9 at any moment of `newsbot index` leaves a consistent index; a rerun finishes it."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.models import Article
from index.search import SearchIndex
from index.segment_format import SegmentWriter

ROOT = Path(__file__).resolve().parents[2]
WORDS = (
    "giá vàng tăng mạnh bão lũ miền Trung học sinh thi cử bóng đá Hà Nội Đà Nẵng "
    "xăng dầu giảm giá chứng khoán ngân hàng lãi suất du lịch mùa hè"
).split()


def write_archive(path: Path, n: int) -> None:
    rng = random.Random(5)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            title = f"Tin số {i}: " + " ".join(rng.choices(WORDS, k=6))
            body = ". ".join(" ".join(rng.choices(WORDS, k=12)) for _ in range(4)) + "."
            f.write(
                json.dumps({"id": f"d{i}", "title": title, "body": body}, ensure_ascii=False) + "\n"
            )


def live_rows(db: Path) -> int:
    try:
        with sqlite3.connect(db) as c:
            return c.execute("SELECT count(*) FROM articles WHERE deleted_seq IS NULL").fetchone()[
                0
            ]
    except sqlite3.OperationalError:
        return 0


def newsbot_index(data: Path, archive: Path) -> subprocess.Popen:
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data)}
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "index", "--batch", "25", "--workers", "1", str(archive)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_consistent(data: Path, n: int) -> None:
    idx = SearchIndex.open(data)
    try:
        assert idx.stats().articles == n
        with sqlite3.connect(data / "newsbot.db") as c:
            dupes = c.execute(
                "SELECT id FROM articles WHERE deleted_seq IS NULL GROUP BY id HAVING count(*) > 1"
            ).fetchall()
        assert dupes == []
        assert idx.fields["body"].n_docs == n  # statistics count each article once
        hit = idx.search("Tin số 7", k=1).hits[0]
        assert hit.article.id == "d7"
    finally:
        idx.close()


@pytest.mark.slow
def test_kill_9_at_several_moments_then_rerun(tmp_path):
    archive = tmp_path / "archive.jsonl"
    write_archive(archive, 300)
    data = tmp_path / "data"
    # kill once mid-way through the batches, and once as late as we can see work happening
    for wait_rows in (60, 240):
        proc = newsbot_index(data, archive)
        deadline = time.monotonic() + 60
        while live_rows(data / "newsbot.db") < wait_rows and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        idx = SearchIndex.open(data)  # opens cleanly whatever was cut
        assert idx.stats().articles == live_rows(data / "newsbot.db")
        idx.close()
    proc = newsbot_index(data, archive)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    added = int(out.split()[0].replace(",", ""))
    assert f"{300 - added} unchanged" in out.replace(",", "")
    assert_consistent(data, 300)


def test_a_crash_while_writing_a_segment_keeps_the_old_one(tmp_path, monkeypatch):
    data = tmp_path / "data"
    idx = SearchIndex.open(data)
    idx.add(
        [
            Article(f"a{i}", f"Tin số {i} về giá vàng", f"Giá vàng phiên {i} tăng.")
            for i in range(20)
        ]
    )
    idx.compact()
    idx.add([Article("late", "Bão số 5 đổ bộ", "Bão số 5 đổ bộ vào miền Trung.")])

    def crash(self, directory, upto, meta):
        directory.mkdir(parents=True)
        (directory / "body.gaps.npy").write_bytes(b"half")
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(SegmentWriter, "write", crash)
    with pytest.raises(KeyboardInterrupt):
        idx.compact()
    monkeypatch.undo()
    idx.close()
    again = SearchIndex.open(data)
    assert again.stats().articles == 21
    assert again.search("bão số 5").hits[0].article.id == "late"
    again.compact()  # the half-written directory is cleared away
    assert [p.name for p in (data / "index").iterdir() if p.is_dir()] == [again.segment_name]
    assert again.search("giá vàng phiên 3").hits[0].article.id == "a3"
