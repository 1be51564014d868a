"""`/nguon` (`/feeds`): the bot's operators manage its news feeds from a private chat.

Only Telegram users listed in NEWSBOT_ADMINS may; everyone else is told so. Adding checks the
address at once (feeds.check: fetched, parsed, a page's feed link found), so a feed that
cannot work is refused with its reason instead of failing later in the poller's log.
"""

from __future__ import annotations

import asyncio

from telegram import Update

from feeds import FeedError, add_checked

from . import render, render_topics
from .feeds import FeedPoller
from .sending import reply
from .services import BotContext, command_text, services_of, texts_of

__all__ = ["feeds_command"]

_ADD = {"add", "them", "thêm", "+"}
_LIST = {"", "list", "ls", "ds", "danhsach", "danh", "xem"}
_REMOVE = {"remove", "rm", "del", "delete", "xoa", "xóa", "xoá", "bo", "bỏ", "-"}


async def feeds_command(update: Update, context: BotContext) -> None:
    """Add, list or remove news feeds (/nguon, /feeds); only the bot's operators may."""
    svc, t = services_of(context), texts_of(update, context)
    user = update.effective_user
    if user is None or user.id not in svc.operator.admins:
        await reply(update, context, render.notice(t.feeds_refused))
        return
    registry = svc.feeds.registry
    verb, _, rest = command_text(update).partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb in _ADD and rest:
        answer = await asyncio.to_thread(_add, svc.feeds, rest, t)
    elif verb in _LIST:
        answer = render_topics.feeds(await asyncio.to_thread(registry.list), t)
    elif verb in _REMOVE and rest:
        try:
            gone = await asyncio.to_thread(registry.remove, rest)
            answer = render.notice(t.feeds_removed.format(id=gone.id, url=gone.url))
        except FeedError as error:
            answer = render.notice(t.feeds_remove_failed.format(reason=error))
    else:
        answer = render.notice(t.feeds_usage)
    await reply(update, context, answer)


def _add(poller: FeedPoller, url: str, t) -> str:
    """Check and register a feed; the answer to send either way."""
    # the poller's client and rule: NEWSBOT_PROXY and NEWSBOT_ALLOW_PRIVATE_FETCH as polls
    try:
        feed, found = add_checked(poller.registry, poller.client, url, poller.allow_private)
    except FeedError as error:
        return render.notice(t.feeds_add_failed.format(url=render.echo(url), reason=error))
    return render.notice(
        t.feeds_added.format(
            id=feed.id, url=feed.url, title=found.title or "–", entries=found.entries
        )
    )
