"""`newsbot embed`, the semantic line of `newsbot stats`, NEWSBOT_SEMANTIC and `check`."""

from __future__ import annotations

import io

import numpy as np
import pytest

from app import cli
from app.cli_check import cmd_check
from app.cli_index import cmd_stats
from index.models import Article
from index.search import SearchIndex

ARTICLES = [
    Article("a", "Giá vàng tăng mạnh", "Giá vàng SJC tăng 200 nghìn đồng mỗi lượng sáng nay."),
    Article("b", "Bão số 5 đổ bộ", "Cơn bão số 5 đổ bộ vào miền Trung, 12 người thiệt mạng."),
    Article("c", "Tiền điện tăng", "Hóa đơn tiền điện tháng 6 tăng gấp đôi do nắng nóng."),
]


@pytest.fixture
def data(no_project_env, tmp_path):
    """A data folder of three articles, NEWSBOT_* unset (the semantic stage on)."""
    folder = tmp_path / "data"
    index = SearchIndex.open(folder)
    index.add(ARTICLES)
    index.close()
    return folder


def test_embed_then_stats_and_check(data, capfd):
    assert cli.main(["--data-dir", str(data), "embed", "--leads-only", "--limit", "2"]) == 0
    out = capfd.readouterr().out
    assert "3 without a lead vector" in out and "embedded 2 articles" in out
    assert cli.main(["--data-dir", str(data), "embed"]) == 0
    assert "1 leads and 3 articles' windows left" not in capfd.readouterr().out
    index = SearchIndex.open(data)
    cmd_stats(index, out=(buf := io.StringIO()))
    index.close()
    out = buf.getvalue()
    assert "semantic:   off; 3 articles with vectors (100%), 3 with passage windows" in out

    def check(repair=False):
        buf = io.StringIO()
        return cmd_check(data, repair, out=buf), buf

    assert check()[0] == 0
    # vectors of another folder (docnos the database does not hold): check says so
    rows = sorted((data / "vectors").glob("*.rows.npy"))[0]
    np.save(rows, np.full((len(np.load(rows)), 2), 999))
    code, out = check()
    assert code == 1 and "vectors:" in out.getvalue()
    code, out = check(repair=True)
    assert code == 0 and "vector chunks dropped" in out.getvalue()
    assert check()[0] == 0


def test_semantic_off_refuses_to_embed(data, capfd, monkeypatch):
    monkeypatch.setenv("NEWSBOT_SEMANTIC", "off")
    assert cli.main(["--data-dir", str(data), "embed"]) == 1
    assert "NEWSBOT_SEMANTIC=off" in capfd.readouterr().err
    # the other commands go on, lexical only
    assert cli.main(["--data-dir", str(data), "search", "bão"]) == 0
