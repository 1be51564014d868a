"""The operator's handlers: /admin, /broadcast, the allowlist gate, error reports (operator.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from . import render
from .broadcast import MAX_BROADCAST
from .operator import Operator
from .sending import reply
from .services import BotContext, Services, opened_services, texts_of
from .texts import Texts

__all__ = [
    "admin_command",
    "broadcast_command",
    "gate",
    "report_error",
    "semantic_line",
    "status",
]

log = logging.getLogger(__name__)


def _operator(context: BotContext) -> tuple[Services, Operator] | None:
    services = opened_services(context.bot_data)
    if services is None:  # an update before post_init opened them
        return None
    return services, services.operator


async def gate(update: object, context: BotContext) -> None:
    """Before every handler: note the update, drop chats off the allowlist, remember chats."""
    found = _operator(context)
    if found is None or not isinstance(update, Update):
        return
    services, operator = found
    operator.last_update = time.time()
    if not operator.allows(update):
        log.debug("update %s from a chat off the allowlist: ignored", update.update_id)
        raise ApplicationHandlerStop
    chat = update.effective_chat
    # an in-memory set answers for known chats: SQLite is touched for new ones only
    if chat is not None and not services.state.knows(chat.id):
        await asyncio.to_thread(services.state.seen, chat.id, chat.type)


async def _allowed_admin(update: Update, context: BotContext) -> bool:
    found = _operator(context)
    user = update.effective_user
    if found is not None and user is not None and user.id in found[1].admins:
        return True
    await reply(update, context, render.notice(texts_of(update, context).admin_only))
    return False


def _duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"


def status(services: Services, operator: Operator, t: Texts) -> str:
    """The /admin report as plain text (blocking: SQLite and the index folder)."""
    chats = operator.broadcasts.recipients()
    kinds = Counter(kind for _, kind in chats)
    topics = services.subscriptions.followed()
    outbox = services.subscriptions.outbox_counts()
    feeds, failing = services.feeds.registry.list(), services.feeds.registry.failing()
    stats = services.index.stats()
    newest = services.index.latest(1)
    last = "-"
    if newest:
        a = newest[0]
        date = a.published.strftime(t.date_format) if a.published else ""
        last = " · ".join(x for x in (a.title[:120], a.source, date) if x)
    failing_list = "".join(
        f"\n  #{f.id} {f.url[:80]}: {(f.last_error or '?')[:80]}" for f in failing[:10]
    )
    return t.admin_report.format(
        uptime=_duration(time.monotonic() - operator.started),
        chats=len(chats),
        kinds=", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "-",
        subscribed=len({f.chat_id for f in topics}),
        topics=len(topics),
        pending=outbox.get("pending", 0) + outbox.get("sending", 0),
        failed=outbox.get("failed", 0),
        sent=outbox.get("sent", 0),
        articles=f"{stats.articles:,}",
        size=f"{(stats.index_bytes + stats.database_bytes) / 1e6:,.1f} MB",
        last=last,
        semantic=semantic_line(stats, t),
        feeds=len(feeds),
        failing=len(failing),
        failing_list=failing_list,
    )


def semantic_line(stats, t: Texts) -> str:
    """The semantic stage's coverage (of SearchIndex.stats()): live articles with vectors."""
    if stats.semantic == "off":
        return t.admin_semantic_off
    share = f"{stats.vectors / stats.articles:.0%}" if stats.articles else "-"
    return t.admin_semantic.format(
        vectors=f"{stats.vectors:,}",
        articles=f"{stats.articles:,}",
        share=share,
        windows=f"{stats.windows:,}",
    )


async def admin_command(update: Update, context: BotContext) -> None:
    """Show the bot's state to an operator (/admin); refuse everyone else."""
    if not await _allowed_admin(update, context):
        return
    services, operator = _operator(context)
    text = await asyncio.to_thread(status, services, operator, texts_of(update, context))
    await reply(update, context, render.notice(text))


async def broadcast_command(update: Update, context: BotContext) -> None:
    """Queue an operator's message for every chat (/broadcast <text>)."""
    if not await _allowed_admin(update, context):
        return
    services, operator = _operator(context)
    t = texts_of(update, context)
    parts = (update.effective_message.text or "").split(None, 1)
    text = parts[1].strip() if len(parts) > 1 else ""
    if not text or render.utf16_len(text) > MAX_BROADCAST:
        await reply(update, context, render.notice(t.usage_broadcast))
        return

    def enqueue() -> int:
        chats = operator.broadcasts.recipients()
        return operator.broadcasts.enqueue(text, update.effective_user.id, chats)

    count = await asyncio.to_thread(enqueue)
    log.info("broadcast by %s queued for %d chats", update.effective_user.id, count)
    await reply(update, context, render.notice(t.broadcast_queued.format(chats=count)))


async def report_error(update: object, context: BotContext) -> None:
    """Error handler: tell the operators' error chat what failed (rate-limited)."""
    found = _operator(context)
    if found is None or context.error is None:
        return
    if isinstance(update, Update):
        chat = update.effective_chat
        where = f"update {update.update_id}" + (f" in chat {chat.id}" if chat else "")
    else:
        where = "a job" if update is None else f"{type(update).__name__}"
    await found[1].reporter.report(context.bot, context.error, where)
