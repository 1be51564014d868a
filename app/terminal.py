"""`newsbot search`'s result for people in a terminal, read from the result views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from bot.views import ResultView
from index import SearchResult

from .counted import counted

__all__ = ["print_result"]

MAX_ECHO = 120  # characters of the question said back (a 15 kB question is not)


def period(result: SearchResult) -> str:
    """The period a question asked about: one day, or from one day to another."""
    lo, hi = result.date_from, result.date_to
    if lo and hi and lo != hi:
        return f"{lo} to {hi}"
    return str(lo or hi)


def _marked(view: ResultView, bold: bool) -> str:
    text, pieces, last = view.excerpt, [], 0
    on, off = ("\033[1m", "\033[0m") if bold else ("«", "»")
    for a, b in view.spans:
        pieces += [text[last:a], on, text[a:b], off]
        last = b
    return "".join(pieces) + text[last:]


def print_result(result: SearchResult, views: Sequence[ResultView], out: TextIO) -> None:
    """A result for people: numbered titles, outlet and date, link, excerpt."""
    query = result.query if len(result.query) <= MAX_ECHO else result.query[: MAX_ECHO - 1] + "…"
    if not views:
        print(f"No article matches “{query}”.", file=out)
        return
    bold = getattr(out, "isatty", lambda: False)()
    note = " (without diacritics)" if result.folded else ""
    if result.partial:
        print(f"No article holds the main words of “{query}”; partial matches{note}:", file=out)
    else:
        verb = "matches" if result.total == 1 else "match"
        many = (
            f"{result.total:,}+ articles"
            if result.total_capped
            else counted(result.total, "article")
        )
        print(f"{many} {verb} “{query}”{note}:", file=out)
    if result.period_empty:
        print(f"None of them is dated {period(result)}; the best matches first.", file=out)
    print(file=out)
    for n, view in enumerate(views, result.offset + 1):
        date = view.published.isoformat() if view.published else None
        meta = " · ".join(x for x in (view.source, date) if x)
        print(f"{n}. {view.title}", file=out)
        if meta:
            print(f"   {meta}", file=out)
        # the one link rule: a URL that is no web page is never printed as the link
        print(f"   {view.link or 'id: ' + view.id}", file=out)
        print(f"   {_marked(view, bold)}\n", file=out)
