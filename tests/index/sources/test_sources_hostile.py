"""Hostile and unlucky input to the readers: each case once crashed or stalled a whole run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from index.ingest import ingest
from index.models import Article, Failure
from index.search import SearchIndex
from index.segment import Analyzer
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
        json.dumps({"id": "d1", "title": "Ngày lạ", "body": "Nội dung",
                    "published": "9999-12-31T23:00:00-05:00"}) + "\n",
        encoding="utf-8",
    )
    [got] = list(read_file(path))
    assert isinstance(got, Article) and got.published is None


def test_self_symlink_is_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "good.txt").write_text("Tiêu đề\n\nNội dung bài.\n", encoding="utf-8")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    files, failures = discover([folder, folder / "loop.txt"])
    assert [p.name for p in files] == ["good.txt"]
    assert {f.origin for f in failures} >= {"loop.txt"}
    assert all("link" in f.reason for f in failures)
