"""`newsbot search`'s result for people in a terminal, read from the result views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from bot.views import ResultView
from index import SearchResult

__all__ = ["print_result"]


def _marked(view: ResultView, bold: bool) -> str:
    text, pieces, last = view.excerpt, [], 0
    on, off = ("\033[1m", "\033[0m") if bold else ("«", "»")
    for a, b in view.spans:
        pieces += [text[last:a], on, text[a:b], off]
        last = b
    return "".join(pieces) + text[last:]


def print_result(result: SearchResult, views: Sequence[ResultView], out: TextIO) -> None:
    """A result for people: numbered titles, outlet and date, link, excerpt."""
    if not views:
        print(f"No article matches “{result.query}”.", file=out)
        return
    bold = getattr(out, "isatty", lambda: False)()
    note = " (without diacritics)" if result.folded else ""
    if result.partial:
        print(
            f"No article holds the main words of “{result.query}”; partial matches{note}:", file=out
        )
    else:
        print(f"{result.total:,} articles match “{result.query}”{note}:", file=out)
    if result.period_empty:
        print(
            f"None of them is dated {result.date_from} to {result.date_to}"
            + ("; newest first." if result.newest_first else "; best matches first."),
            file=out,
        )
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
