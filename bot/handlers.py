"""Thin callbacks: parse what arrived, ask the index off the event loop, render, reply."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    InlineKeyboardMarkup,
    InlineQueryResultsButton,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes, ExtBot

from index.models import Article, SearchResult
from index.search import SearchIndex

from . import parse, render
from .flood import FloodLimit
from .parse import PAGE_SIZE, PageRequest, ReadRequest
from .state import State
from .texts import Texts, pick

__all__ = [
    "Services",
    "button",
    "group_text",
    "help_command",
    "inline_query",
    "latest_command",
    "on_error",
    "private_text",
    "read_command",
    "search_command",
    "send",
    "start",
]

log = logging.getLogger(__name__)

INLINE_PAGE = 10
INLINE_CACHE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Services:
    """What the callbacks work with, kept in bot_data["services"]."""

    index: SearchIndex
    state: State
    flood: FloodLimit


def _services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data["services"]


def _texts(update: Update) -> Texts:
    user = update.effective_user
    return pick(user.language_code if user else None)


def _is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def _markup_refused(error: BadRequest) -> bool:
    return "can't parse entities" in error.message.lower()


# ---- sending -----------------------------------------------------------------------------


async def send(
    bot: ExtBot,
    chat_id: int,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> Message:
    """Send HTML; if Telegram refuses the markup, send the same words as plain text."""
    kwargs: dict = {"reply_markup": markup}
    if reply_to is not None:
        kwargs["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
    try:
        return await bot.send_message(chat_id, text, **kwargs)
    except BadRequest as error:
        if not _markup_refused(error):
            raise
        log.warning(
            "markup refused in chat %s (%s); resending as plain text", chat_id, error.message
        )
        return await bot.send_message(chat_id, render.to_plain(text), parse_mode=None, **kwargs)


async def _reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    message = update.effective_message
    # in a group the answer quotes the question, so readers see whose question it answers
    reply_to = message.message_id if message is not None and _is_group(update) else None
    await send(context.bot, update.effective_chat.id, text, markup=markup, reply_to=reply_to)


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    query = update.callback_query
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" in error.message.lower():  # the current page's button, pressed again
            return
        if not _markup_refused(error):
            raise
        log.warning("markup refused on edit (%s); resending as plain text", error.message)
        await query.edit_message_text(render.to_plain(text), parse_mode=None, reply_markup=markup)


# ---- building answers --------------------------------------------------------------------


def _links(articles: Sequence[Article], tokens: Sequence[str], username: str) -> list[str]:
    """The article's own URL where known, else a deep link that opens it in the bot."""
    return [
        a.url
        if a.url and a.url.startswith(("http://", "https://"))
        else render.deep_link(username, token)
        for a, token in zip(articles, tokens, strict=True)
    ]


async def _results_message(
    context: ContextTypes.DEFAULT_TYPE, result: SearchResult, t: Texts, cut: bool = False
) -> tuple[str, InlineKeyboardMarkup | None]:
    svc = _services(context)
    articles = [h.article for h in result.hits]

    def ids() -> tuple[str, list[str]]:
        return svc.state.query_id(result.query), svc.state.tokens(a.id for a in articles)

    qid, tokens = await asyncio.to_thread(ids)
    links = _links(articles, tokens, context.bot.username)
    text = render.results(result, t, links, cut=cut)
    return text, render.results_keyboard(result, t, qid, tokens)


async def _ask(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Answer a question with the first page of results (or a hint when nothing matched)."""
    svc, t = _services(context), _texts(update)
    user = update.effective_user
    if user is not None:
        verdict = svc.flood.check(user.id)
        if not verdict.allowed:
            if verdict.warn:
                await _reply(update, context, render.notice(t.flood.format(seconds=verdict.wait)))
            return
    query, cut = parse.clip_query(question)
    if not query:
        await _reply(update, context, render.notice(t.usage_search))
        return
    if not _is_group(update):
        # groups are skipped: their 20-messages-a-minute budget is kept for answers
        try:
            await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
        except TelegramError:
            pass  # only a courtesy; the answer matters
    result = await asyncio.to_thread(svc.index.search, query, PAGE_SIZE, 0)
    text, markup = await _results_message(context, result, t, cut)
    await _reply(update, context, text, markup)


async def _send_article(update: Update, context: ContextTypes.DEFAULT_TYPE, token: str) -> None:
    svc, t = _services(context), _texts(update)

    def lookup() -> Article | None:
        return svc.index.get(svc.state.article_id(token))

    article = await asyncio.to_thread(lookup)
    if article is None:
        await _reply(update, context, render.notice(t.article_missing))
        return
    for chunk in render.article(article, t):
        await _reply(update, context, chunk)


# ---- callbacks ---------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet with examples, or open the article named by a deep-link payload."""
    payload = context.args[0] if context.args else ""
    if parse.TOKEN.fullmatch(payload) and payload != "inline":
        await _send_article(update, context, payload)
        return
    await _reply(update, context, render.welcome(_texts(update), context.bot.username))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain the commands."""
    await _reply(update, context, render.help_text(_texts(update), context.bot.username))


async def search_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /tim <question> (and /search)."""
    # everything after the command, not context.args: those lose the question's spacing
    parts = (update.effective_message.text or "").split(None, 1)
    question = parts[1] if len(parts) > 1 else ""
    await _ask(update, context, question)


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer any text in a private chat as a question."""
    await _ask(update, context, update.effective_message.text or "")


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a group message that mentions the bot or replies to it; ignore chatter."""
    bot = context.bot
    question = parse.addressed(update.effective_message, bot.username, bot.id)
    if question is None:
        return
    await _ask(update, context, question)


async def latest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the newest articles (/moi, /latest)."""
    svc, t = _services(context), _texts(update)

    def newest() -> tuple[list[Article], list[str]]:
        articles = svc.index.latest(PAGE_SIZE)
        return articles, svc.state.tokens(a.id for a in articles)

    articles, tokens = await asyncio.to_thread(newest)
    links = _links(articles, tokens, context.bot.username)
    await _reply(
        update, context, render.latest(articles, t, links), render.read_keyboard(tokens, t)
    )


async def read_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send an article's full text (/doc <article>, /read <article>)."""
    arg = context.args[0] if context.args else ""
    if "start=" in arg:  # a deep link pasted whole
        arg = arg.rsplit("start=", 1)[1]
    if not arg:
        await _reply(update, context, render.notice(_texts(update).usage_read))
        return
    await _send_article(update, context, arg)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Turn a page in place, or send the full text of an article."""
    query = update.callback_query
    svc, t = _services(context), _texts(update)
    request = parse.parse_data(query.data)
    if isinstance(request, ReadRequest):
        await query.answer()
        if query.message is not None:
            await _send_article(update, context, request.token)
        return
    if not isinstance(request, PageRequest):
        await query.answer()
        return
    question = await asyncio.to_thread(svc.state.query, request.qid)
    if question is None:
        await query.answer(t.expired, show_alert=True)
        return
    result = await asyncio.to_thread(
        svc.index.search, question, PAGE_SIZE, request.page * PAGE_SIZE
    )
    text, markup = await _results_message(context, result, t)
    await _edit(update, text, markup)
    await query.answer()


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer matching articles in any chat, ten at a time."""
    inline = update.inline_query
    svc, t = _services(context), _texts(update)
    query, _ = parse.clip_query(inline.query)
    offset = int(inline.offset) if inline.offset.isdigit() else 0
    if not query:
        await inline.answer([], cache_time=INLINE_CACHE_SECONDS)
        return
    result = await asyncio.to_thread(svc.index.search, query, INLINE_PAGE, offset)
    articles = [h.article for h in result.hits]
    tokens = await asyncio.to_thread(svc.state.tokens, [a.id for a in articles])
    links = _links(articles, tokens, context.bot.username)
    answers = render.inline_results(result.hits, t, links, tokens)
    more = result.hits and offset + len(result.hits) < result.total
    nothing = (
        None
        if answers or offset
        else InlineQueryResultsButton(text=t.inline_open_bot, start_parameter="inline")
    )
    await inline.answer(
        answers,
        cache_time=INLINE_CACHE_SECONDS,
        next_offset=str(offset + len(result.hits)) if more else None,
        button=nothing,
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure and tell the user briefly."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type == ChatType.CHANNEL:
        return
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(_texts(update).error, show_alert=True)
            return
        except TelegramError:
            pass  # too late to answer the button: say it in the chat instead
    try:
        await context.bot.send_message(
            update.effective_chat.id, render.notice(_texts(update).error)
        )
    except TelegramError as error:
        log.warning("could not tell chat %s about the failure: %s", update.effective_chat.id, error)
