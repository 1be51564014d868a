"""`newsbot index` on floods of bad records: failures counted, a few kept, names escaped."""

from __future__ import annotations

import io
from pathlib import Path

from app.cli_index import cmd_index
from index.analysis import Analyzer
from index.ingest import MAX_REPORTED_FAILURES, ingest
from index.search import SearchIndex

SPLIT = Analyzer(segment=lambda text: text)


def test_failures_are_counted_and_only_the_first_kept(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("{}\n" * 1000 + '{"title": "Tin", "body": "Bài"}\n', encoding="utf-8")
    index = SearchIndex.open(tmp_path / "data", SPLIT)
    try:
        report = ingest(index, [path], workers=1)
        assert (report.added, report.failed) == (1, 1000)
        assert len(report.failures) == MAX_REPORTED_FAILURES
        assert report.summary().endswith("1,000 failed")
        out, err = io.StringIO(), io.StringIO()
        assert cmd_index(index, [path], out=out, err=err, workers=1) == 0
        lines = err.getvalue().splitlines()
        assert lines[-1] == f"... and {1000 - MAX_REPORTED_FAILURES:,} more skipped"
        assert sum(line.startswith("skipped ") for line in lines) == MAX_REPORTED_FAILURES
    finally:
        index.close()


def test_skipped_file_names_are_printed_escaped(tmp_path: Path) -> None:
    name = "x\n\x1b[31mred\udcff.txt"  # a newline, a terminal escape, an undecodable byte
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(b"")
    index = SearchIndex.open(tmp_path / "data", SPLIT)
    try:
        err = io.StringIO()
        assert cmd_index(index, [tmp_path / "in"], out=io.StringIO(), err=err, workers=1) == 1
        [line] = [x for x in err.getvalue().splitlines() if x.startswith("skipped")]
        assert line == "skipped x\\n\\x1b[31mred\\udcff.txt: empty file"
        err.getvalue().encode("utf-8")  # printable to any terminal
    finally:
        index.close()
