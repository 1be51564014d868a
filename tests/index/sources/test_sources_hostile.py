"""Hostile and unlucky input to the readers: each case once crashed or stalled a whole run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from index.analysis import Analyzer
from index.ingest import ingest
from index.models import Article, Failure
from index.search import SearchIndex
from index.sources import discover, parse_date, read_file

SPLIT = Analyzer(segment=lambda text: text)  # whitespace words: no pyvi needed here


def test_lone_surrogate_is_cleaned_and_the_record_indexed(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    path.write_text(
        '{"id":"s1","title":"Tin \\ud83d cắt","body":"Giá vàng"}\n'
        '{"id":"s2","title":"Tin sau","body":"Giá \\udfff bạc"}\n',
        encoding="utf-8",
    )
    [first, second] = list(read_file(path))
    assert isinstance(first, Article) and first.title.split() == ["Tin", "cắt"]
    assert isinstance(second, Article) and second.body.split() == ["Giá", "bạc"]
    index = SearchIndex.open(tmp_path / "data", SPLIT)
    try:
        report = ingest(index, [path], workers=1)
        assert (report.added, report.failed) == (2, 0)
    finally:
        index.close()


def test_extreme_dates_are_dropped_and_the_article_kept(tmp_path: Path) -> None:
    assert parse_date("9999-12-31T23:00:00-05:00") is None
    assert parse_date("0001-01-01T00:00:00+14:00") is None
    assert parse_date("2020-10-31T23:00:00+00:00") == dt.date(2020, 11, 1)
    path = tmp_path / "news.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "d1",
                "title": "Ngày lạ",
                "body": "Nội dung",
                "published": "9999-12-31T23:00:00-05:00",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    [got] = list(read_file(path))
    assert isinstance(got, Article) and got.published is None


def test_self_symlink_is_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "good.txt").write_text("Tiêu đề\n\nNội dung bài.\n", encoding="utf-8")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "dead.txt").symlink_to(folder / "gone.txt")
    files, failures = discover([folder, folder / "loop.txt"])
    assert [p.name for p in files] == ["good.txt"]
    assert {f.origin for f in failures} >= {"loop.txt", "dead.txt", str(folder / "loop.txt")}
    assert all("link" in f.reason for f in failures)


def test_json_array_is_read_item_by_item(tmp_path: Path) -> None:
    import tracemalloc

    path = tmp_path / "many.json"
    path.write_text("[" + ",".join(["{}"] * 100_000) + "]", encoding="utf-8")  # 300 kB
    tracemalloc.start()
    try:
        count = sum(1 for item in read_file(path) if isinstance(item, Failure))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 100_000
    assert peak < 1_000_000  # the whole document parsed at once held hundreds of MB


def test_json_array_items_across_chunks_and_numbers_at_the_edge(tmp_path: Path) -> None:
    from index.sources.jsonarray import CHUNK_CHARS

    good = {"id": "a", "title": "Tiêu đề", "body": "Nội dung " * 20_000}  # over a chunk
    pad = " " * (CHUNK_CHARS - 3)
    path = tmp_path / "a.json"
    path.write_text("[" + pad + "12345, " + json.dumps(good) + "]", encoding="utf-8")
    number, article = list(read_file(path))
    assert isinstance(number, Failure) and "got int" in number.reason
    assert isinstance(article, Article) and article.id == "a"


def test_empty_and_blank_files_are_reported(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "zero.jsonl.gz").write_bytes(b"")
    (tmp_path / "gz-empty.jsonl.gz").write_bytes(gzip.compress(b""))
    (tmp_path / "blank.jsonl").write_text("\n\n  \n", encoding="utf-8")
    (tmp_path / "header.csv").write_text("id,title,body\n", encoding="utf-8")
    for name in ("zero.jsonl.gz", "gz-empty.jsonl.gz", "blank.jsonl", "header.csv"):
        [got] = list(read_file(tmp_path / name))
        assert isinstance(got, Failure) and got.origin == name and "no records" in got.reason


def test_unreadable_folder_is_reported(tmp_path: Path, monkeypatch) -> None:
    import os

    folder = tmp_path / "archive"
    (folder / "closed").mkdir(parents=True)
    (folder / "a.txt").write_text("Tiêu đề\n\nNội dung.\n", encoding="utf-8")
    real = os.scandir

    def scandir(path):  # root reads any folder, so the refusal is simulated here
        if str(path).endswith("closed"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, failures = discover([folder])
    assert [p.name for p in files] == ["a.txt"]
    assert failures == [
        Failure(str(folder / "closed"), "cannot read the folder: Permission denied")
    ]
