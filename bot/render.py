"""All markup of the bot: results, articles, keyboards, inline results (pure functions).

Everything that reaches Telegram as HTML is built here, and every piece of text that this
module did not write itself (titles, excerpts, outlets, questions, URLs) goes through
`Style.escape`. The same functions render plain text for the terminal and for the resend
after Telegram refuses a message's markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode

from index import Article, Excerpt, SearchResult, web_url

from .parse import MAX_QUERY_CHARS
from .texts import Texts
from .views import ResultView, view_of

__all__ = [
    "ANSI",
    "HTML",
    "MAX_CAPTION",
    "MAX_MESSAGE",
    "PLAIN",
    "Style",
    "article",
    "clamp",
    "entry",
    "help_text",
    "inline_results",
    "latest",
    "marked",
    "meta_line",
    "no_results",
    "notice",
    "results",
    "suggestions",
    "title_html",
    "to_plain",
    "utf16_len",
    "visible_len",
    "welcome",
]

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units of the text after parsing
MAX_CAPTION = 1024  # the same for a photo's caption
# Bounds that keep a page of five results under MAX_MESSAGE whatever the archive holds.
MAX_TITLE = 180
MAX_META = 80
MAX_EXCERPT = 460  # the first answer of a question may hold 450 (index.snippets)
MAX_INLINE_DESCRIPTION = 200
MAX_ECHO = 100  # what a user typed, quoted back in a refusal
LATEST_LEAD = 160


def _escape_html(text: str) -> str:
    # only the three characters Telegram's HTML parser requires; quotes stay readable
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html_link(text: str, url: str) -> str:
    return f'<a href="{_escape_html(url).replace(chr(34), "&quot;")}">{text}</a>'


@dataclass(frozen=True, slots=True)
class Style:
    """How text is marked up; every function but escape receives already-escaped text."""

    escape: Callable[[str], str]
    bold: Callable[[str], str]
    italic: Callable[[str], str]
    link: Callable[[str, str], str]  # (escaped text, raw url)


HTML = Style(
    escape=_escape_html,
    bold=lambda s: f"<b>{s}</b>",
    italic=lambda s: f"<i>{s}</i>",
    link=_html_link,
)
PLAIN = Style(
    escape=lambda s: s,
    bold=lambda s: s,
    italic=lambda s: s,
    link=lambda s, url: f"{s} ({url})",
)
ANSI = Style(  # a terminal that shows bold
    escape=lambda s: s,
    bold=lambda s: f"\033[1m{s}\033[0m",
    italic=lambda s: s,
    link=lambda s, url: f"{s}\n   {url}",
)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def fitting(text: str, units: int) -> int:
    """How many of text's first characters fit in `units` UTF-16 units."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            return i
    return len(text)


def clamp(text: str, limit: int) -> str:
    """Text on one line, cut to limit UTF-16 units (Telegram's count) with an ellipsis."""
    text = " ".join(text.split())
    return text if utf16_len(text) <= limit else text[: fitting(text, limit - 1)].rstrip() + "…"


def echo(text: str, limit: int = MAX_ECHO) -> str:
    """What a user typed, quoted back: one line, cut to limit characters."""
    return clamp(text, limit)


def notice(text: str, style: Style = HTML, limit: int = MAX_MESSAGE) -> str:
    """A sentence of ours as a message (escaped all the same: it may quote the user).

    Never over Telegram's limit, counted as Telegram counts (UTF-16 units), whatever it quotes.
    """
    if utf16_len(text) > limit:
        text = text[: _cut(text, limit - 1)].rstrip() + "…"
    return style.escape(text)


def marked(excerpt: Excerpt, style: Style = HTML, limit: int = MAX_EXCERPT) -> str:
    """An excerpt with its matched words in bold, escaped, on one line."""
    # newlines become spaces one for one, so the spans still point at the same characters
    text = excerpt.text.replace("\r", " ").replace("\n", " ")
    cut = utf16_len(text) > limit  # Telegram's count
    if cut:
        text = text[: fitting(text, limit - 1)]
    pieces, last = [], 0
    for start, end in sorted(excerpt.spans):
        start, end = max(start, last), min(end, len(text))
        if start >= end:
            continue
        pieces.append(style.escape(text[last:start]))
        pieces.append(style.bold(style.escape(text[start:end])))
        last = end
    pieces.append(style.escape(text[last:]))
    return "".join(pieces) + ("…" if cut else "")


def meta_line(article: Article | ResultView, t: Texts, also: Sequence[str] = ()) -> str:
    """Outlet, date and the other outlets of the story, on one line."""
    date = article.published.strftime(t.date_format) if article.published else None
    # two outlets fit the line; more are counted
    named = ", ".join(also[:2]) + (f" +{len(also) - 2}" if len(also) > 2 else "")
    others = t.also_on.format(outlets=named) if also else None
    return clamp(" · ".join(x for x in (article.source, date, others) if x), MAX_META)


def title_html(article: Article | ResultView, link: str | None, style: Style) -> str:
    """The title, linked when there is a link, else bold."""
    title = style.escape(clamp(article.title, MAX_TITLE) or article.id)
    return style.link(title, link) if link else style.bold(title)


def entry(n: int, view: ResultView, body: str, t: Texts, style: Style) -> str:
    """One numbered result: linked title, outlet and date, then body (already marked up)."""
    lines = [f"{style.bold(f'{n}.')} {title_html(view, view.link, style)}"]
    meta = meta_line(view, t, view.also)
    if meta:
        lines.append(style.italic(style.escape(meta)))
    if body:
        lines.append(body)
    return "\n".join(lines)


def results(
    result: SearchResult,
    t: Texts,
    views: Sequence[ResultView],
    *,
    style: Style = HTML,
    cut: bool = False,
) -> str:
    """One page of results: a head line, then number, linked title, outlet, date, excerpt."""
    if not result.hits:
        return no_results(result, t, style=style, cut=cut)
    first = result.offset + 1
    # weak matches are said to be weak, not announced as "2,537 results"
    head = (t.partial_head if result.partial else t.results_head).format(
        first=first,
        last=result.offset + len(result.hits),
        total=f"{result.total:,}+" if result.total_capped else f"{result.total:,}",
        query=clamp(result.query, MAX_QUERY_CHARS),
    )
    parts = [f"🔎 {style.bold(style.escape(head))}"]
    notes = ([t.query_cut.format(limit=MAX_QUERY_CHARS)] if cut else []) + (
        [t.folded_note] if result.folded else []
    )
    if result.period_empty:
        notes.append(t.period_empty_note.format(period=period(result, t)))
    parts += [style.italic(style.escape(note)) for note in notes]
    blocks = [entry(n, v, marked(v.marks, style), t, style) for n, v in enumerate(views, first)]
    return "\n".join(parts) + "\n\n" + "\n\n".join(blocks)


def period(result: SearchResult, t: Texts) -> str:
    """The period a question asked about ("31/10/2020", "01/10/2020–31/10/2020")."""
    lo, hi = result.date_from, result.date_to
    if lo and hi and lo != hi:
        return f"{lo.strftime(t.date_format)}–{hi.strftime(t.date_format)}"
    day = lo or hi
    return day.strftime(t.date_format) if day else ""


def no_results(result: SearchResult, t: Texts, *, style: Style = HTML, cut: bool = False) -> str:
    """What was searched and what to try instead."""
    lines = [
        style.bold(style.escape(t.no_results.format(query=clamp(result.query, MAX_QUERY_CHARS))))
    ]
    if cut:
        lines.append(style.italic(style.escape(t.query_cut.format(limit=MAX_QUERY_CHARS))))
    lines.append(style.escape(t.no_results_hint))
    if result.folded:
        lines.append(style.escape(t.no_results_folded_hint))
    return "\n".join(lines)


def latest(
    articles: Sequence[Article], t: Texts, links: Sequence[str | None], *, style: Style = HTML
) -> str:
    """The newest articles, each with the start of its text."""
    if not articles:
        return style.escape(t.latest_empty)
    blocks = [
        entry(n, view_of(a, link), style.escape(clamp(a.body, LATEST_LEAD)), t, style)
        for n, (a, link) in enumerate(zip(articles, links, strict=True), 1)
    ]
    return f"🗞 {style.bold(style.escape(t.latest_head))}\n\n" + "\n\n".join(blocks)


def suggestions(t: Texts, questions: Sequence[str], *, style: Style = HTML) -> str:
    """Questions to try, drawn from the index; the empty archive said plainly."""
    if not questions:
        return style.italic(style.escape(t.archive_empty))
    lines = "\n".join(f"• {style.italic(style.escape(q))}" for q in questions)
    return f"{style.escape(t.suggestions_head)}\n{lines}"


def welcome(
    t: Texts, bot_username: str | None, questions: Sequence[str] = (), *, style: Style = HTML
) -> str:
    """The /start greeting with questions to try, then the help (none without a bot name)."""
    text = f"{style.escape(t.welcome)}\n\n{suggestions(t, questions, style=style)}"
    return f"{text}\n\n{help_text(t, bot_username, style=style)}" if bot_username else text


def help_text(
    t: Texts, bot_username: str, questions: Sequence[str] | None = None, *, style: Style = HTML
) -> str:
    """The /help text, after questions to try when given."""
    text = style.escape(t.help.format(bot=bot_username))
    return text if questions is None else f"{text}\n\n{suggestions(t, questions, style=style)}"


# ---- full text ---------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?…][\"”’)]*\s")


def _cut(text: str, room: int) -> int:
    """Where to cut text so its head fits in `room` UTF-16 units: a sentence end, a space, anywhere."""
    units, end = 0, 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > room:
            break
        end = i + 1
    else:
        return len(text)
    window = text[:end]
    sentence = max((m.end() for m in _SENTENCE_END.finditer(window)), default=0)
    if sentence > end // 2:
        return sentence
    space = window.rfind(" ")
    return space if space > end // 2 else max(end, 1)


def article(item: Article, t: Texts, *, style: Style = HTML, limit: int = MAX_MESSAGE) -> list[str]:
    """An article's full text as messages under `limit`, split at paragraph boundaries."""
    # A paragraph longer than a whole message is the exception: it fills the message it
    # starts in and goes on in the next, cut after a sentence (or between words).
    budget = limit - 24  # room for the "(2/3)" counter
    head = [style.bold(style.escape(clamp(item.title, 1000) or item.id))]
    meta = meta_line(item, t)
    if meta:
        head.append(style.italic(style.escape(meta)))
    url = web_url(item.url)  # the same rule as every other link
    if url:
        # in HTML the link is the URL itself; in a terminal a link style would print it twice
        head.append(style.link(style.escape(url), url) if style is HTML else style.escape(url))
    chunks: list[list[str]] = [["\n".join(head)]]
    used = visible_len(chunks[0][0], style)  # UTF-16 units in the current chunk
    for paragraph in (p.strip() for p in item.body.split("\n")):
        rest = paragraph
        while rest:
            room = budget - used - 2  # two for the blank line before the paragraph
            size = utf16_len(rest)
            if size <= room:
                chunks[-1].append(style.escape(rest))
                used += 2 + size
                break
            if size <= budget or room < budget // 4:
                chunks.append([])  # a paragraph moves whole to the next message when it can
                used = -2
                continue
            cut = _cut(rest, room)
            chunks[-1].append(style.escape(rest[:cut].rstrip()))
            chunks.append([])
            used = -2
            rest = rest[cut:].lstrip()
    texts = ["\n\n".join(c) for c in chunks if c]
    if len(texts) > 1:
        texts = [
            f"{text}\n\n{style.italic(t.continued.format(part=i, parts=len(texts)))}"
            for i, text in enumerate(texts, 1)
        ]
    return texts


def visible_len(text: str, style: Style) -> int:
    return utf16_len(html.unescape(_TAG.sub("", text)) if style is HTML else text)


# ---- inline mode -------------------------------------------------------------------------


def inline_results(
    views: Sequence[ResultView], t: Texts, tokens: Sequence[str]
) -> list[InlineQueryResultArticle]:
    """Inline answers: title, excerpt as description; choosing one posts title, link, excerpt."""
    out = []
    for view, token in zip(views, tokens, strict=True):
        meta = meta_line(view, t)
        text = title_html(view, view.link, HTML)
        text += f"\n{HTML.italic(HTML.escape(meta))}" if meta else ""
        excerpt = marked(view.marks, HTML)
        if excerpt:
            text += f"\n\n{excerpt}"
        description = clamp(view.excerpt, MAX_INLINE_DESCRIPTION)
        out.append(
            InlineQueryResultArticle(
                id=token,
                title=clamp(view.title, MAX_TITLE) or view.id,
                description=" · ".join(x for x in (meta, description) if x),
                input_message_content=InputTextMessageContent(
                    text,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                ),
            )
        )
    return out


# ---- subscriptions ---------------------------------------------------------------------

_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def to_plain(text: str, limit: int = MAX_MESSAGE) -> str:
    """HTML of this module as plain text: tags dropped, links written out when room allows."""

    def spelled(m: re.Match[str]) -> str:
        url, label = m.group(1), m.group(2)
        return label if html.unescape(label) == html.unescape(url) else f"{label} ({url})"

    plain = html.unescape(_TAG.sub("", _LINK.sub(spelled, text)))
    if utf16_len(plain) > limit:
        plain = html.unescape(_TAG.sub("", text))
    return plain
