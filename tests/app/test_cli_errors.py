"""Operator mistakes and bad luck end `newsbot` with one line, never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli
from index.sql_store import Store
from storage.errors import sqlite_errors

ROOT = Path(__file__).resolve().parents[2]


def newsbot(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_a_corrupt_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "newsbot.db").write_bytes(b"not SQLite at all, " * 400)
    done = newsbot(tmp_path, "stats")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "newsbot: newsbot.db cannot be used (file is not a database): restore a backup, or"
        " index the archive again into a new data folder (NEWSBOT_DATA_DIR)"
    ]


def test_an_unusable_data_folder_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the data folder should be")
    done = newsbot(blocker / "data", "search", "giá vàng")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("newsbot: cannot use ") and "check NEWSBOT_DATA_DIR" in line


def test_a_full_disk_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    def full(self, items):
        with sqlite_errors():  # as the storage seam raises SQLite's own error
            raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "write", full)
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    page = tmp_path / "a.txt"
    page.write_text("Tiêu đề\n\nNội dung bài báo.\n", encoding="utf-8")
    assert cli.main(["index", "--workers", "1", str(page)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("newsbot: the disk is full")
    assert not any("Traceback" in line for line in err)


def test_bugs_keep_their_traceback(monkeypatch) -> None:
    monkeypatch.setattr(cli, "_parser", lambda: (_ for _ in ()).throw(KeyError("bug")))
    with pytest.raises(KeyError):
        cli.main(["stats"])
