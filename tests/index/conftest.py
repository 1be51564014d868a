"""Small Vietnamese articles written for the tests, and indexes built from them."""

import datetime as dt

import pytest

from index.models import Article
from index.search import SearchIndex

ARTICLES = [
    Article(
        "vp-thanh-uy",
        "Văn phòng Thành ủy Hà Nội kỷ niệm 90 năm truyền thống",
        "Văn phòng Thành uỷ Hà Nội tổ chức lễ kỷ niệm 90 năm ngày truyền thống.\n"
        "Phó Bí thư Thường trực Thành ủy phát biểu tại buổi lễ.",
        url="https://example.vn/vp-thanh-uy",
        published=dt.date(2020, 10, 31),
        source="Báo Diễn đàn doanh nghiệp",
        category="Chính trị - Xã hội",
    ),
    Article(
        "gia-vang",
        "Giá vàng hôm nay tăng mạnh",
        "Giá vàng SJC tăng 200 nghìn đồng mỗi lượng trong phiên sáng nay.\n"
        "Thị trường vàng thế giới cũng đi lên do đồng USD suy yếu.",
        published=dt.date(2021, 3, 2),
        source="vnexpress.net",
    ),
    Article(
        "bao-so-5",
        "Bão số 5 đổ bộ vào miền Trung",
        "Cơn bão số 5 đổ bộ vào các tỉnh miền Trung gây mưa lớn.\n"
        "Nhiều tuyến đường bị ngập sâu, người dân được sơ tán.",
        published=dt.date(2020, 9, 18),
        source="dantri.com.vn",
    ),
    Article(
        "bao-chi",
        "Báo chí cách mạng Việt Nam tròn 95 năm",
        "Ngày Báo chí cách mạng Việt Nam được kỷ niệm tại Hà Nội.\n"
        "Các nhà báo nhận giải thưởng báo chí quốc gia.",
        published=dt.date(2020, 6, 21),
        source="thanhnien.vn",
    ),
    Article(
        "hoa-binh",
        "Đàm phán hòa bình ở Trung Đông",
        "Các bên nối lại đàm phán hòa bình tại Cairo sau nhiều tháng gián đoạn.",
        published=dt.date(2021, 1, 5),
        source="vnexpress.net",
    ),
    Article(
        "bong-da",
        "Đội tuyển Việt Nam thắng 2-0",
        "Đội tuyển bóng đá Việt Nam thắng Indonesia 2-0 tại vòng loại World Cup.\n"
        "Huấn luyện viên khen ngợi tinh thần các cầu thủ.",
        published=dt.date(2021, 6, 7),
        source="24h.com.vn",
    ),
    Article(
        "xang-dau",
        "Giá xăng dầu giảm lần thứ ba",
        "Giá xăng dầu trong nước giảm từ 15 giờ chiều nay theo quyết định liên bộ.",
        published=dt.date(2021, 4, 12),
        source="vnexpress.net",
    ),
    Article(
        "hoc-sinh",
        "Học sinh Hà Nội đi học trở lại",
        "Học sinh các cấp tại Hà Nội đi học trực tiếp từ tuần sau.\n"
        "Các trường đã chuẩn bị phương án phòng dịch.",
        published=dt.date(2021, 2, 1),
        source="dantri.com.vn",
    ),
]


@pytest.fixture
def articles():
    return list(ARTICLES)


@pytest.fixture
def index(open_index, tmp_path, articles):
    idx = open_index(tmp_path / "data")
    idx.add(articles)
    yield idx
    idx.close()


@pytest.fixture
def embedded_index(tmp_path, articles):
    """The embedded engine alone, for what only it does (the exact mode, its segments)."""
    idx = SearchIndex.open(tmp_path / "data")
    idx.add(articles)
    yield idx
    idx.close()
