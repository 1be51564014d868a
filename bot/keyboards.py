"""Inline keyboards: paging results, reading an article in full (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from conversation import Page

from .parse import MAX_PAGES, page_data, read_data
from .texts import Texts

__all__ = ["push_keyboard", "read_button", "read_keyboard", "results_keyboard"]


def results_keyboard(page: Page, t: Texts, tokens: Sequence[str]) -> InlineKeyboardMarkup | None:
    """Read-in-full buttons for the page's articles, then previous/next page buttons."""
    if not page.result.hits:
        return None
    rows = [[read_button(token, n, t) for n, token in enumerate(tokens, page.result.offset + 1)]]
    number, pages, qid = page.number, min(page.pages, MAX_PAGES), page.qid
    nav = []
    if number > 0:
        nav.append(InlineKeyboardButton(t.previous, callback_data=page_data(qid, number - 1)))
    if pages > 1:
        label = t.page.format(page=number + 1, pages=max(pages, number + 1))
        nav.append(InlineKeyboardButton(label, callback_data=page_data(qid, number)))
    if page.more and number + 1 < MAX_PAGES:
        nav.append(InlineKeyboardButton(t.next, callback_data=page_data(qid, number + 1)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def read_button(token: str, n: int, t: Texts) -> InlineKeyboardButton:
    """The button that sends article n's full text."""
    return InlineKeyboardButton(t.read_button.format(n=n), callback_data=read_data(token))


def read_keyboard(tokens: Sequence[str], t: Texts, first: int = 1) -> InlineKeyboardMarkup | None:
    """A row of read-in-full buttons."""
    if not tokens:
        return None
    return InlineKeyboardMarkup(
        [[read_button(token, n, t) for n, token in enumerate(tokens, first)]]
    )


def push_keyboard(token: str, t: Texts) -> InlineKeyboardMarkup:
    """The read-in-full button under a pushed article."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.read_full, callback_data=read_data(token))]]
    )
