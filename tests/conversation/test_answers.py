"""conversation.answers: kept lists under ids nobody can guess, for their owner only."""

from __future__ import annotations

import datetime as dt

from conversation import KEEP_SECONDS, Answers, Kept
from index.models import SearchResult
from storage import open_database


def kept(n: int = 3) -> Kept:
    head = SearchResult(
        "giá vàng hôm nay nguồn:vnexpress",
        (),
        total=120,
        folded=True,
        date_from=dt.date(2026, 12, 6),
        date_to=dt.date(2026, 12, 6),
        partial=True,
        period_empty=True,
    )
    ranked = tuple((f"bài/{i}", 9.5 - i, ("Tuổi Trẻ",) if i else ()) for i in range(n))
    return Kept(head.query, False, head, ranked, complete=False)


def test_a_list_comes_back_whole_to_its_owner_only(database_target):
    database = open_database(database_target)  # a SQLite file, then PostgreSQL
    answers = Answers(database)
    chat, other = -1001234567890, 42  # a supergroup id needs 64 bits
    qid = answers.keep(chat, kept())
    assert answers.get(chat, qid) == kept()  # the period, notes and order survive
    assert answers.get(other, qid) is None  # another chat's id finds nothing
    assert answers.get(chat, "zzzzzzzzzzzz") is None
    ids = {answers.keep(chat, kept()) for _ in range(50)}
    assert len(ids) == 50 and all(len(q) == 12 and q.isalnum() and q.islower() for q in ids)
    longer = kept(40)
    answers.update(qid, longer)
    assert answers.get(chat, qid).ranked == longer.ranked
    database.close()


def test_lists_expire_and_are_swept(tmp_path):
    now = [1_000_000.0]
    database = open_database(tmp_path / "bot.db")
    answers = Answers(database, clock=lambda: now[0])
    old = answers.keep(7, kept())
    now[0] += KEEP_SECONDS + 1
    assert answers.get(7, old) is None  # expired: its buttons say so
    for _ in range(100):  # the next sweep removes it
        answers.keep(7, kept())
    assert database.one("SELECT 1 FROM answers WHERE qid = ?", (old,)) is None
    database.close()
