"""The operator layer: /admin, /broadcast, the chat allowlist, error reports to a chat."""

from __future__ import annotations

import asyncio
import html
import logging
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from . import render
from .broadcast import MAX_BROADCAST, Broadcasts
from .sending import reply
from .services import BotContext, Services, texts_of
from .texts import Texts

__all__ = [
    "ErrorReporter",
    "Operator",
    "admin_command",
    "broadcast_command",
    "gate",
    "report_error",
    "status",
]

log = logging.getLogger(__name__)

REPORT_EVERY = 60.0  # seconds between two error reports: a storm becomes one report a minute
MAX_TRACE = 2500  # characters of traceback in a report


class ErrorReporter:
    """Sends failures to an operator's chat, at most one report per `every` seconds."""

    def __init__(
        self,
        chat_id: int | None,
        secrets: tuple[str, ...] = (),
        every: float = REPORT_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.chat_id = chat_id
        # the token and its secret half: neither may reach a chat, whatever the error says
        self.secrets = tuple(s for s in secrets if s)
        self.every = every
        self.clock = clock
        self._next = float("-inf")
        self._held = 0  # failures not reported since the last report

    def redact(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def compose(self, error: BaseException, where: str) -> str | None:
        """The report's HTML, or None while the rate limit holds it back."""
        now = self.clock()
        if now < self._next:
            self._held += 1
            return None
        self._next = now + self.every
        held, self._held = self._held, 0
        trace = "".join(traceback.format_exception(error))[-MAX_TRACE:]
        lines = [
            f"⚠️ <b>{html.escape(self.redact(f'{type(error).__name__}: {error}'))}</b>",
            html.escape(self.redact(where)),
        ]
        if held:
            lines.append(f"({held} more since the last report)")
        lines.append(f"<pre>{html.escape(self.redact(trace))}</pre>")
        return "\n".join(lines)

    async def report(self, bot, error: BaseException, where: str) -> bool:
        """Send a report unless the rate limit holds it; True when one went out."""
        if self.chat_id is None:
            return False
        text = self.compose(error, where)
        if text is None:
            return False
        try:
            await bot.send_message(self.chat_id, text, parse_mode="HTML")
        except TelegramError as failure:  # the report is a courtesy; the log has it all
            log.warning("could not report the error to chat %s: %s", self.chat_id, failure)
            return False
        return True


@dataclass
class Operator:
    """What the operator commands need; lives in Services.operator."""

    admins: frozenset[int]
    broadcasts: Broadcasts
    reporter: ErrorReporter
    allowed: frozenset[int] = frozenset()
    started: float = field(default_factory=time.monotonic)
    last_update: float | None = None  # time.time() of the last update from Telegram

    def allows(self, update: Update) -> bool:
        """Whether the allowlist (when set) lets this update through; admins always pass."""
        if not self.allowed:
            return True
        chat, user = update.effective_chat, update.effective_user
        if user is not None and user.id in self.admins:
            return True
        key = chat.id if chat is not None else user.id if user is not None else None
        return key in self.allowed


def _operator(context: BotContext) -> tuple[Services, Operator] | None:
    services: Services | None = context.bot_data.get("services")
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
    outbox = services.subscriptions.outbox()
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
        feeds=len(feeds),
        failing=len(failing),
        failing_list=failing_list,
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
