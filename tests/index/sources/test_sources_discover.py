"""discover() over files and folders, and read_file() over a mixed folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import index.sources
from index.models import Article, Failure
from index.sources import discover, read_file

ARTICLE = "Giá điện tăng từ tháng 5\n\nEVN điều chỉnh giá bán lẻ điện bình quân thêm 4,8%.\n"


def make(root: Path, relative: str, content: str | bytes = ARTICLE) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_discover_nested_folders_sorted_without_hidden_or_unsupported(tmp_path: Path) -> None:
    for relative in [
        "z.csv",
        "b/d/e.html",
        "a.txt",
        "b/c.jsonl",
        "b/tin.jsonl.gz",
        "b/Trang.HTM",
        ".an/x.txt",  # hidden folder
        "b/.nhap.txt",  # hidden file
        "b/ghi-chu.md",  # unsupported inside a folder, even though it is text
        "anh.png",
    ]:
        make(tmp_path, relative)
    files, failures = discover([tmp_path])
    assert failures == []
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "a.txt",
        "b/Trang.HTM",
        "b/c.jsonl",
        "b/d/e.html",
        "b/tin.jsonl.gz",
        "z.csv",
    ]


def test_discover_explicit_files_missing_paths_and_duplicates(tmp_path: Path) -> None:
    notes = make(tmp_path, "ghi-chu.md")  # unknown extension but text: read as archive text
    image = make(tmp_path, "anh.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    inner = make(tmp_path, "thu-muc/a.txt")
    files, failures = discover(
        [str(notes), image, tmp_path / "thu-muc", inner, tmp_path / "khong-co"]
    )
    assert files == [notes, inner]
    assert failures == [
        Failure(str(image), "unsupported file type '.png'"),
        Failure(str(tmp_path / "khong-co"), "no such file or folder"),
    ]
    [got] = list(read_file(notes))
    assert isinstance(got, Article) and got.title == "Giá điện tăng từ tháng 5"


def test_bad_files_fail_and_the_others_still_read(tmp_path: Path) -> None:
    make(tmp_path, "1-tot.txt")
    make(tmp_path, "2-nhi-phan.txt", bytes(range(256)) * 4)
    make(tmp_path, "3-latin.txt", "Cà phê\n\nGiá cao.\n".encode("latin-1"))
    make(tmp_path, "4-rong.txt", b"")
    lines = [
        json.dumps({"title": "Tin một", "body": "Nội dung một."}, ensure_ascii=False),
        '{"title": "Tin hai", "body": "Nội',
        json.dumps({"title": "Tin ba", "body": "Nội dung ba."}, ensure_ascii=False),
    ]
    make(tmp_path, "5-tin.jsonl", "\n".join(lines))
    with (tmp_path / "6-lon.txt").open("wb") as f:
        f.truncate(100 * 1024 * 1024)
    files, failures = discover([tmp_path])
    assert failures == []
    results = [result for path in files for result in read_file(path)]
    articles = [r.title for r in results if isinstance(r, Article)]
    assert articles == ["Giá điện tăng từ tháng 5", "Tin một", "Tin ba"]
    got = {r.origin: r.reason for r in results if isinstance(r, Failure)}
    assert got.keys() == {
        "2-nhi-phan.txt",
        "3-latin.txt",
        "4-rong.txt",
        "5-tin.jsonl:2",
        "6-lon.txt",
    }
    assert got["2-nhi-phan.txt"] == "binary file (NUL bytes)"
    assert got["3-latin.txt"].startswith("not UTF-8 or UTF-16 text")
    assert got["4-rong.txt"] == "empty file"
    assert got["5-tin.jsonl:2"].startswith("line 2: truncated JSON: ")
    assert got["6-lon.txt"] == "file is 104.9 MB, over the 10 MB limit for one article"


def test_public_names() -> None:
    assert {"discover", "read_file", "article_from_html", "clean_text", "decode_bytes"} <= set(
        index.sources.__all__
    )
    for name in index.sources.__all__:
        assert hasattr(index.sources, name), name


def test_importing_sources_leaves_the_bot_out() -> None:
    code = "import sys, index.sources; print(sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'bot')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
