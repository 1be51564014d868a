"""Thin callbacks: parse what arrived, ask the index off the event loop, render, reply."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Sequence

from telegram import (
    InlineKeyboardMarkup,
    InlineQueryResultsButton,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from index import (
    MAX_DEPTH,
    Article,
    Excerpt,
    SearchResult,
    TopicError,
    UnknownSource,
    parse_topic,
    search_text,
)

from . import metrics, parse, render
from .parse import PAGE_SIZE, PageRequest, ReadRequest
from .sending import edit, is_group, reply
from .services import command_text, services_of, texts_of
from .subscriptions import (
    MAX_TOPICS,
    FollowError,
    Target,
    TargetError,
    digest_day,
    explain,
    may_change,
    parse_hour,
    resolve_channel,
)
from .texts import Texts, chosen

__all__ = [
    "button",
    "digest_command",
    "follow_command",
    "group_text",
    "help_command",
    "inline_query",
    "lang_command",
    "latest_command",
    "migrated",
    "on_error",
    "private_text",
    "read_command",
    "search_command",
    "start",
    "topics_command",
    "unfollow_command",
]

log = logging.getLogger(__name__)

INLINE_PAGE = 10
INLINE_CACHE_SECONDS = 60


async def _questions(context: ContextTypes.DEFAULT_TYPE) -> list[str]:
    """Questions to suggest, drawn from the newest articles."""
    svc = services_of(context)
    if svc.suggestions is None:
        return []
    return await asyncio.to_thread(svc.suggestions.get)


def _empty_archive(update: Update, context: ContextTypes.DEFAULT_TYPE, t: Texts) -> str:
    """What an empty index means: for an operator where it is and how to fill it."""
    svc, user = services_of(context), update.effective_user
    operator = svc.operator
    if operator is not None and user is not None and user.id in operator.admins:
        return t.archive_empty_admin.format(path=svc.index.data_dir)
    return t.archive_empty


# ---- building answers --------------------------------------------------------------------


def _links(articles: Sequence[Article], tokens: Sequence[str], username: str) -> list[str]:
    """The article's own URL where known, else a deep link that opens it in the bot."""
    return [
        render.article_link(a, username, token) for a, token in zip(articles, tokens, strict=True)
    ]


async def _results_message(
    context: ContextTypes.DEFAULT_TYPE, result: SearchResult, t: Texts, cut: bool = False
) -> tuple[str, InlineKeyboardMarkup | None]:
    svc = services_of(context)
    articles = [h.article for h in result.hits]

    def ids() -> tuple[str, list[str]]:
        return svc.state.query_id(result.query), svc.state.tokens(a.id for a in articles)

    qid, tokens = await asyncio.to_thread(ids)
    links = _links(articles, tokens, context.bot.username)
    text = render.results(result, t, links, cut=cut)
    return text, render.results_keyboard(result, t, qid, tokens)


async def _ask(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Answer a question with the first page of results (or a hint when nothing matched)."""
    svc, t = services_of(context), texts_of(update, context)
    user = update.effective_user
    if user is not None:
        verdict = svc.flood.check(user.id)
        if not verdict.allowed:
            if verdict.warn:
                await reply(update, context, render.notice(t.flood.format(seconds=verdict.wait)))
            return
    query, cut = parse.clip_query(question)
    if not query:
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
            result = await asyncio.to_thread(search_text, svc.index, query, PAGE_SIZE, 0)
    except UnknownSource as error:
        await reply(update, context, render.notice(_unknown_source(error, t)))
        return
    if not result.hits and not await asyncio.to_thread(svc.index.latest, 1):
        await reply(update, context, render.notice(_empty_archive(update, context, t)))
        return
    text, markup = await _results_message(context, result, t, cut)
    await reply(update, context, text, markup)
    metrics.REPLIES.inc()


def _unknown_source(error: UnknownSource, t: Texts) -> str:
    return t.source_unknown.format(names=", ".join(error.names), known=error.listed())


async def _send_article(update: Update, context: ContextTypes.DEFAULT_TYPE, token: str) -> None:
    svc, t = services_of(context), texts_of(update, context)

    def lookup() -> Article | None:
        return svc.index.get(svc.state.article_id(token))

    article = await asyncio.to_thread(lookup)
    if article is None:
        await reply(update, context, render.notice(t.article_missing))
        return
    for chunk in render.article(article, t):
        await reply(update, context, chunk)


# ---- callbacks ---------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet with examples, or open the article named by a deep-link payload."""
    payload = context.args[0] if context.args else ""
    if parse.TOKEN.fullmatch(payload) and payload != "inline":
        await _send_article(update, context, payload)
        return
    t, questions = texts_of(update, context), await _questions(context)
    await reply(update, context, render.welcome(t, context.bot.username, questions))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain the commands, with questions to try."""
    t, questions = texts_of(update, context), await _questions(context)
    await reply(update, context, render.help_text(t, context.bot.username, questions))


async def lang_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Switch the chat's language (/lang en, /lang vi); kept across restarts."""
    svc = services_of(context)
    t = chosen(" ".join(context.args or []))
    if t is None:
        await reply(update, context, render.notice(texts_of(update, context).usage_lang))
        return
    await asyncio.to_thread(svc.state.set_language, update.effective_chat.id, t.lang)
    await reply(update, context, render.notice(t.lang_set))


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
    svc, t = services_of(context), texts_of(update, context)

    def newest() -> tuple[list[Article], list[str]]:
        articles = svc.index.latest(PAGE_SIZE)
        return articles, svc.state.tokens(a.id for a in articles)

    articles, tokens = await asyncio.to_thread(newest)
    if not articles:
        await reply(update, context, render.notice(_empty_archive(update, context, t)))
        return
    links = _links(articles, tokens, context.bot.username)
    await reply(update, context, render.latest(articles, t, links), render.read_keyboard(tokens, t))


async def read_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send an article's full text (/doc <article>, /read <article>)."""
    arg = context.args[0] if context.args else ""
    if "start=" in arg:  # a deep link pasted whole
        arg = arg.rsplit("start=", 1)[1]
    if not arg:
        await reply(update, context, render.notice(texts_of(update, context).usage_read))
        return
    await _send_article(update, context, arg)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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
    question = await asyncio.to_thread(svc.state.query, request.qid)
    if question is None:
        await query.answer(t.expired, show_alert=True)
        return
    try:
        result = await asyncio.to_thread(
            search_text, svc.index, question, PAGE_SIZE, request.page * PAGE_SIZE
        )
    except UnknownSource:  # the outlet left the archive since
        await query.answer(t.expired, show_alert=True)
        return
    text, markup = await _results_message(context, result, t)
    await edit(update, text, markup)
    await query.answer()


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer matching articles in any chat, ten at a time."""
    inline = update.inline_query
    svc, t = services_of(context), texts_of(update, context)
    query, _ = parse.clip_query(inline.query)
    offset = parse.inline_offset(inline.offset)
    if not query or offset is None:
        await inline.answer([], cache_time=INLINE_CACHE_SECONDS)
        return
    if not svc.presses.check(inline.from_user.id).allowed:
        return  # a flood: its queries expire unanswered, and cost no search

    try:
        result = await asyncio.to_thread(search_text, svc.index, query, INLINE_PAGE, offset)
    except UnknownSource:
        await inline.answer([], cache_time=INLINE_CACHE_SECONDS)
        return
    articles = [h.article for h in result.hits]
    tokens = await asyncio.to_thread(svc.state.tokens, [a.id for a in articles])
    links = _links(articles, tokens, context.bot.username)
    answers = render.inline_results(result.hits, t, links, tokens)
    more = result.hits and offset + len(result.hits) < min(result.total, MAX_DEPTH)
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


# ---- subscriptions -----------------------------------------------------------------------

# a channel named as the first word of a command sent in a private chat
_CHANNEL_REF = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}|-100\d{5,}")


def _refusal(error: TargetError, t: Texts) -> str:
    template = {
        "not_admin": t.not_admin,
        "channel_unknown": t.channel_unknown,
        "not_channel": t.not_channel,
        "channel_not_admin": t.channel_not_admin,
        "channel_bot_cannot_post": t.channel_bot_cannot_post,
    }[error.code]
    return template.format(channel=error.name)


async def _target(
    update: Update, context: ContextTypes.DEFAULT_TYPE, rest: str, *, change: bool
) -> tuple[Target, str] | None:
    """The chat a subscription command is about and the rest of its text; None if refused."""
    chat, message = update.effective_chat, update.effective_message
    try:
        if chat.type == ChatType.PRIVATE:
            first, after = (rest.split(None, 1) + ["", ""])[:2]
            if not _CHANNEL_REF.fullmatch(first):
                return Target(chat.id, chat.type), rest
            channel = await resolve_channel(context.bot, first, update.effective_user.id)
            name = f"@{channel.username}" if channel.username else (channel.title or first)
            return Target(channel.id, ChatType.CHANNEL, 0, name), after.strip()
        if change and not await may_change(context.bot, message):
            raise TargetError("not_admin")
    except TargetError as error:
        await reply(update, context, render.notice(_refusal(error, texts_of(update, context))))
        return None
    thread = message.message_thread_id if message.is_topic_message else None
    return Target(chat.id, chat.type, thread or 0), rest


async def follow_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Follow a topic (/theodoi, /subscribe) and show what it catches lately."""
    svc, t = services_of(context), texts_of(update, context)
    found = await _target(update, context, command_text(update), change=True)
    if found is None:
        return
    target, text = found
    if not text:
        await reply(update, context, render.notice(t.usage_follow))
        return
    try:
        followed, recent = await asyncio.to_thread(svc.subscriptions.follow, target, text, t.lang)
    except TopicError as error:
        reason = error.vietnamese if t.lang == "vi" else error.english
        await reply(update, context, render.notice(t.topic_invalid.format(reason=reason)))
        return
    except UnknownSource as error:
        await reply(update, context, render.notice(_unknown_source(error, t)))
        return
    except FollowError as error:
        answer = (
            t.topic_duplicate.format(topic=error.existing.text)
            if error.code == "duplicate" and error.existing is not None
            else t.too_many_topics.format(limit=MAX_TOPICS)
        )
        await reply(update, context, render.notice(answer))
        return

    def details() -> tuple[list[str], int | None, list[Excerpt | None]]:
        chat = svc.subscriptions.store.chat(target.chat_id)
        marks = [explain(followed.text, a)[1] for a in recent]
        return svc.state.tokens(a.id for a in recent), chat.digest_hour if chat else None, marks

    tokens, hour, marks = await asyncio.to_thread(details)
    links = _links(recent, tokens, context.bot.username)
    answer = render.followed(
        followed.text,
        recent,
        links,
        t,
        hour=hour,
        zone=svc.zone.key,
        channel=target.title,
        passages=marks,
    )
    await reply(update, context, answer)


async def unfollow_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop following a topic by its number or words (/huy, /unsubscribe)."""
    svc, t = services_of(context), texts_of(update, context)
    found = await _target(update, context, command_text(update), change=True)
    if found is None:
        return
    target, which = found
    if not which:
        await reply(update, context, render.notice(t.usage_unfollow))
        return
    gone = await asyncio.to_thread(svc.subscriptions.unfollow, target.chat_id, which)
    if not gone:
        await reply(update, context, render.notice(t.unfollow_missing.format(which=which)))
        return
    names = ", ".join(f"“{f.text}”" for f in gone)
    await reply(update, context, render.notice(t.unfollowed.format(topics=names)))


async def topics_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the topics a chat follows (/dstheodoi, /subscriptions); anyone may ask."""
    svc, t = services_of(context), texts_of(update, context)
    found = await _target(update, context, command_text(update), change=False)
    if found is None:
        return
    target, _ = found

    def lookup() -> tuple[list, int | None]:
        chat = svc.subscriptions.store.chat(target.chat_id)
        return svc.subscriptions.store.topics(target.chat_id), chat.digest_hour if chat else None

    followed, hour = await asyncio.to_thread(lookup)
    # in a forum, a topic followed in one forum topic is delivered there only
    items = [
        (
            f.text,
            ""
            if not f.thread_id
            else t.in_thread
            if f.thread_id == target.thread_id
            else t.in_other_thread,
            _rule(f.text),
        )
        for f in followed
    ]
    answer = render.topics(items, t, hour=hour, zone=svc.zone.key, channel=target.title)
    await reply(update, context, answer)


def _rule(text: str) -> str:
    """The phrases a stored topic needs, or "" when it no longer parses."""
    try:
        return render.rule(parse_topic(text))
    except TopicError:
        return ""


async def digest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Get one daily digest at an hour instead of each article (/tomtat 7, /digest off)."""
    svc, t = services_of(context), texts_of(update, context)
    found = await _target(update, context, command_text(update), change=True)
    if found is None:
        return
    target, arg = found
    try:
        hour = parse_hour(arg)
    except ValueError:
        chat = await asyncio.to_thread(svc.subscriptions.store.chat, target.chat_id)
        mode = render.subscription_mode(t, chat.digest_hour if chat else None, svc.zone.key)
        await reply(update, context, render.notice(t.usage_digest.format(mode=mode)))
        return
    # a digest set after today's hour starts tomorrow: today's articles already went out
    done = digest_day(dt.datetime.now(svc.zone), hour) if hour is not None else None
    await asyncio.to_thread(svc.subscriptions.store.set_digest, target, t.lang, hour, done)
    answer = t.digest_off if hour is None else t.digest_set.format(hour=hour, zone=svc.zone.key)
    await reply(update, context, render.notice(answer))


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Carry a group's topics and pending articles to the supergroup it became."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await asyncio.to_thread(services_of(context).subscriptions.move, old, new)
    log.info("chat %s became %s: its topics moved along", old, new)


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
            await update.callback_query.answer(texts_of(update, context).error, show_alert=True)
            return
        except TelegramError:
            pass  # too late to answer the button: say it in the chat instead
    try:
        await context.bot.send_message(
            update.effective_chat.id, render.notice(texts_of(update, context).error)
        )
    except TelegramError as error:
        log.warning("could not tell chat %s about the failure: %s", update.effective_chat.id, error)
