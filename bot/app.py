"""The one wiring point: builder, defaults, rate limiter, handlers, jobs; and `newsbot run`."""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from app.search_backend import open_index
from app.settings import Settings
from index import SearchIndex

from . import admin, commands, feed_commands, handlers, topic_handlers
from .broadcast import Broadcasts
from .feeds import FeedPoller
from .flood import FloodLimit
from .outbox import Sender
from .services import BotContext, Services
from .state import State
from .subscriptions import Subscriptions
from .suggest import Suggestions
from .texts import EN, VI

__all__ = ["CALLBACKS", "RedactToken", "add_handlers", "build_application", "webhook_options"]

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    index: SearchIndex | None = None,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> Application:
    """The bot: handlers, jobs, and services opened in post_init and closed in post_shutdown."""
    # An index passed in (tests, a caller that shares it) stays the caller's to close;
    # without one, post_init opens the index of settings.data_dir and post_shutdown closes it.

    async def post_init(app: Application) -> None:
        opened = index if index is not None else await asyncio.to_thread(open_index, settings)
        url = settings.database  # None: bot.db in the data folder
        state = await asyncio.to_thread(State.open, settings.data_dir, url)
        subscriptions = await asyncio.to_thread(Subscriptions.open, opened, settings.data_dir, url)
        # a kill -9 left these in flight: they go out again (the one repeat allowed)
        resent = await asyncio.to_thread(subscriptions.reset_sending)
        if resent:
            log.info("%d deliveries were in flight at the last stop: sending them again", resent)
        broadcasts = await asyncio.to_thread(Broadcasts.open, settings.data_dir, url)
        token = settings.token or ""
        operator = admin.Operator(
            admins=settings.admins,
            broadcasts=broadcasts,
            reporter=admin.ErrorReporter(settings.error_chat, (token, token.partition(":")[2])),
            allowed=settings.allowed_chats,
        )
        sender = Sender(
            app.bot,
            subscriptions,
            state,
            zone=settings.zone,
            # a chat that refuses waits about a minute (12 ticks), two the next time, then goes
            pause=12 * settings.delivery_seconds,
            linger=settings.delivery_seconds,
            concurrency=settings.send_concurrency,
            broadcasts=broadcasts,
        )
        writes = threading.Lock()
        app.bot_data["services"] = Services(
            opened,
            state,
            FloodLimit(settings.flood_questions, settings.flood_seconds),
            presses=FloodLimit(3 * settings.flood_questions, settings.flood_seconds),
            subscriptions=subscriptions,
            sender=sender,
            feeds=await asyncio.to_thread(
                FeedPoller.open,
                opened,
                settings.feed_seconds,
                writes,
                settings.proxy,
                settings.allow_private_fetch,
                url,
            ),
            writes=writes,
            zone=settings.zone,
            suggestions=Suggestions(opened),
            operator=operator,
            admins=settings.admins,
        )
        await _set_commands(app)
        if app.job_queue is not None:
            # articles that `newsbot index` adds in another process show up this soon
            app.job_queue.run_repeating(
                _refresh,
                interval=settings.refresh_seconds,
                first=settings.refresh_seconds,
                name="refresh-index",
            )
            app.job_queue.run_repeating(
                _poll_feeds,
                interval=settings.feed_seconds,
                first=min(settings.feed_seconds, 5.0),
                name="poll-feeds",
                # a slow poll overlaps the next tick, which then returns at once
                job_kwargs={"max_instances": 2},
            )
            app.job_queue.run_repeating(
                _deliver,
                interval=settings.delivery_seconds,
                first=settings.delivery_seconds,
                name="deliver",
                job_kwargs={"max_instances": 2},
            )
        log.info("serving as @%s from %s", app.bot.username, settings.data_dir)
        if not await asyncio.to_thread(opened.latest, 1):
            log.warning(
                "the index in %s is empty: add articles with `newsbot index <paths>`"
                " or `newsbot feeds add <RSS URL>`",
                settings.data_dir,
            )

    async def post_shutdown(app: Application) -> None:
        services: Services | None = app.bot_data.pop("services", None)
        if services is None:
            return
        await asyncio.to_thread(services.state.close)
        await asyncio.to_thread(services.operator.broadcasts.close)
        await asyncio.to_thread(services.feeds.close)
        await asyncio.to_thread(services.subscriptions.close)
        if index is None:
            await asyncio.to_thread(services.index.close)

    api = settings.telegram_api_url.rstrip("/")
    builder = (
        ApplicationBuilder()
        # callbacks and jobs get a BotContext: context.services is typed
        .context_types(ContextTypes(context=BotContext))
        .token(settings.token or "")
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        # waits out RetryAfter and keeps under Telegram's per-chat and global limits
        .rate_limiter(AIORateLimiter(max_retries=3))
        # one user's slow search must not hold up everyone else's updates
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if request is not None:
        builder = builder.request(request)
    elif settings.proxy:  # http(s):// or socks5:// (httpx's socks extra)
        builder = builder.proxy(settings.proxy)
    if updates_request is not None:
        builder = builder.get_updates_request(updates_request)
    elif settings.proxy:
        builder = builder.get_updates_proxy(settings.proxy)
    app = builder.build()
    add_handlers(app)
    return app


# the callback of each command of the table (commands.COMMANDS), by key
CALLBACKS = {
    "search": handlers.search_command,
    "latest": handlers.latest_command,
    "read": handlers.read_command,
    "follow": topic_handlers.follow_command,
    "unfollow": topic_handlers.unfollow_command,
    "topics": topic_handlers.topics_command,
    "digest": topic_handlers.digest_command,
    "start": handlers.start,
    "help": handlers.help_command,
    "lang": handlers.lang_command,
    # operators manage the feeds in a private chat; the handler refuses everyone else
    "feeds": feed_commands.feeds_command,
    "admin": admin.admin_command,
    "broadcast": admin.broadcast_command,
}


def add_handlers(app: Application) -> None:
    """Commands in both languages, questions, buttons, inline mode, errors."""
    # new messages only: an edit must not answer twice, and channels get no answers at all
    chats = filters.UpdateType.MESSAGE & (filters.ChatType.PRIVATE | filters.ChatType.GROUPS)
    where = {
        commands.CHATS: chats,
        commands.PRIVATE: filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE,
        # topic commands are also posted in a channel by its admins
        commands.TOPICS: chats | (filters.UpdateType.CHANNEL_POST & filters.ChatType.CHANNEL),
    }
    # before every other handler: the allowlist, and the chats known for /broadcast
    app.add_handler(TypeHandler(Update, admin.gate), group=-1)
    app.add_handlers(
        [
            *(
                CommandHandler(list(c.names), CALLBACKS[c.key], filters=where[c.where])
                for c in commands.COMMANDS
            ),
            # an old group's topics move with it when it becomes a supergroup
            MessageHandler(filters.StatusUpdate.MIGRATE, topic_handlers.migrated),
            MessageHandler(
                filters.UpdateType.MESSAGE
                & filters.ChatType.PRIVATE
                & filters.TEXT
                & ~filters.COMMAND,
                handlers.private_text,
            ),
            MessageHandler(
                filters.UpdateType.MESSAGE
                & filters.ChatType.GROUPS
                & filters.TEXT
                & ~filters.COMMAND,
                handlers.group_text,
            ),
            CallbackQueryHandler(handlers.button),
            InlineQueryHandler(handlers.inline_query),
        ]
    )
    app.add_error_handler(handlers.on_error)
    app.add_error_handler(admin.report_error)


async def _set_commands(app: Application) -> None:
    try:
        for texts, language in ((VI, None), (EN, "en")):
            await app.bot.set_my_commands(
                [BotCommand(c, d) for c, d in commands.menu(texts)],
                scope=BotCommandScopeDefault(),
                language_code=language,
            )
    except TelegramError as error:  # the menu is a convenience; the bot works without it
        log.warning("could not register the command menu: %s", error)


async def _refresh(context: BotContext) -> None:
    """Pick up articles that `newsbot index` added in another process."""
    services = context.services

    def refresh() -> int:
        with services.writes:  # not while the feed poller adds articles
            return services.index.refresh()

    changes = await asyncio.to_thread(refresh)
    if changes:
        log.info("index refreshed: %d changes", changes)


async def _poll_feeds(context: BotContext) -> None:
    """Poll the feeds that are due and index what they bring."""
    await context.services.feeds.poll()


async def _deliver(context: BotContext) -> None:
    """Match new articles against the topics, then send what the outbox owes."""
    services = context.services
    added = await asyncio.to_thread(services.subscriptions.match)
    if added:
        log.info("%d new deliveries in the outbox", added)
    application = context.application
    # a stop waits for running jobs: the sender ends after the message in flight
    await services.sender.run(stop=lambda: not application.running)


def webhook_options(settings: Settings) -> dict:
    """Arguments of run_webhook/start_webhook for settings.webhook_url."""
    url = settings.webhook_url or ""
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlsplit(url).path.strip("/"),
        "webhook_url": url,
        # Telegram echoes it in a header and PTB refuses requests without it
        "secret_token": secret.strip() or secrets.token_urlsafe(32),
    }


class RedactToken(logging.Filter):
    """Replace the bot token wherever a log line would show it."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True
