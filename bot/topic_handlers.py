"""Callbacks of the topic commands: follow, unfollow, list, digest; a group that migrated."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re

from telegram import (
    Update,
)
from telegram.constants import ChatType

from index import (
    Excerpt,
    TopicError,
    parse_topic,
)

from . import render, render_topics
from .handlers import flooded, user_id
from .sending import reply
from .services import BotContext, command_text, services_of, texts_of
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
from .texts import Texts
from .views import article_links

__all__ = ["digest_command", "follow_command", "migrated", "topics_command", "unfollow_command"]

log = logging.getLogger(__name__)


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
    return template.format(channel=render.echo(error.name))


async def _target(
    update: Update, context: BotContext, *, change: bool, usage: str = ""
) -> tuple[Target, str] | None:
    """The chat a subscription command is about and the rest of its text.

    None when the user may not change that chat (change), or when the command names nothing
    and a usage is given: the refusal or the usage was the answer.
    """
    try:
        target, rest = await _resolve(update, context, command_text(update), change)
    except TargetError as error:
        await reply(update, context, render.notice(_refusal(error, texts_of(update, context))))
        return None
    if usage and not rest:
        await reply(update, context, render.notice(usage))
        return None
    return target, rest


async def _resolve(
    update: Update, context: BotContext, rest: str, change: bool
) -> tuple[Target, str]:
    """The chat and the rest of the text: a channel named first in a private chat, or this chat."""
    chat, message = update.effective_chat, update.effective_message
    if chat.type == ChatType.PRIVATE:
        first, after = (rest.split(None, 1) + ["", ""])[:2]
        if not _CHANNEL_REF.fullmatch(first):
            return Target(chat.id, chat.type), rest
        channel = await resolve_channel(context.bot, first, update.effective_user.id)
        name = f"@{channel.username}" if channel.username else (channel.title or first)
        return Target(channel.id, ChatType.CHANNEL, 0, name), after.strip()
    if change and not await may_change(context.bot, message):
        raise TargetError("not_admin")
    thread = message.message_thread_id if message.is_topic_message else None
    return Target(chat.id, chat.type, thread or 0), rest


async def follow_command(update: Update, context: BotContext) -> None:
    """Follow a topic (/theodoi, /subscribe) and show what it catches lately."""
    svc, t = services_of(context), texts_of(update, context)
    if await flooded(update, context):  # a follow costs a question: its preview searches
        return
    found = await _target(update, context, change=True, usage=t.usage_follow)
    if found is None:
        return
    target, text = found
    try:
        followed, recent = await svc.turns.run(
            user_id(update), svc.subscriptions.follow, target, text, t.lang
        )
    except TopicError as error:
        reason = error.vietnamese if t.lang == "vi" else error.english
        await reply(update, context, render.notice(t.topic_invalid.format(reason=reason)))
        return
    except FollowError as error:
        answer = (
            t.topic_duplicate.format(topic=error.existing.text)
            if error.code == "duplicate" and error.existing is not None
            else t.too_many_topics.format(limit=MAX_TOPICS)
        )
        await reply(update, context, render.notice(answer))
        return

    def details() -> tuple[list[str], int | None, list[Excerpt | None], tuple[str, ...]]:
        chat = svc.subscriptions.chat(target.chat_id)
        marks = [explain(followed.text, a)[1] for a in recent]
        awaited = svc.subscriptions.awaited(followed.text)
        tokens = svc.state.tokens(a.id for a in recent)
        return tokens, chat.digest_hour if chat else None, marks, awaited

    tokens, hour, marks, awaited = await asyncio.to_thread(details)
    links = article_links(recent, tokens, context.bot.username)
    answer = render_topics.followed(
        followed.text,
        recent,
        links,
        t,
        hour=hour,
        zone=svc.zone.key,
        channel=target.title,
        passages=marks,
        awaited=awaited,
    )
    await reply(update, context, answer)


async def unfollow_command(update: Update, context: BotContext) -> None:
    """Stop following a topic by its number or words (/huy, /unsubscribe)."""
    svc, t = services_of(context), texts_of(update, context)
    found = await _target(update, context, change=True, usage=t.usage_unfollow)
    if found is None:
        return
    target, which = found
    gone = await asyncio.to_thread(svc.subscriptions.unfollow, target.chat_id, which)
    if not gone:
        await reply(
            update, context, render.notice(t.unfollow_missing.format(which=render.echo(which)))
        )
        return
    names = ", ".join(f"“{f.text}”" for f in gone)
    await reply(update, context, render.notice(t.unfollowed.format(topics=names)))


async def topics_command(update: Update, context: BotContext) -> None:
    """List the topics a chat follows (/dstheodoi, /subscriptions); anyone may ask."""
    svc, t = services_of(context), texts_of(update, context)
    found = await _target(update, context, change=False)
    if found is None:
        return
    target, _ = found

    def lookup() -> tuple[list, int | None]:
        chat = svc.subscriptions.chat(target.chat_id)
        return svc.subscriptions.followed(target.chat_id), chat.digest_hour if chat else None

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
    answer = render_topics.topics(items, t, hour=hour, zone=svc.zone.key, channel=target.title)
    await reply(update, context, answer)


def _rule(text: str) -> str:
    """The phrases a stored topic needs, or "" when it no longer parses."""
    try:
        return render_topics.rule(parse_topic(text))
    except TopicError:
        return ""


async def digest_command(update: Update, context: BotContext) -> None:
    """Get one daily digest at an hour instead of each article (/tomtat 7, /digest off)."""
    svc, t = services_of(context), texts_of(update, context)
    found = await _target(update, context, change=True)
    if found is None:
        return
    target, arg = found
    try:
        hour = parse_hour(arg)
    except ValueError:
        chat = await asyncio.to_thread(svc.subscriptions.chat, target.chat_id)
        mode = render_topics.subscription_mode(t, chat.digest_hour if chat else None, svc.zone.key)
        await reply(update, context, render.notice(t.usage_digest.format(mode=mode)))
        return
    # a digest set after today's hour starts tomorrow: today's articles already went out
    done = digest_day(dt.datetime.now(svc.zone), hour) if hour is not None else None
    await asyncio.to_thread(svc.subscriptions.set_digest, target, t.lang, hour, done)
    answer = t.digest_off if hour is None else t.digest_set.format(hour=hour, zone=svc.zone.key)
    await reply(update, context, render.notice(answer))


async def migrated(update: Update, context: BotContext) -> None:
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
