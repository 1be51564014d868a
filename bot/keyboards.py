"""Inline keyboards: paging results, reading an article in full (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from index import SearchResult

from .parse import MAX_PAGES, PAGE_SIZE, page_data, read_data
from .texts import Texts

__all__ = ["push_keyboard", "read_keyboard", "results_keyboard"]


def results_keyboard(
    result: SearchResult, t: Texts, qid: str, tokens: Sequence[str]
) -> InlineKeyboardMarkup | None:
    """Read-in-full buttons for the page's articles, then previous/next page buttons."""
    if not result.hits:
        return None
    first = result.offset + 1
    rows = [
        [
            InlineKeyboardButton(t.read_button.format(n=n), callback_data=read_data(token))
            for n, token in enumerate(tokens, first)
        ]
    ]
    page = result.offset // PAGE_SIZE
    pages = min(-(-result.total // PAGE_SIZE), MAX_PAGES)
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(t.previous, callback_data=page_data(qid, page - 1)))
    if pages > 1:
        nav.append(
            InlineKeyboardButton(
                t.page.format(page=page + 1, pages=pages), callback_data=page_data(qid, page)
            )
        )
    if result.offset + len(result.hits) < result.total and page + 1 < MAX_PAGES:
        nav.append(InlineKeyboardButton(t.next, callback_data=page_data(qid, page + 1)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def read_keyboard(tokens: Sequence[str], t: Texts, first: int = 1) -> InlineKeyboardMarkup | None:
    """A row of read-in-full buttons."""
    if not tokens:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t.read_button.format(n=n), callback_data=read_data(token))
                for n, token in enumerate(tokens, first)
            ]
        ]
    )


def push_keyboard(token: str, t: Texts) -> InlineKeyboardMarkup:
    """The read-in-full button under a pushed article."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.read_full, callback_data=read_data(token))]]
    )
