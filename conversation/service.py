"""The conversation over the archive, with no Telegram in it: ask, page, read, latest.

Telegram (bot/handlers.py, inline mode) and the terminal (`newsbot chat`) both talk through
a Conversation, and render what it returns. A question is ranked once and its list kept
(answers.py); every page, button and number reads that list, so a page never repeats an
article of another and a number always opens the article shown under it::

    talk = Conversation(index, Answers(database))
    page = talk.ask(chat_id, "giá vàng hôm nay")          # UnknownSource: a nguồn: none has
    page = talk.page(chat_id, page.qid, 5)                # the next five, None when expired
    article = talk.numbered(chat_id, page.qid, 7)         # result 7, as it was listed
"""

from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass

from index import (
    Article,
    SearchIndex,
    SearchResult,
    UnknownSource,
    page_hits,
)

from .answers import Answers, Kept
from .questions import clip_query

__all__ = ["DEPTH", "FIRST", "PAGE_SIZE", "Conversation", "Page"]

PAGE_SIZE = 5
# Results ranked with the question: two pages of five, or one inline page of ten. Most
# readers stop there; the rest of the list is ranked once, the first time it is asked for.
FIRST = 10
# The most a question's list holds (ten pages): a page or number past it does not exist, so
# no press, forged or not, makes a search rank deeper than this.
DEPTH = 50


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a question's kept list: its hits numbered from result.offset + 1."""

    qid: str
    result: SearchResult  # this page's hits; total, notes and period as the question got them
    cut: bool  # the question was cut to MAX_QUERY_CHARS
    size: int  # results a page holds
    pages: int  # pages of the list (while it is still short: as many as total promises)
    more: bool  # another page follows

    @property
    def number(self) -> int:
        """The page's number, from 0."""
        return self.result.offset // self.size


class Conversation:
    """Questions ranked once, pages of their kept lists, articles by id or by number."""

    def __init__(
        self, index: SearchIndex, answers: Answers, *, first: int = FIRST, depth: int = DEPTH
    ):
        self.index = index
        self.answers = answers
        self.first = first
        self.depth = depth
        self._guard = threading.Lock()
        self._ranking: dict[str, threading.Lock] = {}  # lists being ranked deeper, by id

    def ask(self, owner: int, question: str, size: int = PAGE_SIZE) -> Page | None:
        """Rank a question, keep its list for owner, and give its first page.

        None for an empty question; UnknownSource for an outlet the archive lacks.
        """
        text, cut = clip_query(question)
        if not text:
            return None
        result = self.index.search_text(text, max(self.first, size), 0)
        ranked = tuple((h.article.id, h.score, tuple(h.also)) for h in result.hits)
        kept = Kept(
            text,
            cut,
            dataclasses.replace(result, hits=()),
            ranked,
            complete=len(ranked) < max(self.first, size),
        )
        qid = self.answers.keep(owner, kept)
        return self._page(qid, kept, 0, size, result.hits[:size])

    def page(self, owner: int, qid: str, start: int, size: int = PAGE_SIZE) -> Page | None:
        """The results from start of owner's question qid (the last page past its end).

        None when the list expired, or is not owner's.
        """
        kept = self.answers.get(owner, qid)
        if kept is None:
            return None
        kept = self._reach(owner, qid, kept, start + size)
        last = max(0, math.ceil(len(kept.ranked) / size) - 1) * size
        start = min(max(0, start), last)
        chosen = kept.ranked[start : start + size]
        hits = page_hits(self.index, kept.text, chosen, lead=start == 0)
        return self._page(qid, kept, start, size, hits)

    def numbered(self, owner: int, qid: str, n: int) -> Article | None:
        """Result n (from 1) of owner's question, as its page lists it; None past the list."""
        kept = self.answers.get(owner, qid)
        if kept is None or not 1 <= n <= self.depth:
            return None
        kept = self._reach(owner, qid, kept, n)
        return self.read(kept.ranked[n - 1][0]) if n <= len(kept.ranked) else None

    def read(self, article_id: str) -> Article | None:
        """An article by id."""
        return self.index.get(article_id)

    def latest(self, k: int = PAGE_SIZE) -> list[Article]:
        """The newest articles."""
        return self.index.latest(k)

    def _reach(self, owner: int, qid: str, kept: Kept, needed: int) -> Kept:
        """The list ranked deep enough for `needed` results: once, to the depth, kept."""
        if kept.complete or len(kept.ranked) >= needed:
            return kept
        with self._guard:
            lock = self._ranking.setdefault(qid, threading.Lock())
        try:
            with lock:  # presses of one list at once rank it once; the others read the result
                again = self.answers.get(owner, qid) or kept
                return again if again.complete else self._deeper(qid, again)
        finally:
            with self._guard:
                self._ranking.pop(qid, None)

    def _deeper(self, qid: str, kept: Kept) -> Kept:
        """The list ranked to the depth, what is new appended, kept whole."""
        try:
            deeper = self.index.search_text(kept.text, self.depth, 0)
        except UnknownSource:  # the outlet left the archive since: the list stays as it is
            deeper = dataclasses.replace(kept.result, hits=())
        # appended, never reordered: what was shown keeps its number
        seen = {r[0] for r in kept.ranked}
        more = tuple(
            (h.article.id, h.score, tuple(h.also)) for h in deeper.hits if h.article.id not in seen
        )
        kept = dataclasses.replace(kept, ranked=(kept.ranked + more)[: self.depth], complete=True)
        self.answers.update(qid, kept)
        return kept

    def _page(self, qid: str, kept: Kept, start: int, size: int, hits) -> Page:
        listed = len(kept.ranked)
        if kept.complete:
            pages = math.ceil(listed / size)
        else:  # still short: as many as the search's total promises, up to the depth
            pages = min(math.ceil(kept.result.total / size), math.ceil(self.depth / size))
        reach = listed if kept.complete else min(self.depth, kept.result.total)
        more = start + size < max(listed, reach)
        result = dataclasses.replace(kept.result, query=kept.text, hits=tuple(hits), offset=start)
        return Page(qid, result, kept.cut, size, max(pages, 1), more)
