"""A question with a time word and more than five pages of answers, none dated in its period.

"giá xăng hôm nay" on these articles takes the search's period path (nothing from today:
the newest strong matches first), the path whose pages used to repeat articles.
"""

from __future__ import annotations

import datetime as dt

from index.models import Article

QUESTION = "giá xăng hôm nay"
MOVES = ["tăng mạnh", "giảm nhẹ", "đứng yên", "tăng nhẹ", "giảm sâu", "chững lại"]
PLACES = ["Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ", "Nha Trang", "Vinh", "Hải Phòng"]


def fuel_articles(n: int = 60, today: dt.date | None = None) -> list[Article]:
    """n articles about fuel prices, dated from yesterday back, each headline its own story."""
    today = today or dt.date.today()
    return [
        Article(
            f"xang-{i}",
            f"Giá xăng {MOVES[i % 6]} tại {PLACES[i % 7]} kỳ điều chỉnh {i} lúc {i % 12 + 8} giờ",
            f"Giá xăng RON95 {MOVES[i % 6]} {i * 10} đồng mỗi lít tại {PLACES[i % 7]}. "
            + ("Giá dầu diesel cũng thay đổi theo giá thế giới. " * (1 + i % 3)),
            source=["Tuổi Trẻ", "VnExpress", "Thanh Niên"][i % 3],
            published=today - dt.timedelta(days=1 + (i * 7) % 40),
        )
        for i in range(n)
    ]
