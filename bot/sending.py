"""Sending and editing messages: HTML, or the same words as plain text when Telegram refuses it."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ContextTypes, ExtBot

from . import metrics, render

__all__ = ["edit", "is_group", "markup_refused", "reply", "send"]

log = logging.getLogger(__name__)


def is_group(update: Update) -> bool:
    """Whether the update comes from a group or supergroup."""
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def markup_refused(error: BadRequest) -> bool:
    """Whether Telegram refused a message's HTML (then it goes as plain text)."""
    return "can't parse entities" in error.message.lower()


async def send(
    bot: ExtBot,
    chat_id: int,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
    thread: int | None = None,
) -> Message:
    """Send HTML; if Telegram refuses the markup, send the same words as plain text."""
    kwargs: dict = {"reply_markup": markup}
    if thread:
        kwargs["message_thread_id"] = thread
    if reply_to is not None:
        kwargs["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
    try:
        sent = await bot.send_message(chat_id, text, **kwargs)
    except BadRequest as error:
        if not markup_refused(error):
            raise
        log.warning(
            "markup refused in chat %s (%s); resending as plain text", chat_id, error.message
        )
        sent = await bot.send_message(chat_id, render.to_plain(text), parse_mode=None, **kwargs)
    metrics.MESSAGES.inc()
    return sent


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Answer in the chat (and forum topic) of the update."""
    message = update.effective_message
    # in a group the answer quotes the question, so readers see whose question it answers
    reply_to = message.message_id if message is not None and is_group(update) else None
    # and in a forum it stays in the forum topic the question was asked in
    thread = message.message_thread_id if message is not None and message.is_topic_message else None
    await send(
        context.bot,
        update.effective_chat.id,
        text,
        markup=markup,
        reply_to=reply_to,
        thread=thread,
    )


async def edit(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit the message whose button was pressed (a page of results)."""
    query = update.callback_query
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" in error.message.lower():  # the current page's button, pressed again
            return
        if not markup_refused(error):
            raise
        log.warning("markup refused on edit (%s); resending as plain text", error.message)
        await query.edit_message_text(render.to_plain(text), parse_mode=None, reply_markup=markup)
