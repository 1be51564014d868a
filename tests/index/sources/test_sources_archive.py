"""Archive .txt files: a site's page, header blocks, boilerplate, encodings, bad files."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from pathlib import Path

import pytest

from index.models import Article, Failure
from index.sources import read_file

CAPTION = (
    "Chánh Văn phòng Thành ủy trình bày báo cáo ôn lại những truyền thống vẻ vang của hệ "
    "thống Văn phòng cấp ủy."
)
# An archive file as the outlets' sites leave them (written for the tests, after one such
# page): the site's name before the lead, a caption printed twice, a lead and a caption
# that nearly repeat each other, and the site's furniture after the text.
SAMPLE_TEXT = "\n\n".join(
    [
        "Văn phòng Thành ủy Hà Nội: Xây dựng đội ngũ cán bộ năng lực, trách nhiệm, chuyên nghiệp",
        "Enternews.vn Bên cạnh việc tiếp tục xây dựng đội ngũ cán bộ văn phòng cấp ủy tận tụy,"
        " gương mẫu, Văn phòng cần đổi mới công tác tham mưu.",
        "Phó Bí thư Thường trực Thành ủy nhấn mạnh tại Lễ kỷ niệm 90 năm Ngày truyền thống"
        " Văn phòng cấp ủy (10/1930 - 10/2020), do Văn phòng Thành ủy tổ chức sáng 31/10.",
        "Phó Bí thư Thường trực Thành ủy nhấn mạnh tại Lễ kỷ niệm 90 năm Ngày truyền thống"
        " Văn phòng cấp ủy (10/1930 - 10/2020).",
        "Phó Bí thư Thường trực Thành ủy phát biểu tại Lễ kỷ niệm 90 năm Ngày truyền thống"
        " Văn phòng cấp ủy (10/1930 - 10/2020).",
        "Tại buổi gặp mặt, báo cáo ôn lại những truyền thống vẻ vang của hệ thống Văn phòng"
        " cấp ủy qua 90 năm.",
        CAPTION,
        "Văn phòng Thành ủy đã không ngừng lớn mạnh về số lượng và chất lượng cán bộ.",
        CAPTION,
        "Cũng tại buổi gặp mặt, các đại biểu đã quyên góp, ủng hộ nhân dân các tỉnh miền"
        " Trung khắc phục hậu quả mưa lũ, sớm ổn định cuộc sống.",
        "\xa0",
        "Đánh giá của bạn:",
        "Mời các bạn tham gia vào Diễn đàn chuyên sâu: Doanh nhân, Doanh nghiệp.",
        "Mời các bạn tham gia vào group Diễn đàn Doanh nghiệp để thảo luận và cập nhật tin tức.",
        "Bạn đang đọc bài viết Văn phòng Thành ủy Hà Nội: Xây dựng đội ngũ cán bộ năng lực,"
        " trách nhiệm, chuyên nghiệp tại chuyên mục Chính trị - Xã hội của Báo Diễn đàn doanh"
        " nghiệp. Liên hệ cung cấp thông tin: email toasoan@dddn.com.vn\nBình luận\n"
        "Bạn còn /500 ký tự\nXếp theo: Thời gian | Số người thích",
    ]
)


ARTICLE = """\
Giá lúa gạo tăng mạnh tại Đồng bằng sông Cửu Long

Giá lúa tại nhiều tỉnh miền Tây tăng 300 đồng mỗi ký trong tuần qua.

Thương lái cho biết nhu cầu xuất khẩu sang Philippines tăng cao.
"""


def read_one(path: Path) -> Article | Failure:
    """Read a one-article file and return its single result."""
    results = list(read_file(path))
    assert len(results) == 1, results
    return results[0]


def article(path: Path) -> Article:
    """Read a file that must give an Article."""
    result = read_one(path)
    assert isinstance(result, Article), result
    return result


def failure(path: Path) -> Failure:
    """Read a file that must give a Failure."""
    result = read_one(path)
    assert isinstance(result, Failure), result
    return result


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# A site's page ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory) -> Path:
    # the file's stem already is an archive id
    path = tmp_path_factory.mktemp("archive") / "000_a2f437a417b6f8e8.txt"
    path.write_text(SAMPLE_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> Article:
    return article(sample_path)


def test_sample_title_and_id(sample: Article) -> None:
    assert sample.title == (
        "Văn phòng Thành ủy Hà Nội: Xây dựng đội ngũ cán bộ năng lực, trách nhiệm, chuyên nghiệp"
    )
    assert sample.id == "000_a2f437a417b6f8e8"  # the stem already is an archive id


def test_sample_site_name_removed_from_lead(sample: Article) -> None:
    assert SAMPLE_TEXT.count("Enternews.vn Bên cạnh") == 1
    assert sample.body.startswith("Bên cạnh việc tiếp tục xây dựng đội ngũ cán bộ")
    assert "Enternews.vn" not in sample.body


def test_sample_repeated_caption_kept_once(sample: Article) -> None:
    assert SAMPLE_TEXT.split("\n").count(CAPTION) == 2
    assert sample.body.split("\n").count(CAPTION) == 1


def test_sample_near_duplicates_kept(sample: Article) -> None:
    paragraphs = sample.body.split("\n")
    stressed = [p for p in paragraphs if "Thành ủy nhấn mạnh tại Lễ kỷ niệm" in p]
    spoke = [p for p in paragraphs if "Thành ủy phát biểu tại Lễ kỷ niệm" in p]
    assert len(stressed) == 2  # the lead's long form and the caption differ: both stay
    assert len(spoke) == 1


def test_sample_boilerplate_cut(sample: Article) -> None:
    for furniture in ("Đánh giá của bạn", "Mời các bạn", "Bạn đang đọc", "Bình luận", "/500 ký tự"):
        assert furniture not in sample.body
    assert "toasoan@dddn.com.vn" not in sample.body
    assert "\xa0" not in sample.body
    assert sample.body.endswith("khắc phục hậu quả mưa lũ, sớm ổn định cuộc sống.")


def test_sample_category_and_outlet_from_reading_line(sample: Article) -> None:
    assert sample.category == "Chính trị - Xã hội"
    assert sample.source == "Báo Diễn đàn doanh nghiệp"
    assert sample.url is None
    assert sample.published is None


# Header block ---------------------------------------------------------------------------


def test_header_block(tmp_path: Path) -> None:
    text = (
        "url: https://enternews.vn/gia-lua-tang-123.html\n"
        "published: 31/10/2020\n"
        "source: Enternews\n"
        "category: Thị trường\n"
        "\n" + ARTICLE + "Bạn đang đọc bài viết Giá lúa tại chuyên mục Kinh tế của Báo Khác.\n"
    )
    got = article(write(tmp_path, "gia-lua.txt", text))
    assert got.title == "Giá lúa gạo tăng mạnh tại Đồng bằng sông Cửu Long"
    assert got.url == "https://enternews.vn/gia-lua-tang-123.html"
    assert got.published == dt.date(2020, 10, 31)
    # The header wins over what the text says.
    assert (got.source, got.category) == ("Enternews", "Thị trường")
    expected = "u" + hashlib.sha1(got.url.encode()).hexdigest()[:16]
    assert got.id == expected
    assert got.body.split("\n") == [
        "Giá lúa tại nhiều tỉnh miền Tây tăng 300 đồng mỗi ký trong tuần qua.",
        "Thương lái cho biết nhu cầu xuất khẩu sang Philippines tăng cao.",
    ]


def test_header_id_wins(tmp_path: Path) -> None:
    text = "id: bai-001\nurl: https://a.vn/x.html\n\n" + ARTICLE
    assert article(write(tmp_path, "x.txt", text)).id == "bai-001"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-10-31", dt.date(2020, 10, 31)),
        ("31/10/2020", dt.date(2020, 10, 31)),
        ("2020-10-31T08:15:00", dt.date(2020, 10, 31)),
        # An instant in UTC late in the evening is already the next day in Vietnam.
        ("2020-10-31T20:00:00+00:00", dt.date(2020, 11, 1)),
        ("không rõ", None),
    ],
)
def test_header_published_formats(tmp_path: Path, value: str, expected: dt.date | None) -> None:
    got = article(write(tmp_path, "x.txt", f"published: {value}\n\n{ARTICLE}"))
    assert got.published == expected
    assert got.title.startswith("Giá lúa gạo")


def test_category_and_source_from_reading_line_fill_gaps(tmp_path: Path) -> None:
    text = (
        "source: Báo Nông nghiệp\n\n"
        + ARTICLE
        + ("Bạn đang đọc bài viết Giá lúa tại chuyên mục Kinh tế của Báo Khác. Liên hệ: a@b.vn\n")
    )
    got = article(write(tmp_path, "x.txt", text))
    assert (got.source, got.category) == ("Báo Nông nghiệp", "Kinh tế")
    assert "Bạn đang đọc" not in got.body


# Ids ------------------------------------------------------------------------------------


def test_id_from_path_when_stem_is_not_an_archive_id(tmp_path: Path) -> None:
    path = write(tmp_path, "gia-lua.txt", ARTICLE)
    expected = "f" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    assert article(path).id == expected


def test_id_is_the_stem_when_it_looks_like_an_archive_id(tmp_path: Path) -> None:
    assert article(write(tmp_path, "017_9c0ffee1234abcd5.txt", ARTICLE)).id == (
        "017_9c0ffee1234abcd5"
    )


# Boilerplate ----------------------------------------------------------------------------


def test_24h_ui_prefix_and_source_link_removed_byline_kept(tmp_path: Path) -> None:
    text = (
        "Tàu hỏa Bắc Nam chạy thêm chuyến dịp Tết\n"
        "Lưu bài viết thành công Bạn có thể xem lại bài viết đã lưu ở trangTin bài đã lưu"
        "Ngành đường sắt tăng cường 20 đoàn tàu phục vụ hành khách về quê ăn Tết.\n"
        "Vé được bán trực tuyến từ ngày 1/12.\n"
        "Theo TTXVN\n"
        "Nguồn: [Link nguồn]\n"
    )
    got = article(write(tmp_path, "tau.txt", text))
    assert got.body.split("\n") == [
        "Ngành đường sắt tăng cường 20 đoàn tàu phục vụ hành khách về quê ăn Tết.",
        "Vé được bán trực tuyến từ ngày 1/12.",
        "Theo TTXVN",
    ]


@pytest.mark.parametrize("marker", ["Tin liên quan", "TIN LIÊN QUAN", "Bình luận"])
def test_tail_starter_cuts_what_follows(tmp_path: Path, marker: str) -> None:
    text = ARTICLE + f"{marker}\nGiá heo hơi giảm sâu\nXuất khẩu cà phê lập kỷ lục\n"
    got = article(write(tmp_path, "x.txt", text))
    assert got.body.endswith("nhu cầu xuất khẩu sang Philippines tăng cao.")
    assert "Giá heo hơi" not in got.body


def test_lead_site_prefix_with_dash(tmp_path: Path) -> None:
    text = "Mưa lớn ở miền Trung\n\nVnExpress.net - Mưa lớn kéo dài khiến nhiều nơi ngập sâu.\n"
    got = article(write(tmp_path, "x.txt", text))
    assert got.body == "Mưa lớn kéo dài khiến nhiều nơi ngập sâu."
    assert got.source == "vnexpress.net"  # nothing better named the outlet


def test_only_exact_repeats_dropped_case_and_spacing_ignored(tmp_path: Path) -> None:
    text = (
        "Bão số 9 đổ bộ\n\nẢnh: Người dân chằng chống nhà cửa.\nGió giật cấp 12.\n"
        "ẢNH:  người dân chằng chống nhà cửa.\nGió giật cấp 13.\n"
    )
    got = article(write(tmp_path, "x.txt", text))
    assert got.body.split("\n") == [
        "Ảnh: Người dân chằng chống nhà cửa.",
        "Gió giật cấp 12.",
        "Gió giật cấp 13.",
    ]


def test_title_bounded(tmp_path: Path) -> None:
    got = article(write(tmp_path, "x.txt", "Tin " * 400 + "\n\nNội dung ngắn.\n"))
    assert len(got.title) <= 500


# Encodings and bad files ----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le", "utf-8-sig"])
def test_utf16_and_bom_files(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "x.txt"
    data = ARTICLE.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # with a byte-order mark; utf-16-le stays BOM-less
    path.write_bytes(data)
    got = article(path)
    assert got.title == "Giá lúa gạo tăng mạnh tại Đồng bằng sông Cửu Long"
    assert got.body.startswith("Giá lúa tại nhiều tỉnh")


def test_windows_line_ends_zero_width_and_decomposed_text_cleaned(tmp_path: Path) -> None:
    text = unicodedata.normalize("NFD", "Hà Nội\r\n\r\nTrời\u200b mưa\x07 to.\r\n \xa0 \r\n")
    got = article(write(tmp_path, "x.txt", text))
    assert (got.title, got.body) == ("Hà Nội", "Trời mưa to.")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "anh.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert failure(path) == Failure("anh.txt", "binary file (NUL bytes)")


def test_latin1_file(tmp_path: Path) -> None:
    path = tmp_path / "cu.txt"
    path.write_bytes("Cà phê Hà Nôi\n\nGiá cà phê cao.\n".encode("latin-1"))
    got = failure(path)
    assert got.origin == "cu.txt"
    assert got.reason.startswith("not UTF-8 or UTF-16 text")


@pytest.mark.parametrize("content", [b"", b"  \n\n \r\n", "\ufeff\n".encode()])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "rong.txt"
    path.write_bytes(content)
    assert failure(path) == Failure("rong.txt", "empty file")


def test_title_without_body(tmp_path: Path) -> None:
    text = "Chỉ có tiêu đề\n\nĐánh giá của bạn:\nBình luận\n"
    assert failure(write(tmp_path, "x.txt", text)) == Failure("x.txt", "no article text")


def test_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "lon.txt"
    with path.open("wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse: instant, no disk used
    assert failure(path) == Failure(
        "lon.txt", "file is 104.9 MB, over the 10 MB limit for one article"
    )


def test_missing_file_is_a_failure_not_an_exception(tmp_path: Path) -> None:
    got = failure(tmp_path / "khong-co.txt")
    assert got.origin == "khong-co.txt"
    assert got.reason.startswith("cannot read the file")
