"""`newsbot chat`: the same conversation as text in a terminal."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from bot.console import Console, chat
from bot.settings import Settings
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
    assert "Bài 11–12" not in console.handle("n")  # past the end: the page stays
    assert "Bài 6–10" in console.handle("p")
    article = console.handle("7")
    assert article.startswith("Khánh thành công viên cây xanh số 6\nBáo Đô Thị · 06/06/2024")
    assert "sân chơi cho trẻ em" in article


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
    stdin = io.StringIO("Thành ủy Hà Nội\n1\nq\n")
    out = io.StringIO()
    assert chat(Settings(NEWSBOT_DATA_DIR=tmp_path, _env_file=None), stdin, out) == 0
    text = out.getvalue()
    assert "kho mẫu đi kèm" in text
    assert "1. Văn phòng Thành ủy Hà Nội" in text
    assert "Phó Bí thư Thường trực Thành ủy" in text
    index = SearchIndex.open(tmp_path)  # the sample went to a temporary folder, not here
    assert index.latest(1) == []
    index.close()


def test_newsbot_chat_runs_without_a_token(tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = {"NEWSBOT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": ""}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input="thanh uy\nq\n",
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Văn phòng Thành ủy Hà Nội" in done.stdout
