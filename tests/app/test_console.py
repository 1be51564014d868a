"""`newsbot chat`: the same conversation as text in a terminal."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bot_testkit import sample_articles
from paging_kit import QUESTION as FUEL
from paging_kit import fuel_articles

import app.console as console_module
from app.console import Console, chat
from app.settings import Settings
from bot.texts import EN
from index.search import SearchIndex


def test_results_paging_and_full_text(news_index):
    console = Console(news_index)
    first = console.handle("công viên cây xanh")
    assert first.startswith("🔎 Bài 1–5 trong 12 bài cho “công viên cây xanh”")
    assert "1. Khánh thành công viên cây xanh số 12" in first and "<" not in first
    assert "n: trang sau" in first
    second = console.handle("n")
    assert "Bài 6–10 trong 12" in second and "6. Khánh thành công viên cây xanh số 7" in second
    assert "Bài 11–12" in console.handle("n")
    last = console.handle("n")  # past the end: the page stays, and says why
    assert "Bài 11–12" not in last and last.startswith("Đây là trang cuối.\n(n: trang sau")
    assert "Bài 6–10" in console.handle("p")
    article = console.handle("7")
    assert article.startswith("Khánh thành công viên cây xanh số 6\nBáo Đô Thị · 06/06/2024")
    assert "sân chơi cho trẻ em" in article
    # numbers count across pages: on page 2, 3 is still the third result
    assert console.handle("3").startswith("Khánh thành công viên cây xanh số 10\n")
    assert console.handle("12").startswith("Khánh thành công viên cây xanh số 1\n")
    # past the results: said so, never searched as a question
    assert console.handle("13") == "Danh sách vừa rồi không có bài số 13."
    assert console.handle("/doc 2").startswith("Khánh thành công viên cây xanh số 11\n")


def test_reading_shows_the_url_once(news_index):
    console = Console(news_index)
    console.handle("giá vàng SJC")
    article = console.handle("1")
    assert article.count("https://tintuc.example.vn/gia-vang-sjc") == 1


def test_greeting_suggests_questions_from_the_index_and_lang_switches(news_index):
    console = Console(news_index)
    greeting = console.greeting()
    assert (
        "Thử hỏi về tin mới nhất trong kho:\n• Toàn văn báo cáo\n• đổ bộ vào miền Trung" in greeting
    )
    assert console.handle("/lang en") == "From now on I answer in English."
    assert console.handle("bão số 3").startswith(
        "🔎 Articles 1–2 of 2 for “bão số 3”\n\n1. Bão số 3"  # the answers, not every "số"
    )
    assert "/lang" in console.handle("/lang xx")


def test_links_markup_and_long_questions_are_plain_text(news_index):
    console = Console(news_index)
    page = console.handle("<b>thẻ</b> & ký tự " + "x" * 400)
    assert "Tranh cãi về thẻ <b> và ký tự & trong trang web" in page
    assert "(https://tintuc.example.vn/the-html?a=1&b=2)" in page
    assert "chỉ tìm theo 300 ký tự đầu" in page and "&amp;" not in page


def test_commands_and_no_results(news_index):
    console = Console(news_index, EN)
    assert "No article matches “khủng long”" in console.handle("khủng long")
    assert console.handle("/latest").startswith("🗞 Latest articles")
    assert console.handle("1").startswith("Toàn văn báo cáo kinh tế xã hội năm 2024")
    assert console.handle("/read vanh-dai-4").startswith("Hà Nội khởi công đường Vành đai 4")
    assert "not found" in console.handle("/read nope")
    assert "Articles 1–1 of 1" in console.handle("/search giá vàng SJC")
    assert console.handle("") == "" and console.handle("q") is None


def test_chat_uses_the_sample_archive_when_the_index_is_empty(tmp_path):
    stdin = io.StringIO("bánh xèo\n1\nq\n")
    out = io.StringIO()
    assert chat(Settings(NEWSBOT_DATA_DIR=tmp_path, _env_file=None), stdin, out) == 0
    text = out.getvalue()
    assert "kho mẫu đi kèm" in text and f"Kho tin ở {tmp_path} đang trống" in text
    assert "1. Bánh xèo" in text
    assert "thưởng thức với nét đặc trưng riêng" in text
    index = SearchIndex.open(tmp_path)  # the sample went to the cache folder, not here
    assert index.latest(1) == []
    index.close()


@pytest.fixture(autouse=True)
def own_cache_folder(monkeypatch, tmp_path_factory):
    """The user cache folder (the sample chat's index) is the test's own, not the home's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


def test_the_sample_is_indexed_once_and_reused_by_the_next_chat(tmp_path, monkeypatch):
    settings = Settings(NEWSBOT_DATA_DIR=tmp_path, _env_file=None)
    assert chat(settings, io.StringIO("bánh xèo\nq\n"), io.StringIO()) == 0
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "newsbot"
    (built,) = [p for p in cache.iterdir() if p.name.startswith("sample-")]
    assert (built / "READY").exists() and not list(cache.glob(".sample-*"))

    def refuse(*args, **kwargs):
        raise AssertionError("the sample was indexed again")

    monkeypatch.setattr(console_module, "ingest", refuse)
    out = io.StringIO()
    assert chat(settings, io.StringIO("bánh xèo\nq\n"), out) == 0  # a restart: no indexing
    assert "1. Bánh xèo" in out.getvalue()


# five questions a newcomer might ask, each with the sample article that answers it
OFFLINE_QUESTIONS = {
    "biển đông": "1. Biển Đông",
    "sot xuat huyet": "1. Sốt xuất huyết",
    "điện thoại samsung galaxy": "1. Samsung Galaxy S5",
    "The Beatles là ban nhạc nào?": "1. The Beatles",
    "nha trang": "1. Nha Trang",
}


def test_a_fresh_clone_offline_answers_five_questions_with_five_articles(tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = {
        "NEWSBOT_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "TELEGRAM_BOT_TOKEN": "",
        "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],
    }
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "chat"],
        input="".join(f"{q}\n" for q in OFFLINE_QUESTIONS) + "q\n",
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answers = done.stdout.split("🔎")[1:]
    assert len(answers) == 5
    for answer, first in zip(answers, OFFLINE_QUESTIONS.values(), strict=True):
        assert f"\n{first} (https://vi.wikipedia.org/wiki/" in answer, answer[:300]
    # the welcome examples come from what was indexed, and find it
    examples = done.stdout.split("•")[1:4]
    assert len(examples) == 3


def _until(fd: int, marker: bytes, seen: bytearray, timeout: float = 60.0) -> str:
    """Read the terminal until marker shows up after what was already seen."""
    import os
    import select
    import time

    start, deadline = len(seen), time.monotonic() + timeout
    while marker not in seen[start:]:
        left = deadline - time.monotonic()
        assert left > 0, f"no {marker!r} in {bytes(seen[start:])!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                chunk = b""
            assert chunk, f"the terminal closed before {marker!r}: {bytes(seen[start:])!r}"
            seen += chunk
    return seen[start:].decode("utf-8", "replace")


def test_newsbot_chat_in_a_terminal(tmp_path):
    """A pseudo-terminal: prompt, bold matches, numbers across pages, paging past the end."""
    import os
    import pty

    index = SearchIndex.open(tmp_path)
    index.add(sample_articles())
    index.close()
    root = Path(__file__).resolve().parents[2]
    env = {"NEWSBOT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "TERM": "xterm"}
    main, side = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "chat", "--lang", "en"],
        stdin=side,
        stdout=side,
        stderr=side,
        cwd=root,
        env=env,
    )
    os.close(side)
    seen = bytearray()
    prompt = "› ".encode()

    def say(line: str) -> str:
        os.write(main, f"{line}\n".encode())
        return _until(main, prompt, seen)

    try:
        greeting = _until(main, prompt, seen)
        assert (
            "Try the latest news in the archive:\r\n• Toàn văn báo cáo\r\n• đổ bộ vào miền Trung"
            in greeting
        )
        page = say("công viên cây xanh")
        assert "Articles 1–5 of 12" in page and "\x1b[1m" in page  # bold on a terminal
        assert "Articles 6–10 of 12" in say("n")
        # the numbers go on across pages: 3 is the third result, not a question "3"
        assert "Khánh thành công viên cây xanh số 10\x1b[0m\r\n" in say("3")
        say("n")
        assert "That was the last page." in say("n")
        say("giá vàng SJC")
        article = say("1")
        assert "Người dân xếp hàng mua vàng" in article
        assert article.count("https://tintuc.example.vn/gia-vang-sjc") == 1
        os.write(main, b"q\n")
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)


def test_five_pages_of_a_time_word_question_repeat_nothing_and_numbers_open_them(tmp_path):
    """`newsbot chat`: "giá xăng hôm nay" paged five times; each number reads what it showed."""
    index = SearchIndex.open(tmp_path)
    index.add(fuel_articles())
    index.close()
    numbers = "\n".join(str(n) for n in range(1, 26))
    stdin = io.StringIO(f"{FUEL}\nn\nn\nn\nn\n{numbers}\nq\n")
    out = io.StringIO()
    assert chat(Settings(NEWSBOT_DATA_DIR=tmp_path, _env_file=None), stdin, out) == 0
    text = out.getvalue()
    listed = re.findall(r"^(\d+)\. (Giá xăng .*)$", text, re.M)
    assert [int(n) for n, _ in listed] == list(range(1, 26))  # five pages, in order
    titles = [t for _, t in listed]
    assert len(set(titles)) == 25  # no article twice
    opened = re.findall(r"^(Giá xăng .*)\n(?:Tuổi Trẻ|VnExpress|Thanh Niên) · ", text, re.M)
    assert opened == titles  # each number opened the article shown under it
