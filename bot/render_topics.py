"""Topics, pushes, digests and feeds as messages (pure; render.py holds the shared parts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from feeds import Feed
from index import Article, Clause, Excerpt, Topic

from .render import (
    HTML,
    LATEST_LEAD,
    MAX_EXCERPT,
    MAX_MESSAGE,
    MAX_META,
    Style,
    clamp,
    entry,
    marked,
    meta_line,
    title_html,
    visible_len,
)
from .texts import Texts
from .views import view_of

__all__ = [
    "MAX_DIGEST_ITEMS",
    "Push",
    "digest",
    "feeds",
    "followed",
    "push",
    "push_list",
    "rule",
    "subscription_mode",
    "topics",
]

MAX_DIGEST_ITEMS = 100  # a digest lists this many articles and counts the rest


@dataclass(frozen=True, slots=True)
class Push:
    """An article owed to a chat: what links to it, the topic and the phrase that caught it."""

    article: Article
    link: str | None
    topic: str
    matched: str | None = None  # the alternative of the topic that caught it, as typed
    passage: Excerpt | None = None  # the sentence it stands in, the phrase marked


def subscription_mode(t: Texts, hour: int | None, zone: str) -> str:
    """How a chat gets its articles, in words."""
    return t.mode_instant if hour is None else t.mode_digest.format(hour=hour, zone=zone)


def followed(
    topic: str,
    recent: Sequence[Article],
    links: Sequence[str | None],
    t: Texts,
    *,
    hour: int | None,
    zone: str,
    channel: str | None = None,
    style: Style = HTML,
    passages: Sequence[Excerpt | None] = (),
    awaited: Sequence[str] = (),
) -> str:
    """The answer to a new topic: what it follows, when articles come, the latest matches.

    passages: for each recent article, the sentence where the topic's phrase stands;
    awaited: the outlets it names that no article has come from yet.
    """
    head = (
        t.followed_channel.format(topic=topic, channel=channel)
        if channel
        else t.followed.format(topic=topic)
    )
    when = t.followed_instant if hour is None else t.followed_digest.format(hour=hour, zone=zone)
    lines = [style.bold(style.escape(head)), style.escape(when)]
    if awaited:
        note = t.followed_awaited.format(sources=", ".join(awaited))
        lines.append(style.italic(style.escape(note)))
    if not recent:
        return "\n".join(lines + [style.italic(style.escape(t.followed_none))])
    marks = list(passages) + [None] * (len(recent) - len(passages))
    blocks = [
        entry(n, view_of(a, link), marked(mark, style, LATEST_LEAD * 2) if mark else "", t, style)
        for n, (a, link, mark) in enumerate(zip(recent, links, marks, strict=True), 1)
    ]
    return "\n".join(lines) + f"\n\n{style.escape(t.followed_recent)}\n" + "\n".join(blocks)


def rule(topic: Topic) -> str:
    """What a topic needs, phrase by phrase: “giá vàng” / “tỷ giá” · −“quảng cáo”."""

    def clause(c: Clause) -> str:
        return " + ".join(f"“{p.text}”" for p in c.phrases)

    parts = [" / ".join(clause(c) for c in topic.alternatives)]
    parts += ["−" + clause(c) for c in topic.exclusions]
    parts += [f"nguồn:{s}" for s in topic.sources]
    return " · ".join(parts)


def topics(
    items: Sequence[tuple[str, str] | tuple[str, str, str]],
    t: Texts,
    *,
    hour: int | None,
    zone: str,
    channel: str | None = None,
    style: Style = HTML,
) -> str:
    """A chat's numbered topics ((text, where delivered if not here[, rule()])) and how."""
    if not items:
        return style.escape(t.topics_empty)
    mode = subscription_mode(t, hour, zone)
    head = (
        t.topics_head_channel.format(channel=channel, mode=mode)
        if channel
        else t.topics_head.format(mode=mode)
    )
    lines = [style.bold(style.escape(head))]
    for n, (text, note, *more) in enumerate(items, 1):
        where = f" {style.italic(style.escape(note))}" if note else ""
        lines.append(f"{style.bold(f'{n}.')} {style.escape(text)}{where}")
        if more and more[0] and more[0] != f"“{text}”":
            lines.append(f"    {style.italic(style.escape(more[0]))}")
    return "\n".join(lines) + "\n\n" + style.italic(style.escape(t.topics_footer))


def push(item: Push, t: Texts, *, style: Style = HTML, limit: int = MAX_MESSAGE) -> str:
    """One new article: topic, phrase, title, outlet, date, the phrase's sentence; in limit."""
    a = item.article
    head = f"🔔 {style.italic(style.escape(clamp(item.topic, MAX_META)))}"
    if item.matched and item.matched != item.topic:
        head += " · " + style.escape(clamp(t.matched.format(phrase=item.matched), MAX_META))
    lines = [head]
    lines.append(
        style.bold(title_html(a, item.link, style)) if item.link else title_html(a, None, style)
    )
    meta = meta_line(a, t)
    if meta:
        lines.append(style.italic(style.escape(meta)))
    fixed = "\n".join(lines)
    room = limit - visible_len(fixed, style) - 2
    if item.passage is not None:
        lead = marked(item.passage, style, max(0, min(MAX_EXCERPT, room)))
    else:
        lead = style.escape(clamp(a.body, max(0, min(LATEST_LEAD, room))))
    return fixed + ("\n" + lead if lead and room > 0 else "")


def _line(n: int, item: Push, t: Texts, style: Style) -> str:
    meta = meta_line(item.article, t)
    tail = f" · {style.italic(style.escape(meta))}" if meta else ""
    return f"{style.bold(f'{n}.')} {title_html(item.article, item.link, style)}{tail}"


def _pack(lines: Sequence[str], room: int, style: Style) -> list[int]:
    """How many of the lines go in each message of `room` visible UTF-16 units."""
    counts, used = [0], 0
    for line in lines:
        size = visible_len(line, style) + 1
        if counts[-1] and used + size > room:
            counts.append(0)
            used = 0
        counts[-1] += 1
        used += size
    return counts if counts[-1] else counts[:-1]


def push_list(
    items: Sequence[Push], t: Texts, *, style: Style = HTML, limit: int = MAX_MESSAGE
) -> list[tuple[str, int]]:
    """Many new articles for one chat as list messages: (text, how many items it holds)."""
    # the phrase that caught each article, when its topic has several
    caught = [i.matched if i.matched and i.matched != i.topic else i.topic for i in items]
    topics_caught = ", ".join(dict.fromkeys(caught))
    lines = [_line(n, item, t, style) for n, item in enumerate(items, 1)]
    out, start = [], 0
    for count in _pack(lines, limit - 2 * MAX_META - 40, style):
        head = t.push_list_head.format(count=count)
        about = style.italic(style.escape(clamp(topics_caught, MAX_META)))
        body = "\n".join(lines[start : start + count])
        out.append((f"🔔 {style.bold(style.escape(head))}\n{about}\n\n{body}", count))
        start += count
    return out


def digest(
    items: Sequence[Push],
    t: Texts,
    day: dt.date,
    *,
    style: Style = HTML,
    limit: int = MAX_MESSAGE,
) -> list[tuple[str, int]]:
    """The day's articles as one message, or several under `limit`: (text, items it covers)."""
    shown = items[:MAX_DIGEST_ITEMS]
    head = t.digest_head.format(date=day.strftime(t.date_format), count=len(items))
    lines = [_line(n, item, t, style) for n, item in enumerate(shown, 1)]
    if len(items) > len(shown):
        lines.append(
            style.italic(style.escape(t.digest_more.format(count=len(items) - len(shown))))
        )
    counts = _pack(lines, limit - visible_len(head, style) - 40, style)
    out, start = [], 0
    for part, count in enumerate(counts, 1):
        body = "\n".join(lines[start : start + count])
        text = f"📰 {style.bold(style.escape(head))}\n\n{body}"
        if len(counts) > 1:
            text += f"\n\n{style.italic(t.continued.format(part=part, parts=len(counts)))}"
        out.append((text, count))
        start += count
    # the "and N more" line covers the rows it counts: they are done with this digest
    if len(items) > len(shown):
        text, count = out[-1]
        out[-1] = (text, count - 1 + len(items) - len(shown))
    return out


# ---- feeds -------------------------------------------------------------------------------


def feeds(items: Sequence[Feed], t: Texts, *, style: Style = HTML, limit: int = MAX_MESSAGE) -> str:
    """The registered feeds: number, address, title, last success or the last error."""
    if not items:
        return style.escape(t.feeds_empty)
    lines = [style.bold(style.escape(t.feeds_head.format(count=len(items))))]
    for feed in items:
        when = (
            dt.datetime.fromtimestamp(feed.last_ok).strftime(t.date_format + " %H:%M")
            if feed.last_ok
            else "–"
        )
        state = f"{feed.title or '–'} · {when}"
        if feed.failures:
            state += f" · ⚠️ {feed.failures}× {feed.last_error or ''}"
        line = f"{style.bold(f'#{feed.id}')} {style.escape(feed.url)}\n    {style.italic(style.escape(clamp(state, MAX_META * 2)))}"
        if visible_len("\n".join(lines + [line]), style) > limit - 40:
            lines.append(style.escape(f"… +{len(items) - len(lines) + 1}"))
            break
        lines.append(line)
    return "\n".join(lines)


# ---- plain-text fallback -----------------------------------------------------------------
