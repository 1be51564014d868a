"""conversation.service: one ranked list per question, paged, read by number, bounded."""

from __future__ import annotations

import ast
import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conversation import DEPTH, Answers, Conversation
from index import UnknownSource
from index.models import Article
from index.search import SearchIndex
from storage import open_database

ROOT = Path(__file__).resolve().parents[2]
PLACES = ["Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ", "Nha Trang", "Vinh", "Hải Phòng"]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """70 dated articles about rain, each headline its own story, none from today."""
    today = dt.date.today()
    index = SearchIndex.open(tmp_path_factory.mktemp("rain"))
    index.add(
        [
            Article(
                f"mua-{i}",
                f"Mưa lớn tại {PLACES[i % 7]} đợt {i} kéo dài {i % 9 + 2} giờ liền",
                f"Mưa lớn đợt {i} ở {PLACES[i % 7]}. "
                + "Nước ngập nhiều tuyến phố. " * (i % 4)
                + ("Lũ quét cuốn trôi cầu treo. " if i < 3 else ""),
                source=["Tuổi Trẻ", "VnExpress"][i % 2],
                published=today - dt.timedelta(days=1 + (i * 11) % 60),
            )
            for i in range(70)
        ]
    )
    yield index
    index.close()


@pytest.fixture
def talk(index):
    database = open_database(":memory:")
    yield Conversation(index, Answers(database))
    database.close()


def test_pages_of_a_time_word_question_are_one_list(talk):
    first = talk.ask(1, "mưa lớn hôm nay")
    assert first.result.period_empty and first.more and len(first.qid) == 12
    pages = [first] + [talk.page(1, first.qid, start) for start in range(5, DEPTH, 5)]
    ids = [h.article.id for p in pages for h in p.result.hits]
    assert len(ids) == DEPTH == len(set(ids))  # ten pages, no article twice
    assert [p.number for p in pages] == list(range(10)) and not pages[-1].more
    assert all(p.pages == 10 for p in pages[2:])
    for n, article_id in enumerate(ids, 1):  # a number opens the article listed under it
        assert talk.numbered(1, first.qid, n).id == article_id
    assert talk.numbered(1, first.qid, DEPTH + 1) is None
    # the excerpts are the search's own, whichever page they are on
    assert first.result.hits[0].excerpt == talk.page(1, first.qid, 0).result.hits[0].excerpt


def test_the_list_is_ranked_twice_at_most(talk, index, monkeypatch):
    calls = []
    search = index.search
    monkeypatch.setattr(index, "search", lambda *a, **k: calls.append(k or a) or search(*a, **k))
    qid = talk.ask(1, "mưa lớn").qid
    assert len(calls) == 1
    for start in (45, 5, 45, 10_000, 20):
        talk.page(1, qid, start)
    assert len(calls) == 2  # the rest of the list once, to the depth
    deepest = talk.page(1, qid, 10_000)  # past the end: the last page
    assert deepest.result.offset == DEPTH - 5 and deepest.result.hits


def test_presses_of_one_list_at_once_rank_it_once(talk, index, monkeypatch):
    qid = talk.ask(1, "mưa lớn").qid
    calls = []
    search = index.search

    def slow(*args, **kwargs):
        calls.append(args)
        time.sleep(0.2)  # while it ranks, the other presses arrive
        return search(*args, **kwargs)

    monkeypatch.setattr(index, "search", slow)
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda start: talk.page(1, qid, start), [45, 40, 45, 30] * 2))
    assert len(calls) == 1
    assert [p.result.offset for p in pages] == [45, 40, 45, 30] * 2


def test_a_short_list_is_whole_and_past_its_end_is_its_last_page(talk):
    page = talk.ask(3, "lũ quét cầu treo")
    assert len(page.result.hits) == 3 and page.pages == 1 and not page.more
    last = talk.page(3, page.qid, 500)
    assert last.result.offset == 0 and [h.article.id for h in last.result.hits] == [
        h.article.id for h in page.result.hits
    ]


def test_another_owner_and_empty_or_unknown_questions(talk):
    qid = talk.ask(1, "mưa lớn").qid
    assert talk.page(2, qid, 5) is None and talk.numbered(2, qid, 1) is None
    assert talk.ask(1, "   ") is None
    with pytest.raises(UnknownSource):
        talk.ask(1, "mưa nguồn:dantri")
    kept = talk.ask(1, "mưa nguồn:vnexpress")
    assert {h.article.source for h in talk.page(1, kept.qid, 5).result.hits} == {"VnExpress"}


def test_the_conversation_knows_nothing_of_telegram():
    for path in (ROOT / "conversation").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and not node.level:
                top = (node.module or "").split(".")[0]
                assert top not in ("telegram", "bot", "feeds"), path.name
                if top == "index":  # its public API only
                    assert node.module == "index", path.name
            elif isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "telegram" for a in node.names)
        assert len(path.read_text().splitlines()) <= 400
