"""Suggested questions: key phrases of headlines, kept only when they find their article."""

from __future__ import annotations

import pytest

from bot.suggest import Suggestions, key_phrase, suggest
from index.analysis import Analyzer

ANALYZER = Analyzer()


@pytest.mark.parametrize(
    ("title", "phrase"),
    [
        # names stay whole, and count for more than common words
        ("Diễn viên Vân Sơn đóng phim sau 25 năm", "Diễn viên Vân Sơn"),
        ("Hải Phòng hỗ trợ gần 50.000 vé xe cho công nhân về quê ăn Tết", "Hải Phòng hỗ trợ"),
        ("Triển lãm ảnh về cuộc đời bà Nguyễn Thị Bình", "Nguyễn Thị Bình"),
        ("HLV CLB Ninh Bình bị cấm 2 trận sau khi chỉ trích trọng tài", "HLV CLB Ninh Bình"),
        ("TV 8K bên bờ vực biến mất", "TV 8K"),
        # the title's own spelling, not the index's tone-mark style
        ("Văn phòng Thành ủy Hà Nội: Xây dựng đội ngũ cán bộ", "Thành ủy Hà Nội"),
        # never ending on a function word or a bare number
        (
            "Hộ kinh doanh phải dùng tài khoản ngân hàng đúng tên đăng ký từ 1/3",
            "tài khoản ngân hàng",
        ),
        ("Anh tin mình xứng đáng với sự chờ đợi của em", "xứng đáng"),
    ],
)
def test_key_phrases_of_headlines(title, phrase):
    assert key_phrase(title, ANALYZER.terms(title)) == phrase


def test_suggestions_come_from_the_newest_articles_and_find_them(news_index):
    questions = suggest(news_index)
    assert questions == ["Toàn văn báo cáo", "đổ bộ vào miền Trung", "Khánh thành công viên"]
    newest = {a.id for a in news_index.latest(40)}
    for question in questions:
        hits = news_index.search(question, k=3).hits
        assert any(
            h.article.id in newest and question.lower() in h.article.title.lower() for h in hits
        )


def test_suggestions_are_kept_a_while(news_index, monkeypatch):
    cached = Suggestions(news_index, keep=600)
    first = cached.get()
    monkeypatch.setattr(news_index, "latest", lambda k: [])  # would empty them if asked again
    assert cached.get() == first
    assert Suggestions(news_index, keep=600).get() == []
