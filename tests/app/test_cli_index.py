"""`newsbot index`, `stats` and `search` as a user runs them (real pyvi, real SQLite)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from opensearch_node import fresh_index_name

from app.cli_index import cmd_index, cmd_search, cmd_stats
from index.search import SearchIndex

ROOT = Path(__file__).resolve().parents[2]

# an archive .txt file as `newsbot index` reads them: no header, the title line, the body
ARCHIVE_TXT = (
    "Văn phòng Thành ủy Hà Nội: Xây dựng đội ngũ cán bộ chuyên nghiệp\n\n"
    "Phó Bí thư Thường trực Thành ủy nhấn mạnh yêu cầu xây dựng đội ngũ cán bộ văn phòng "
    "tận tụy, gương mẫu, có trình độ tại lễ kỷ niệm ngày truyền thống.\n\n"
    "Văn phòng Thành ủy Hà Nội đã tham mưu nhiều việc quan trọng trong năm qua.\n\n"
    # the site's furniture names the category and the outlet
    "Bạn đang đọc bài viết Văn phòng Thành ủy Hà Nội tại chuyên mục Chính trị - Xã hội của "
    "Báo Diễn đàn doanh nghiệp.\n"
)
LINES = [
    {
        "id": "j1",
        "title": "Giá vàng hôm nay tăng mạnh",
        "url": "https://example.vn/j1",
        "published": "2021-03-02",
        "source": "vnexpress.net",
        "category": "kinh-doanh",
        "body": "Giá vàng SJC tăng 200 nghìn đồng mỗi lượng.\nThị trường vàng thế giới đi lên.",
    },
    {
        "id": "j2",
        "title": "Bão số 5 đổ bộ vào miền Trung",
        "url": None,
        "published": None,
        "source": "VNDS",
        "category": None,
        "body": "Cơn bão số 5 đổ bộ vào các tỉnh miền Trung.",
    },
    {
        "id": "j3",
        "title": "Đội tuyển Việt Nam thắng 2-0",
        "url": None,
        "published": "2021-06-07",
        "source": "24h.com.vn",
        "category": None,
        "body": "Đội tuyển bóng đá Việt Nam thắng 2-0.",
    },
]


@pytest.fixture
def archive(tmp_path):
    folder = tmp_path / "archive"
    (folder / "nested").mkdir(parents=True)
    (folder / "export.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in LINES)
        + "\n"
        + '{"id": "bad", "title": "Cắt ngang',
        encoding="utf-8",
    )
    (folder / "nested" / "000_a2f437a417b6f8e8.txt").write_text(ARCHIVE_TXT, encoding="utf-8")
    (folder / "nested" / "broken.txt").write_bytes(b"\x00\x01\x02binary\xff\xfe\x00")
    (folder / "nested" / "empty.txt").write_bytes(b"")
    return folder


def test_index_reports_failures_and_indexes_the_rest(open_index, tmp_path, archive):
    idx = open_index(tmp_path / "data")
    out, err = io.StringIO(), io.StringIO()
    assert cmd_index(idx, [str(archive)], out=out, err=err, workers=1) == 0
    assert out.getvalue().strip() == "4 added, 0 updated, 0 unchanged, 3 failed"
    errors = err.getvalue()
    assert "broken.txt" in errors and "empty.txt" in errors and "export.jsonl:4" in errors
    out = io.StringIO()
    cmd_index(idx, [str(archive)], out=out, err=io.StringIO(), workers=1)
    assert out.getvalue().strip() == "0 added, 0 updated, 4 unchanged, 3 failed"
    out = io.StringIO()
    cmd_stats(idx, out=out)
    text = out.getvalue()
    assert "articles:   4" in text and "2021-03-02 .. 2021-06-07" in text
    assert "Báo Diễn đàn doanh nghiệp" in text
    # the body field's vocabulary: the embedded index's, or counted as OpenSearch was loaded
    words = {t for d in idx.store.live_docs() for t in d.title_terms + d.body_terms}
    assert f"terms:      {len(words):,}" in text and len(words) > 20


def test_search_json_and_stdin(open_index, tmp_path, archive):
    idx = open_index(tmp_path / "data")
    cmd_index(idx, [str(archive)], out=io.StringIO(), err=io.StringIO(), workers=1)
    out = io.StringIO()
    cmd_search(idx, "giá vàng", as_json=True, out=out)
    result = json.loads(out.getvalue())
    hit = result["hits"][0]
    assert hit["id"] == "j1" and hit["url"] == "https://example.vn/j1"
    assert set(hit) >= {"id", "score", "title", "url", "published", "source", "excerpt"}
    out = io.StringIO()
    cmd_search(idx, "-", stdin=io.StringIO("thanh uy ha noi\n\nbao so 5\n"), out=out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [x["query"] for x in lines] == ["thanh uy ha noi", "", "bao so 5"]
    assert lines[0]["hits"][0]["title"].startswith("Văn phòng Thành ủy Hà Nội")
    assert lines[1]["error"] == "empty query" and lines[1]["hits"] == []
    assert lines[2]["hits"][0]["id"] == "j2"


def test_human_output_marks_matches(open_index, tmp_path, archive):
    idx = open_index(tmp_path / "data")
    cmd_index(idx, [str(archive)], out=io.StringIO(), err=io.StringIO(), workers=1)
    out = io.StringIO()
    cmd_search(idx, "bóng đá", out=out)
    assert "1. Đội tuyển Việt Nam thắng 2-0" in out.getvalue()
    assert "«bóng đá»" in out.getvalue().lower()
    out = io.StringIO()
    cmd_search(idx, "xyzzy", out=out)
    assert "No article matches" in out.getvalue()


@pytest.fixture
def backend_env(backend, request):
    """The environment that picks the backend under test for a `newsbot` process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_OPENSEARCH")}
    if backend == "opensearch":
        env["NEWSBOT_OPENSEARCH_URL"] = request.getfixturevalue("opensearch_url")
        env["NEWSBOT_OPENSEARCH_INDEX"] = fresh_index_name()
    return env


def test_console_script_end_to_end(backend_env, backend, tmp_path, archive):
    env = {**backend_env, "NEWSBOT_DATA_DIR": str(tmp_path / "data")}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = run("index", str(archive))
    assert done.returncode == 0, done.stderr
    assert "4 added" in done.stdout
    if backend == "opensearch":  # `newsbot index` itself sent them
        from opensearchpy import OpenSearch

        client = OpenSearch(env["NEWSBOT_OPENSEARCH_URL"])
        assert client.count(index=env["NEWSBOT_OPENSEARCH_INDEX"])["count"] == 4
        client.close()
    found = run("search", "van phong thanh uy", "--json", "-k", "1")
    assert json.loads(found.stdout)["hits"][0]["id"] == "000_a2f437a417b6f8e8"
    stats = run("stats")
    assert ("search:     OpenSearch" if backend == "opensearch" else "search:     embedded") in (
        stats.stdout
    )
    exact = run("search", "Văn phòng Thành ủy", "--exact", "--json")
    if backend == "opensearch":  # BM25Okapi's exact scores are the embedded engine's alone
        assert exact.returncode == 2 and "NEWSBOT_OPENSEARCH_URL" in exact.stderr
    else:
        assert exact.returncode == 0, exact.stderr
        assert json.loads(exact.stdout)["hits"][0]["id"] == "000_a2f437a417b6f8e8"


def test_an_empty_query_is_refused_with_a_hint(tmp_path, capsys):
    idx = SearchIndex.open(tmp_path / "data")
    out = io.StringIO()
    assert cmd_search(idx, "   ", out=out) == 2
    assert out.getvalue() == ""
    assert "Nothing to search" in capsys.readouterr().err


def test_the_terminal_printer_reads_the_result_views():
    import dataclasses
    import datetime as dt

    from app.terminal import print_result
    from bot.views import hit_views, web_links
    from index import Article, Excerpt, Hit, SearchResult

    bad = Article("x1", "Tiêu đề", "Giá vàng tăng.", "javascript:alert(1)", dt.date(2024, 5, 2))
    good = Article("x2", "Khác", "Giá vàng.", "https://a.vn/2", None, "a.vn")
    hits = (Hit(bad, 1.0, Excerpt("Giá vàng tăng.", ((0, 8),))), Hit(good, 0.5, Excerpt("x")))
    result = SearchResult("giá vàng", hits, 2)
    views = hit_views(hits, web_links([bad, good]))
    out = io.StringIO()
    print_result(result, views, out)
    text = out.getvalue()
    # the one link rule: a URL that is no web page is not printed, the id is
    assert "   id: x1\n" in text and "javascript" not in text
    assert "1. Tiêu đề\n   2024-05-02\n" in text and "   «Giá vàng» tăng." in text
    assert "2. Khác\n   a.vn\n   https://a.vn/2\n" in text
    # what the view says is what is printed
    out = io.StringIO()
    print_result(result, [dataclasses.replace(views[0], title="Đổi", source="b.vn")], out)
    assert "1. Đổi\n   b.vn · 2024-05-02\n" in out.getvalue()


def test_an_unreachable_opensearch_is_one_clear_line(tmp_path):
    from opensearch_node import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path), "NEWSBOT_OPENSEARCH_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "stats"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert f"cannot reach OpenSearch at {url}" in done.stderr
    assert "Traceback" not in done.stderr
    env["NEWSBOT_OPENSEARCH_URL"] = "localhost:9200"  # no scheme: refused by name
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "stats"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "NEWSBOT_OPENSEARCH_URL" in done.stderr
