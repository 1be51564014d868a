"""A damaged index is detected and rebuilt from SQLite; `newsbot check` verifies and repairs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli_check import cmd_check
from index.search import SearchIndex

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data(tmp_path, articles) -> Path:
    folder = tmp_path / "data"
    index = SearchIndex.open(folder)
    index.add(articles)
    index.compact()
    index.close()
    return folder


def segment(data: Path) -> Path:
    return data / "index" / (data / "index" / "CURRENT").read_text().strip()


def ids(index: SearchIndex, query: str) -> list[str]:
    return [h.article.id for h in index.search(query).hits]


def check(data: Path, repair: bool = False) -> tuple[int, str]:
    out = io.StringIO()
    return cmd_check(data, repair=repair, out=out), out.getvalue()


def test_a_sound_index_checks_ok(data: Path) -> None:
    code, text = check(data)
    assert code == 0 and "newsbot.db: ok (8 articles)" in text
    assert f"index segment {segment(data).name}: ok" in text


def test_a_truncated_npy_is_rebuilt_from_the_database(data: Path, caplog) -> None:
    good = segment(data)
    npy = good / "body.gaps.npy"
    npy.write_bytes(npy.read_bytes()[:-7])
    code, text = check(data)
    assert code == 1 and "body.gaps.npy has" in text and "--repair" in text
    index = SearchIndex.open(data)  # every command opens the index like this
    try:
        assert "is damaged: body.gaps.npy has" in index.damage
        assert "rebuilding it from newsbot.db" in caplog.text
        assert ids(index, "giá vàng")[0] == "gia-vang"
        assert segment(data) != good and not good.exists()
    finally:
        index.close()
    assert check(data)[0] == 0


def test_a_removed_terms_line_is_detected(data: Path) -> None:
    terms = segment(data) / "title.terms.txt"
    lines = terms.read_text("utf-8").split("\n")
    terms.write_text("\n".join(lines[1:]), encoding="utf-8")
    index = SearchIndex.open(data)
    try:
        assert "title.terms.txt has" in index.damage
        assert ids(index, "Bão số 5")[0] == "bao-so-5"
    finally:
        index.close()


def test_an_emptied_database_gives_no_stale_results(data: Path) -> None:
    for name in ("newsbot.db", "newsbot.db-wal", "newsbot.db-shm"):
        path = data / name
        if path.exists():
            path.write_bytes(b"")
    index = SearchIndex.open(data)
    try:
        assert "another newsbot.db" in index.damage
        result = index.search("giá vàng")
        assert result.total == 0 and result.hits == ()
    finally:
        index.close()


def test_same_size_damage_is_found_by_check_and_repaired(data: Path) -> None:
    old = segment(data)
    dl = old / "body.dl.npy"
    raw = bytearray(dl.read_bytes())
    raw[-1] ^= 0xFF
    dl.write_bytes(bytes(raw))
    (data / "index" / "seg-0000000099-dead.tmp").mkdir()  # a compaction that failed
    code, text = check(data)
    assert code == 1 and "body.dl.npy has changed (checksum)" in text
    assert "leftovers of failed compactions: 1" in text
    code, text = check(data, repair=True)
    assert code == 0 and "rebuilt from newsbot.db" in text and "removed 1 leftovers" in text
    assert not old.exists() and not (data / "index" / "seg-0000000099-dead.tmp").exists()
    assert check(data) == (0, check(data)[1]) and "leftovers" not in check(data)[1]


def test_newsbot_check_command(data: Path) -> None:
    (segment(data) / "docnos.npy").write_bytes(b"\x93NUMPY")
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data)}
    run = [sys.executable, "-m", "app.cli", "check"]
    done = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 1 and "docnos.npy has" in done.stdout
    done = subprocess.run(
        [*run, "--repair"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert done.returncode == 0 and "rebuilt" in done.stdout, done.stderr
    done = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr


def test_a_failed_compaction_leaves_no_tmp_folder(data: Path, monkeypatch) -> None:
    import errno

    import index.live_postings

    def full(directory, database, upto):
        (directory / "half.npy").write_bytes(b"\x93NUMPY")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(index.live_postings, "seal", full)
    opened = SearchIndex.open(data)
    try:
        with pytest.raises(OSError, match="No space"):
            opened.compact()
        assert [p.name for p in (data / "index").iterdir() if p.name.endswith(".tmp")] == []
        assert ids(opened, "giá vàng")[0] == "gia-vang"  # the current segment still serves
    finally:
        opened.close()


def test_a_missing_current_is_reported_and_repaired_never_deleting_the_segment(data: Path) -> None:
    only = segment(data)
    (data / "index" / "CURRENT").unlink()
    code, text = check(data)
    assert code == 1 and "CURRENT is missing" in text and only.name in text
    code, text = check(data, repair=True)
    assert code == 0 and "rebuilt from newsbot.db" in text, text
    rebuilt = segment(data)  # CURRENT names a segment again, and it is there
    assert rebuilt.is_dir() and check(data)[0] == 0
    index = SearchIndex.open(data)
    try:
        assert index.damage is None and ids(index, "giá vàng")[0] == "gia-vang"
    finally:
        index.close()


def test_an_open_without_current_rebuilds_the_segment_once(data: Path) -> None:
    (data / "index" / "CURRENT").unlink()
    index = SearchIndex.open(data)
    try:
        assert "CURRENT is missing" in index.damage
        assert ids(index, "giá vàng")[0] == "gia-vang"
    finally:
        index.close()
    assert segment(data).is_dir()  # written by that open: the next one reads it
    again = SearchIndex.open(data)
    try:
        assert again.damage is None
    finally:
        again.close()


def test_same_size_damage_in_the_postings_is_rebuilt_at_open_never_a_crash(data: Path) -> None:
    gaps = segment(data) / "body.gaps.npy"
    raw = bytearray(gaps.read_bytes())
    header = raw.index(b"\n") + 1  # the .npy header ends with a newline
    for i in range(header, len(raw)):
        raw[i] ^= 0x5A  # every posting scrambled, the file the same size
    gaps.write_bytes(bytes(raw))
    index = SearchIndex.open(data)
    try:
        for query in ("giá vàng", "Bão số 5", "tăng mạnh", "bão"):
            index.search(query)  # an IndexError here, before checksums were read at open
        assert "body.gaps.npy has changed (checksum)" in index.damage
        assert ids(index, "giá vàng")[0] == "gia-vang"
    finally:
        index.close()
    assert check(data)[0] == 0
