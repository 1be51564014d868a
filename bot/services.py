"""The services the callbacks work with, opened and closed in one place (app/application.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from conversation import Conversation
from index import SearchIndex

from .flood import FloodLimit
from .operator import Operator
from .state import State
from .subscriptions import Subscriptions
from .texts import Texts, pick
from .turns import Turns

if TYPE_CHECKING:
    from .feeds import FeedPoller
    from .outbox import Sender
    from .suggest import Suggestions

__all__ = [
    "SERVICES",
    "BotContext",
    "Services",
    "command_text",
    "opened_services",
    "remembered_texts",
    "services_of",
    "texts_of",
]

SERVICES = "services"  # their key in bot_data


@dataclass(frozen=True, slots=True)
class Services:
    """What the callbacks work with, kept in bot_data["services"]."""

    index: SearchIndex
    state: State
    flood: FloodLimit
    subscriptions: Subscriptions
    sender: Sender
    feeds: FeedPoller
    suggestions: Suggestions
    operator: Operator
    conversation: Conversation  # questions, their kept result lists, pages, articles
    # buttons and inline queries: a reader pages and types faster than they ask
    presses: FloodLimit = field(default_factory=lambda: FloodLimit(24, 30.0))
    writes: threading.Lock = field(default_factory=threading.Lock)  # one index writer
    turns: Turns = field(default_factory=Turns)  # one search at a time per user
    zone: ZoneInfo = ZoneInfo("Asia/Ho_Chi_Minh")


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The context of every callback and job: context.services holds the open services."""

    @property
    def services(self) -> Services:
        """The services build_application opened (post_init) and closes (post_shutdown)."""
        return self.bot_data[SERVICES]


def opened_services(bot_data: dict) -> Services | None:
    """The services post_init opened, or None before it (and after post_shutdown)."""
    return bot_data.get(SERVICES)


def services_of(context: BotContext) -> Services:
    """The services of the application (build_application opened them)."""
    return context.services


def texts_of(update: Update, context: BotContext) -> Texts:
    """The chat's /lang choice (the user's, for inline queries), else the user's Telegram's."""
    chat, user = update.effective_chat, update.effective_user
    services = opened_services(context.bot_data)
    if services is not None:
        key = chat.id if chat is not None else user.id if user is not None else None
        lang = services.state.language(key) if key is not None else None
        if lang is not None:
            return pick(lang)
    return pick(user.language_code if user else None)


def remembered_texts(update: Update, context: BotContext) -> Texts:
    """texts_of without the database (the error handler's: the failure may be the database)."""
    chat, user = update.effective_chat, update.effective_user
    services = opened_services(context.bot_data)
    key = chat.id if chat is not None else user.id if user is not None else None
    lang = services.state.remembered_language(key) if services and key is not None else None
    return pick(lang or (user.language_code if user else None))


def command_text(update: Update) -> str:
    """Everything after the command, spacing kept (context.args loses commas' neighbours)."""
    parts = (update.effective_message.text or "").split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""
