"""The Telegram application: builder defaults, rate limiter, handlers, jobs (no wiring).

The services the callbacks use are opened by app/ (app/application.py), which passes its
hooks to telegram_application.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
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

from . import admin, commands, feed_commands, handlers, topic_handlers
from .outage import AnswerTracking, OutageGuard, guard_errors
from .services import BotContext
from .texts import EN, VI

__all__ = ["CALLBACKS", "add_handlers", "schedule_jobs", "set_commands", "telegram_application"]

log = logging.getLogger(__name__)


def telegram_application(
    token: str,
    api_url: str,
    proxy: str | None,
    *,
    post_init: Callable[[Application], Awaitable[None]],
    post_shutdown: Callable[[Application], Awaitable[None]],
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    update_processor: BaseUpdateProcessor | None = None,
) -> Application:
    """The bot's Application: defaults, rate limiter, typed context, every handler.

    update_processor: an OutageGuard (app.application makes it); None in tests that
    feed updates in by hand.

    post_init opens the services (bot_data["services"]) and post_shutdown closes them:
    app.application.build_application passes its BotServices' hooks.
    """
    api = api_url.rstrip("/")
    builder = (
        ApplicationBuilder()
        # callbacks and jobs get a BotContext: context.services is typed
        .context_types(ContextTypes(context=BotContext))
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        # waits out RetryAfter and keeps under Telegram's per-chat and global limits; notes
        # which update got its answer (the outage guard answers the others later)
        .rate_limiter(AnswerTracking(max_retries=3))
        # one user's slow search must not hold up everyone else's updates; a question an
        # outage stops gets a notice at once and its answer from the spool later
        .concurrent_updates(update_processor or True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if request is not None:
        builder = builder.request(request)
    elif proxy:  # http(s):// or socks5:// (httpx's socks extra)
        builder = builder.proxy(proxy)
    if updates_request is not None:
        builder = builder.get_updates_request(updates_request)
    elif proxy:
        builder = builder.get_updates_proxy(proxy)
    app = builder.build()
    if isinstance(update_processor, OutageGuard):
        update_processor.attach(app)
    add_handlers(app)
    return app


def schedule_jobs(app: Application, refresh: float, feeds: float, delivery: float) -> None:
    """The repeating jobs: index refresh, feed polling, matching and delivery (seconds)."""
    if app.job_queue is None:
        return
    # articles that `newsbot index` adds in another process show up this soon
    app.job_queue.run_repeating(_refresh, interval=refresh, first=refresh, name="refresh-index")
    app.job_queue.run_repeating(
        _poll_feeds,
        interval=feeds,
        first=min(feeds, 5.0),
        name="poll-feeds",
        # a slow poll overlaps the next tick, which then returns at once
        job_kwargs={"max_instances": 2},
    )
    app.job_queue.run_repeating(
        _deliver,
        interval=delivery,
        first=delivery,
        name="deliver",
        job_kwargs={"max_instances": 2},
    )


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
    # an unreachable backend is the outage guard's: no database, no traceback, no report
    app.add_error_handler(guard_errors(handlers.on_error))
    app.add_error_handler(guard_errors(admin.report_error))


async def set_commands(app: Application) -> None:
    """The command menu in both languages (a convenience: the bot works without it)."""
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
