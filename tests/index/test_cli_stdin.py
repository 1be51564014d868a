"""`newsbot search -`: one JSON line out per line in, whatever the lines hold."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from app.cli_index import cmd_search

ROOT = Path(__file__).resolve().parents[2]


def test_every_line_gets_one_answer(index) -> None:
    lines = b"gia vang\n\n   \n\xff\xfe hong\n" + "bão số 5\n".encode() + b"x" * 70_000 + b"\nbao\n"
    out = io.StringIO()
    assert cmd_search(index, "-", stdin=io.BytesIO(lines), out=out) == 0
    answers = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(answers) == 7
    assert answers[0]["hits"][0]["id"] == "gia-vang" and "error" not in answers[0]
    assert [a.get("error") for a in answers[1:3]] == ["empty query"] * 2
    assert answers[3]["error"] == "not UTF-8 text (byte 0xff at column 1)"
    assert answers[3]["hits"] == [] and answers[3]["query"].endswith("hong")
    assert answers[4]["hits"][0]["id"] == "bao-so-5"
    assert answers[5]["error"] == "line over 64,000 bytes"
    assert answers[6]["query"] == "bao"


def test_the_command_reads_bytes_from_a_pipe(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path / "data")}
    # an empty index refuses to search (it says where it looked): give it one article
    archive = tmp_path / "a.jsonl"
    archive.write_text('{"id": "g", "title": "Giá vàng tăng", "body": "Giá vàng SJC tăng."}\n')
    subprocess.run(
        [sys.executable, "-m", "app.cli", "index", str(archive)],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "search", "-"],
        input=b"gia vang\n\xff\n\ngia vang\n",
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    answers = [json.loads(x) for x in done.stdout.decode().splitlines()]
    assert [a.get("error") for a in answers] == [
        None,
        "not UTF-8 text (byte 0xff at column 1)",
        "empty query",
        None,
    ]


def test_invisible_characters_in_queries_are_dropped(index) -> None:
    plain = index.search("giá vàng hôm nay")
    hidden = index.search("gi\u200bá v\u00adàng\u2060 hôm\x07 nay\ufeff")
    assert [h.article.id for h in hidden.hits] == [h.article.id for h in plain.hits]
    assert [h.score for h in hidden.hits] == [h.score for h in plain.hits]
