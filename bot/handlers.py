"""Thin callbacks: parse what arrived, ask the index off the event loop, render, reply."""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    InlineKeyboardMarkup,
    InlineQueryResultsButton,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError

from conversation import Page
from index import Article, UnknownSource

from . import keyboards, metrics, parse, render
from .parse import PAGE_SIZE, PageRequest, ReadRequest
from .sending import edit, is_group, reply
from .services import BotContext, remembered_texts, services_of, texts_of
from .texts import Texts, chosen
from .views import article_links, hit_views

__all__ = [
    "button",
    "flooded",
    "group_text",
    "help_command",
    "inline_query",
    "lang_command",
    "latest_command",
    "on_error",
    "private_text",
    "read_command",
    "search_command",
    "start",
    "user_id",
]

log = logging.getLogger(__name__)

INLINE_PAGE = 10
INLINE_CACHE_SECONDS = 60


async def _questions(context: BotContext) -> list[str]:
    """Questions to suggest, drawn from the newest articles."""
    return await asyncio.to_thread(services_of(context).suggestions.get)


def _empty_archive(update: Update, context: BotContext, t: Texts) -> str:
    """What an empty index means: for an operator where it is and how to fill it."""
    svc, user = services_of(context), update.effective_user
    if user is not None and user.id in svc.operator.admins:
        return t.archive_empty_admin.format(path=svc.index.data_dir)
    return t.archive_empty


# ---- building answers --------------------------------------------------------------------


def _tokened(context: BotContext, page: Page | None) -> tuple[Page | None, list[str]]:
    """A page and its articles' tokens, made in one worker thread, in the user's turn."""
    if page is None:
        return None, []
    return page, services_of(context).state.tokens([h.article.id for h in page.result.hits])


def _results_message(
    context: BotContext, page: Page, tokens: list[str], t: Texts
) -> tuple[str, InlineKeyboardMarkup | None]:
    articles = [h.article for h in page.result.hits]
    views = hit_views(page.result.hits, article_links(articles, tokens, context.bot.username))
    text = render.results(page.result, t, views, cut=page.cut)
    return text, keyboards.results_keyboard(page, t, tokens)


async def _ask(update: Update, context: BotContext, question: str) -> None:
    """Answer a question with the first page of results (or a hint when nothing matched)."""
    svc, t = services_of(context), texts_of(update, context)
    if await flooded(update, context):
        return
    if not parse.clip_query(question)[0]:
        await reply(update, context, render.notice(t.usage_search))
        return
    if not is_group(update):
        # groups are skipped: their 20-messages-a-minute budget is kept for answers
        try:
            await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
        except TelegramError:
            pass  # only a courtesy; the answer matters
    try:
        with metrics.QUERY_SECONDS.time():
            # the list belongs to the chat: its buttons work there only
            chat = update.effective_chat.id
            page, tokens = await svc.turns.run(
                user_id(update),
                lambda: _tokened(context, svc.conversation.ask(chat, question, PAGE_SIZE)),
            )
    except UnknownSource as error:
        await reply(update, context, render.notice(unknown_source(error, t)))
        return
    if page is None:
        return
    if not page.result.hits and not await asyncio.to_thread(svc.conversation.latest, 1):
        await reply(update, context, render.notice(_empty_archive(update, context, t)))
        return
    text, markup = _results_message(context, page, tokens, t)
    await reply(update, context, text, markup)
    metrics.REPLIES.inc()


def user_id(update: Update) -> int | None:
    """The user an update is from (None for a channel post)."""
    return update.effective_user.id if update.effective_user is not None else None


async def flooded(update: Update, context: BotContext) -> bool:
    """Take a question from the user's bucket; True (after one warning) when it is empty."""
    user = update.effective_user
    verdict = services_of(context).flood.check(user.id) if user is not None else None
    if verdict is None or verdict.allowed:
        return False
    if verdict.warn:
        t = texts_of(update, context)
        await reply(update, context, render.notice(t.flood.format(seconds=verdict.wait)))
    return True


def unknown_source(error: UnknownSource, t: Texts) -> str:
    """The answer to an outlet the archive lacks: the outlets it has."""
    return t.source_unknown.format(names=render.echo(", ".join(error.names)), known=error.listed())


async def _send_article(update: Update, context: BotContext, token: str) -> None:
    svc, t = services_of(context), texts_of(update, context)

    def lookup() -> Article | None:
        return svc.conversation.read(svc.state.article_id(token))

    article = await asyncio.to_thread(lookup)
    if article is None:
        await reply(update, context, render.notice(t.article_missing))
        return
    for chunk in render.article(article, t):
        await reply(update, context, chunk)


# ---- callbacks ---------------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> None:
    """Greet with examples, or open the article named by a deep-link payload."""
    payload = context.args[0] if context.args else ""
    if parse.TOKEN.fullmatch(payload) and payload != "inline":
        await _send_article(update, context, payload)
        return
    t, questions = texts_of(update, context), await _questions(context)
    await reply(update, context, render.welcome(t, context.bot.username, questions))


async def help_command(update: Update, context: BotContext) -> None:
    """Explain the commands, with questions to try."""
    t, questions = texts_of(update, context), await _questions(context)
    await reply(update, context, render.help_text(t, context.bot.username, questions))


async def lang_command(update: Update, context: BotContext) -> None:
    """Switch the chat's language (/lang en, /lang vi); kept across restarts."""
    svc = services_of(context)
    t = chosen(" ".join(context.args or []))
    if t is None:
        await reply(update, context, render.notice(texts_of(update, context).usage_lang))
        return
    await asyncio.to_thread(svc.state.set_language, update.effective_chat.id, t.lang)
    await reply(update, context, render.notice(t.lang_set))


async def search_command(update: Update, context: BotContext) -> None:
    """Answer /tim <question> (and /search)."""
    # everything after the command, not context.args: those lose the question's spacing
    parts = (update.effective_message.text or "").split(None, 1)
    question = parts[1] if len(parts) > 1 else ""
    await _ask(update, context, question)


async def private_text(update: Update, context: BotContext) -> None:
    """Answer any text in a private chat as a question."""
    await _ask(update, context, update.effective_message.text or "")


async def group_text(update: Update, context: BotContext) -> None:
    """Answer a group message that mentions the bot or replies to it; ignore chatter."""
    bot = context.bot
    question = parse.addressed(update.effective_message, bot.username, bot.id)
    if question is None:
        return
    await _ask(update, context, question)


async def latest_command(update: Update, context: BotContext) -> None:
    """List the newest articles (/moi, /latest)."""
    svc, t = services_of(context), texts_of(update, context)

    def newest() -> tuple[list[Article], list[str]]:
        articles = svc.conversation.latest(PAGE_SIZE)
        return articles, svc.state.tokens(a.id for a in articles)

    articles, tokens = await asyncio.to_thread(newest)
    if not articles:
        await reply(update, context, render.notice(_empty_archive(update, context, t)))
        return
    links = article_links(articles, tokens, context.bot.username)
    await reply(
        update, context, render.latest(articles, t, links), keyboards.read_keyboard(tokens, t)
    )


async def read_command(update: Update, context: BotContext) -> None:
    """Send an article's full text (/doc <article>, /read <article>)."""
    arg = context.args[0] if context.args else ""
    if "start=" in arg:  # a deep link pasted whole
        arg = arg.rsplit("start=", 1)[1]
    if not arg:
        await reply(update, context, render.notice(texts_of(update, context).usage_read))
        return
    await _send_article(update, context, arg)


async def button(update: Update, context: BotContext) -> None:
    """Turn a page in place, or send the full text of an article."""
    query = update.callback_query
    svc, t = services_of(context), texts_of(update, context)
    request = parse.parse_data(query.data)
    if request is not None:
        verdict = svc.presses.check(query.from_user.id)
        if not verdict.allowed:
            await query.answer(t.flood.format(seconds=verdict.wait) if verdict.warn else None)
            return
    if isinstance(request, ReadRequest):
        await query.answer()
        if query.message is not None:
            await _send_article(update, context, request.token)
        return
    if not isinstance(request, PageRequest):
        await query.answer()
        return
    page, tokens = None, []
    if query.message is not None:  # (a message too old for Telegram to show has no chat)
        chat = query.message.chat.id  # the list is the chat's: another chat's id finds nothing
        start = request.page * PAGE_SIZE
        page, tokens = await svc.turns.run(
            query.from_user.id,
            lambda: _tokened(context, svc.conversation.page(chat, request.qid, start)),
        )
    if page is None:  # expired, or another chat's question: nothing of it is shown
        await query.answer(t.expired, show_alert=True)
        return
    text, markup = _results_message(context, page, tokens, t)
    await edit(update, text, markup)
    await query.answer()


async def inline_query(update: Update, context: BotContext) -> None:
    """Offer matching articles in any chat, ten at a time."""
    inline = update.inline_query
    svc, t = services_of(context), texts_of(update, context)
    # the answers are the user's own: their next_offset names the user's kept list
    cached = {"cache_time": INLINE_CACHE_SECONDS, "is_personal": True}
    question, _ = parse.clip_query(inline.query)
    where = parse.inline_offset(inline.offset)
    if not question or where is None:
        await inline.answer([], **cached)
        return
    if not svc.presses.check(inline.from_user.id).allowed:
        return  # a flood: its queries expire unanswered, and cost no search
    qid, start, user = *where, inline.from_user.id

    def answer() -> tuple[Page | None, list[str]]:
        if qid:  # a further page: Telegram sent back the next_offset this bot gave
            return _tokened(context, svc.conversation.page(user, qid, start, INLINE_PAGE))
        return _tokened(context, svc.conversation.ask(user, question, INLINE_PAGE))

    try:
        page, tokens = await svc.turns.run(user, answer)
    except UnknownSource:
        page = None
    if page is None or (qid and page.result.offset != start):  # expired, or past the end
        await inline.answer([], **cached)
        return
    articles = [h.article for h in page.result.hits]
    views = hit_views(page.result.hits, article_links(articles, tokens, context.bot.username))
    answers = render.inline_results(views, t, tokens)
    nothing = (
        None
        if answers or start
        else InlineQueryResultsButton(text=t.inline_open_bot, start_parameter="inline")
    )
    following = parse.inline_next(page.qid, start + INLINE_PAGE) if page.more else None
    await inline.answer(answers, next_offset=following, button=nothing, **cached)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure and tell the user briefly; no database (it may be what failed)."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type == ChatType.CHANNEL:
        return
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(
                remembered_texts(update, context).error, show_alert=True
            )
            return
        except TelegramError:
            pass  # too late to answer the button: say it in the chat instead
    try:
        await context.bot.send_message(
            update.effective_chat.id, render.notice(remembered_texts(update, context).error)
        )
    except TelegramError as error:
        log.warning("could not tell chat %s about the failure: %s", update.effective_chat.id, error)
