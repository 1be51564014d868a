"""build_application: the Telegram bot wired to its services (the one wiring point).

The services are opened in post_init and closed in post_shutdown, as the PTB team's
rules-bot does: BotServices.initialize opens the backends (app/backends.py) and the bot's
stores on one ExitStack, so a failure part way closes what was already open.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from telegram import Bot
from telegram.ext import Application
from telegram.request import BaseRequest

from bot.app import schedule_jobs, set_commands, telegram_application
from bot.broadcast import Broadcasts
from bot.feeds import FeedPoller
from bot.flood import FloodLimit
from bot.operator import ErrorReporter, Operator
from bot.outage import OutageGuard
from bot.outbox import Sender
from bot.outbox_store import Outbox
from bot.readiness import Readiness
from bot.services import SERVICES, Services
from bot.spool import Spool
from bot.state import State
from bot.subscription_store import SubscriptionStore
from bot.subscriptions import Subscriptions
from bot.suggest import Suggestions
from conversation import Answers, Conversation
from embed.worker import start_worker
from index import SearchIndex

from .backends import Backends, open_backends
from .probes import probes
from .settings import Settings

__all__ = ["BotServices", "build_application"]

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    index: SearchIndex | None = None,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    readiness: Readiness | None = None,
) -> Application:
    """The bot: handlers and jobs; its services opened in post_init, closed in post_shutdown.

    An index passed in (tests, a caller that shares it) stays the caller's to close.
    readiness: /readyz's (serve.py shares it with the outage guard).
    """
    services = BotServices(settings, index)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    guard = OutageGuard(
        256, Spool.open(settings.data_dir), readiness or Readiness(probes(settings))
    )
    return telegram_application(
        settings.token or "",
        settings.telegram_api_url,
        settings.proxy,
        post_init=services.initialize,
        post_shutdown=services.shutdown,
        request=request,
        updates_request=updates_request,
        update_processor=guard,
    )


class BotServices:
    """Opens the services the callbacks use (bot_data["services"]) and closes them."""

    def __init__(self, settings: Settings, index: SearchIndex | None = None):
        self.settings = settings
        self._index = index
        self._backends: Backends | None = None

    async def initialize(self, app: Application) -> None:
        """post_init: open the backends and the stores, start the jobs."""
        settings = self.settings
        backends = await asyncio.to_thread(open_backends, settings, self._index, None, True)
        self._backends = backends
        try:
            services = await asyncio.to_thread(self._open, backends, app.bot)
        except BaseException:
            self._backends = None
            await asyncio.to_thread(backends.close)
            raise
        app.bot_data[SERVICES] = services
        await set_commands(app)
        schedule_jobs(
            app, settings.refresh_seconds, settings.feed_seconds, settings.delivery_seconds
        )
        log.info("serving as @%s from %s", app.bot.username, settings.data_dir)
        if not await asyncio.to_thread(services.index.latest, 1):
            log.warning(
                "the index in %s is empty: add articles with `newsbot index <paths>`"
                " or `newsbot feeds add <RSS URL>`",
                settings.data_dir,
            )

    async def shutdown(self, app: Application) -> None:
        """post_shutdown: close everything initialize opened, newest first."""
        app.bot_data.pop(SERVICES, None)
        backends, self._backends = self._backends, None
        if backends is not None:
            await asyncio.to_thread(backends.close)

    def _open(self, backends: Backends, bot: Bot) -> Services:
        """The stores on the backends' database (or bot.db), and the services over them."""
        settings, index = self.settings, backends.index
        if index.semantic.on:  # vectors for new articles, in the background (embed/worker.py)
            backends.adopt(start_worker(index))
        # the one PostgreSQL pool, lent to each store; None: bot.db in the data folder
        database, data_dir = backends.database, backends.data_dir
        state = backends.adopt(State.open(data_dir, database))
        # what chats follow and what they are owed: two stores on one database
        topics = backends.adopt(SubscriptionStore.open(data_dir, database))
        outbox = backends.adopt(Outbox.open(data_dir, database or topics.database))
        subscriptions = Subscriptions.start(index, topics, outbox)
        # a kill -9 left these in flight: they go out again (the one repeat allowed)
        resent = outbox.reset_sending()
        if resent:
            log.info("%d deliveries were in flight at the last stop: sending them again", resent)
        broadcasts = backends.adopt(Broadcasts.open(data_dir, database))
        writes = threading.Lock()  # one index writer: the feed poller or the refresh job
        feeds = backends.adopt(
            FeedPoller.open(
                index,
                settings.feed_seconds,
                writes,
                settings.proxy,
                settings.allow_private_fetch,
                database,
            )
        )
        token = settings.token or ""
        operator = Operator(
            admins=settings.admins,
            broadcasts=broadcasts,
            reporter=ErrorReporter(settings.error_chat, (token, token.partition(":")[2])),
            allowed=settings.allowed_chats,
        )
        sender = Sender(
            bot,
            subscriptions,
            state,
            zone=settings.zone,
            # a chat that refuses waits about a minute (12 ticks), two the next time, then goes
            pause=12 * settings.delivery_seconds,
            linger=settings.delivery_seconds,
            concurrency=settings.send_concurrency,
            broadcasts=broadcasts,
        )
        return Services(
            index,
            state,
            FloodLimit(settings.flood_questions, settings.flood_seconds),
            presses=FloodLimit(3 * settings.flood_questions, settings.flood_seconds),
            subscriptions=subscriptions,
            sender=sender,
            feeds=feeds,
            writes=writes,
            zone=settings.zone,
            suggestions=Suggestions(index),
            operator=operator,
            # the questions' result lists, in the state's database (bot.db or PostgreSQL)
            conversation=Conversation(index, Answers(state.database)),
        )
