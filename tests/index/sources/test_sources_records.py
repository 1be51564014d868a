"""JSON Lines, gzip'd JSON Lines, JSON arrays and CSV: one bad line never stops the rest."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from pathlib import Path

import pytest

from index.models import Article, Failure
from index.sources import MAX_RECORD_BYTES, read_file


def record(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


GOOD = record(
    id="crawlnews-1",
    title="Giá vàng hôm nay tăng mạnh",
    url="https://vnexpress.net/gia-vang-1.html",
    published="2026-01-15",
    source="vnexpress.net",
    category="Kinh doanh",
    body="Giá vàng miếng tăng 1 triệu đồng.\n\nNgười dân xếp hàng mua vàng.",
)


def split(results: list[Article | Failure]) -> tuple[list[Article], list[Failure]]:
    articles = [r for r in results if isinstance(r, Article)]
    failures = [r for r in results if isinstance(r, Failure)]
    assert len(articles) + len(failures) == len(results)
    return articles, failures


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_good_record(tmp_path: Path) -> None:
    [got] = list(read_file(write_lines(tmp_path / "news.jsonl", [GOOD])))
    assert got == Article(
        id="crawlnews-1",
        title="Giá vàng hôm nay tăng mạnh",
        body="Giá vàng miếng tăng 1 triệu đồng.\nNgười dân xếp hàng mua vàng.",
        url="https://vnexpress.net/gia-vang-1.html",
        published=dt.date(2026, 1, 15),
        source="vnexpress.net",
        category="Kinh doanh",
    )


def test_jsonl_bad_lines_fail_alone(tmp_path: Path) -> None:
    lines = [
        GOOD,
        GOOD[:40],  # cut off mid-string
        record(body="Không có tiêu đề."),
        "",  # blank lines are skipped silently
        '{"title": "Thiếu dấu phẩy" "body": "x"}',
        "[1, 2]",
        record(title="Bài không có nội dung", body=" \u200b "),
        record(title="Tin thứ hai", body="Nội dung.", url="https://dantri.com.vn/a.html"),
    ]
    articles, failures = split(list(read_file(write_lines(tmp_path / "news.jsonl", lines))))
    assert [a.title for a in articles] == ["Giá vàng hôm nay tăng mạnh", "Tin thứ hai"]
    assert [f.origin for f in failures] == [
        "news.jsonl:2",
        "news.jsonl:3",
        "news.jsonl:5",
        "news.jsonl:6",
        "news.jsonl:7",
    ]
    reasons = [f.reason for f in failures]
    assert reasons[0].startswith("line 2: truncated JSON: ")
    assert reasons[1] == "line 3: missing title"
    assert reasons[2].startswith("line 5: invalid JSON: ")
    assert reasons[3] == "line 6: not a JSON object (got list)"
    assert reasons[4] == "line 7: missing body"


def test_jsonl_ids_derived(tmp_path: Path) -> None:
    lines = [
        record(title="Có url", body="Nội dung.", url="https://dantri.com.vn/a.html"),
        record(title="Không url", body="Nội dung.", source="VNDS", published="05/03/2024"),
        record(id=42, title="Id là số", body="Nội dung."),
    ]
    with_url, without, numeric = list(read_file(write_lines(tmp_path / "a.ndjson", lines)))
    assert with_url.id == "u" + hashlib.sha1(b"https://dantri.com.vn/a.html").hexdigest()[:16]
    key = "VNDS|Không url|2024-03-05".encode()
    assert without.id == "r" + hashlib.sha1(key).hexdigest()[:16]
    assert without.published == dt.date(2024, 3, 5)
    assert numeric.id == "42"


def test_jsonl_body_cleaned(tmp_path: Path) -> None:
    line = record(
        title=" Tiêu\u200bđề ", body="  Đoạn một.\r\n\r\n\u00a0\nĐoạn\x00 hai. ", published=None
    )
    [got] = list(read_file(write_lines(tmp_path / "x.jsonl", [line])))
    assert (got.title, got.body, got.published) == ("Tiêuđề", "Đoạn một.\nĐoạn hai.", None)


def test_jsonl_oversized_and_non_utf8_lines(tmp_path: Path) -> None:
    huge = record(title="Quá dài", body="chữ " * (MAX_RECORD_BYTES // 4 + 10))
    path = tmp_path / "x.jsonl"
    path.write_bytes(
        b"\n".join([huge.encode(), '{"title": "Gi\xe1"}'.encode("latin-1"), GOOD.encode()])
    )
    articles, failures = split(list(read_file(path)))
    assert [a.id for a in articles] == ["crawlnews-1"]
    assert failures == [
        Failure("x.jsonl:1", "line 1: record is over the 2 MB limit"),
        Failure("x.jsonl:2", "line 2: not UTF-8 text (byte 0xe1 at column 14)"),
    ]


def test_jsonl_gz(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(GOOD + "\n" + record(title="Thiếu nội dung") + "\n")
    articles, failures = split(list(read_file(path)))
    assert [a.id for a in articles] == ["crawlnews-1"]
    assert failures == [Failure("news.jsonl.gz:2", "line 2: missing body")]


def test_jsonl_gz_cut_short_keeps_what_came_before(tmp_path: Path) -> None:
    lines = [
        record(id=f"b{i}", title=f"Tin số {i}", body=f"Nội dung {i} " * 30) for i in range(300)
    ]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    articles, failures = split(list(read_file(path)))
    assert 0 < len(articles) < 300
    assert [a.id for a in articles] == [f"b{i}" for i in range(len(articles))]
    assert len(failures) == 1
    assert failures[0].origin == "cut.jsonl.gz"
    assert failures[0].reason.startswith("data broken after line ")


@pytest.mark.parametrize("data", [b"\x1f\x8b", b"\x1f\x8b\x08\x00"])
def test_json_cut_short_in_its_gzip_header_is_a_failure(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "cut.json"
    path.write_bytes(data)
    assert list(read_file(path)) == [
        Failure("cut.json", "data broken at the start: " + str(_gzip_error(data)))
    ]


def _gzip_error(data: bytes) -> Exception:
    try:
        gzip.decompress(data)
    except (EOFError, gzip.BadGzipFile) as e:
        return e
    raise AssertionError("the data was meant to be cut short")


def test_json_array_document(tmp_path: Path) -> None:
    path = tmp_path / "bai.json"
    items = [json.loads(GOOD), {"title": "Không nội dung"}]
    path.write_text(json.dumps(items, ensure_ascii=False, indent=2), encoding="utf-8")
    articles, failures = split(list(read_file(path)))
    assert [a.id for a in articles] == ["crawlnews-1"]
    assert failures == [Failure("bai.json:2", "item 2: missing body")]


def test_broken_json_array_keeps_the_items_before_the_break(tmp_path: Path) -> None:
    path = tmp_path / "bai.json"
    text = json.dumps([json.loads(GOOD)] * 3, ensure_ascii=False, indent=2)
    path.write_text(text[:-30], encoding="utf-8")
    *good, got = list(read_file(path))
    assert [a.id for a in good] == ["crawlnews-1"] * 2
    assert got.origin == "bai.json"
    assert got.reason.startswith(f"line {text[:-30].count(chr(10)) + 1}: truncated JSON: ")


def test_utf16_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes((GOOD + "\r\n" + GOOD + "\r\n").encode("utf-16"))
    assert [a.id for a in read_file(path)] == ["crawlnews-1", "crawlnews-1"]


CSV = (
    "id,title,url,published,source,category,body\n"
    "c1,Học sinh nghỉ Tết 9 ngày,https://thanhnien.vn/a.html,2026-02-01,thanhnien.vn,Giáo dục,"
    '"Sở GD-ĐT công bố lịch nghỉ.\n\nHọc sinh đi học lại ngày 20/2, sau kỳ nghỉ."\n'
    ",,,,,,\n"
    "c2,,,,,,Thiếu tiêu đề nên hỏng.\n"
    'c3,"Giá xăng giảm, dầu tăng",,31/01/2026,24h.com.vn,,"Xăng giảm 500 đồng."\n'
)


def test_csv(tmp_path: Path) -> None:
    path = tmp_path / "bai.csv"
    path.write_text(CSV, encoding="utf-8-sig")
    articles, failures = split(list(read_file(path)))
    first, second = articles
    assert first == Article(
        id="c1",
        title="Học sinh nghỉ Tết 9 ngày",
        body="Sở GD-ĐT công bố lịch nghỉ.\nHọc sinh đi học lại ngày 20/2, sau kỳ nghỉ.",
        url="https://thanhnien.vn/a.html",
        published=dt.date(2026, 2, 1),
        source="thanhnien.vn",
        category="Giáo dục",
    )
    assert (second.id, second.title, second.published, second.category) == (
        "c3",
        "Giá xăng giảm, dầu tăng",
        dt.date(2026, 1, 31),
        None,
    )
    # The first row spans lines 2-4, so the bad row is on line 6.
    assert failures == [Failure("bai.csv:6", "line 6: missing title")]


def test_csv_bad_rows_fail_alone(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    big = "a" * (MAX_RECORD_BYTES + 5)
    path.write_bytes(
        (f"title,body\nQuá dài,{big}\nThừa cột,nội dung,thêm\n").encode()
        + "Gi\xe1,sai m\xe3\n".encode("latin-1")
        + "Tin tốt,Nội dung tốt.\n".encode()
    )
    articles, failures = split(list(read_file(path)))
    assert [a.title for a in articles] == ["Tin tốt"]
    assert failures == [
        Failure("x.csv:2", "line 2: record is over the 2 MB limit"),
        Failure("x.csv:3", "line 3: 3 fields but the header has 2"),
        Failure("x.csv:4", "line 4: not UTF-8 text (byte 0xe1 at column 3)"),
    ]


def test_csv_header_without_body_column(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("tieu_de,noi_dung\nMột,Hai\n", encoding="utf-8")
    assert list(read_file(path)) == [
        Failure("x.csv", "CSV header has no title, body column (found: tieu_de, noi_dung)")
    ]


def test_site_furniture_is_cut_from_records(tmp_path):
    import json

    from index.sources import read_file

    body = (
        "Lưu bài viết thành công Bạn có thể xem lại bài viết đã lưu ở trangTin bài đã lưu "
        "Giá vàng hôm nay tăng mạnh.\nThị trường sôi động.\nNguồn: [Link nguồn]"
    )
    path = tmp_path / "x.jsonl"
    path.write_text(
        json.dumps({"id": "x", "title": "Giá vàng", "body": body}, ensure_ascii=False),
        encoding="utf-8",
    )
    (article,) = list(read_file(path))
    assert article.body == "Giá vàng hôm nay tăng mạnh.\nThị trường sôi động."


def test_a_bad_byte_inside_a_quoted_multiline_field_fails_that_record_alone(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(
        'title,body\n"Một","dòng đầu\n'.encode()
        + 'sai m\xe3"\n'.encode("latin-1")
        + "Tin tốt,Nội dung tốt.\nTin hai,Nội dung hai.\n".encode()
    )
    articles, failures = split(list(read_file(path)))
    assert [a.title for a in articles] == ["Tin tốt", "Tin hai"]
    assert failures == [Failure("x.csv:2", "line 2: not UTF-8 text (byte 0xe3 at column 6)")]
