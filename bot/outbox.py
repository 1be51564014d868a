"""The sender: pending outbox rows become Telegram messages, paced, with named failures.

Each pass takes the chats that are due (outbox_store.Outbox.due) and sends each
one message: a single article, a list when more than BURST are waiting, or the day's digest.
A row is claimed 'sending' (committed) before its request and 'sent' after, so a kill -9
repeats at most the messages in flight (one per chat, CONCURRENCY at most) and loses none;
replicas sharing PostgreSQL never claim one row twice (outbox_store.py).

Limits: PTB's AIORateLimiter keeps every request under ~30/s overall and 20/min per group
(and retries RetryAfter itself); the Pacer spaces the messages of one chat so the sender
never queues a group's messages behind that limiter. What still goes wrong is named::

    Forbidden            the chat waits failures x pause, then is dropped (MAX_FAILURES)
    ChatMigrated         topics and rows move to the new id and go out there
    RetryAfter           the sender waits that long; the rows stay pending
    BadRequest markup    resent as plain text (sending.send)
    BadRequest photo     a picture Telegram refuses: the push goes out as text
    BadRequest other     the rows are marked failed; Telegram will not take them
    NetworkError         the rows stay pending; the sender waits a tick
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
import warnings
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from feeds import names_private

from . import keyboards, metrics, render, render_topics
from .broadcast import PREFIX, Broadcasts
from .sending import send
from .state import State
from .subscriptions import Batch, Delivery, Subscriptions, explain
from .texts import pick
from .views import article_links

__all__ = ["BURST", "CONCURRENCY", "Pacer", "Sender"]

log = logging.getLogger(__name__)

BURST = 3  # more rows than this waiting for one chat: one list message instead
CONCURRENCY = 1  # chats sent to at once: a kill repeats at most this many messages
DIGEST_LOCK = "newsbot digests"  # the advisory lock of digest sending
PRIVATE_SPACING = 1.0  # Telegram asks for about one message a second in a chat
GROUP_SPACING = 3.0  # 20 a minute in a group or channel


class Pacer:
    """Earliest time of the next message to each chat: spaced by chat kind."""

    def __init__(
        self,
        private: float = PRIVATE_SPACING,
        group: float = GROUP_SPACING,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.private, self.group, self.clock = private, group, clock
        self._next: dict[int, float] = {}

    def wait(self, chat_id: int) -> float:
        """Seconds until the chat may get another message (0 when it may now)."""
        return max(0.0, self._next.get(chat_id, 0.0) - self.clock())

    def sent(self, chat_id: int) -> None:
        """A message went to the chat (or was tried): space the next one."""
        now = self.clock()
        if len(self._next) > 10_000:
            self._next = {c: t for c, t in self._next.items() if t > now}
        self._next[chat_id] = now + (self.group if chat_id < 0 else self.private)


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns about the int it returns
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)


class Sender:
    """Sends what the outbox owes: run() until nothing is due (or it must stop)."""

    def __init__(
        self,
        bot: Bot,
        subscriptions: Subscriptions,
        state: State,
        *,
        zone: ZoneInfo,
        pause: float = 60.0,
        linger: float = 5.0,
        concurrency: int = CONCURRENCY,
        pacer: Pacer | None = None,
        now: Callable[[], dt.datetime] | None = None,
        clock: Callable[[], float] = time.monotonic,
        broadcasts: Broadcasts | None = None,
    ):
        self.bot = bot
        self.broadcasts = broadcasts
        self.subscriptions = subscriptions
        self.outbox = subscriptions.outbox
        self.state = state
        self.zone = zone
        self.pause = pause  # a Forbidden chat waits pause x its failures
        self.linger = linger  # waits shorter than this happen in the pass; longer: next tick
        self.pacer = pacer or Pacer(clock=clock)
        self.now = now or (lambda: dt.datetime.now(zone))
        self.clock = clock
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._running = asyncio.Lock()
        self._resume = 0.0  # clock time before which nothing is sent (RetryAfter)

    async def run(self, stop: Callable[[], bool] | None = None) -> int:
        """Send until nothing is due; returns the messages sent. A second call meanwhile is a no-op."""
        if self._running.locked():
            return 0
        sent = 0
        # replicas: one sends digests at a time (its pass keeps the lock); others skip them
        digests = self.outbox.database.advisory(DIGEST_LOCK)
        async with self._running:
            mine = await asyncio.to_thread(digests.__enter__)
            try:
                sent = await self._pass(stop, mine)
            finally:
                await asyncio.to_thread(digests.__exit__, None, None, None)
        return sent

    async def _pass(self, stop: Callable[[], bool] | None, digests: bool) -> int:
        """Send until nothing is due (digests only when this replica holds their lock)."""
        sent = 0
        while not (stop and stop()):
            hold = self._resume - self.clock()
            if hold > 0:
                if hold > self.linger:
                    break
                await asyncio.sleep(hold)
                continue
            local = self.now()
            batches = await asyncio.to_thread(
                self.outbox.due, time.time(), local.date().isoformat(), local.hour
            )
            first: dict[int, Batch] = {}  # one message per chat per pass
            for batch in batches:
                if digests or not batch.digest:
                    first.setdefault(batch.chat.chat_id, batch)
            ready = [b for c, b in first.items() if self.pacer.wait(c) <= 0]
            if self.outbox.shared:
                # replicas go through the due chats in different orders: few claims collide
                random.shuffle(ready)
            if not ready:
                soonest = min((self.pacer.wait(c) for c in first), default=None)
                if soonest is None or soonest > self.linger:
                    break
                await asyncio.sleep(soonest)
                continue
            done = await asyncio.gather(*(self._one(b, local) for b in ready))
            sent += sum(done)
        return sent

    async def _one(self, batch: Batch, local: dt.datetime) -> int:
        async with self._slots:
            if self._resume > self.clock():
                return 0
            try:
                return await self._deliver(batch, local)
            except Exception:  # a bug must not stop every other chat's news
                log.exception("delivery to chat %s failed", batch.chat.chat_id)
                ids = [r.id for r in batch.rows]
                await asyncio.to_thread(self.outbox.mark, ids, "pending")
                self.pacer.sent(batch.chat.chat_id)
                return 0

    async def _deliver(self, batch: Batch, local: dt.datetime) -> int:
        """Send the batch's next message (or every part of its digest); messages sent."""
        chat = batch.chat
        # a /lang choice made after the chat followed its topics wins
        t = pick(self.state.language(chat.chat_id) or chat.language)
        rows = list(batch.rows)
        notes = [r for r in rows if r.article_id.startswith(PREFIX)]
        if notes:  # an operator's message goes first, alone
            return await self._broadcast(batch, notes[0])
        items = await asyncio.to_thread(self._items, rows)
        gone = [r.id for r in rows if r.id not in items]
        if gone:  # removed from the archive since it matched
            await asyncio.to_thread(self.outbox.mark, gone, "failed")
        rows = [r for r in rows if r.id in items]
        if not rows:
            return 0
        pushes = [items[r.id][0] for r in rows]
        if batch.digest:
            sent = 0
            for text, count in render_topics.digest(pushes, t, local.date()):
                if sent:
                    await asyncio.sleep(self.pacer.wait(chat.chat_id))
                if not await self._send(batch, rows[:count], text, None):
                    return sent
                rows = rows[count:]
                sent += 1
            await asyncio.to_thread(self.outbox.digest_done, chat.chat_id, local.date().isoformat())
            return sent
        if len(rows) > BURST:
            text, count = render_topics.push_list(pushes, t)[0]
            return int(await self._send(batch, rows[:count], text, None))
        token = items[rows[0].id][1]
        markup = keyboards.push_keyboard(token, t)
        item = pushes[0]
        photo = None
        # Telegram downloads the picture: never point it at a private or local address
        if item.article.image and not names_private(item.article.image):
            photo = (item.article.image, render_topics.push(item, t, limit=render.MAX_CAPTION))
        return int(await self._send(batch, rows[:1], render_topics.push(item, t), markup, photo))

    async def _broadcast(self, batch: Batch, row: Delivery) -> int:
        """Send one broadcast row; a row whose text is gone is failed."""
        text = (
            await asyncio.to_thread(self.broadcasts.text, row.article_id)
            if self.broadcasts is not None
            else None
        )
        if text is None:
            await asyncio.to_thread(self.outbox.mark, [row.id], "failed")
            return 0
        return int(await self._send(batch, [row], render.notice(text), None))

    def _items(self, rows: Sequence[Delivery]) -> dict[int, tuple[render_topics.Push, str]]:
        """Each row's article as a Push, with its token, by row id."""
        articles = self.subscriptions.articles(rows)
        found = [r for r in rows if r.id in articles]
        tokens = self.state.tokens(articles[r.id].id for r in found)
        out = {}
        links = article_links([articles[r.id] for r in found], tokens, self.bot.username)
        for row, token, link in zip(found, tokens, links, strict=True):
            article = articles[row.id]
            matched, passage = explain(row.topic, article)
            out[row.id] = (render_topics.Push(article, link, row.topic, matched, passage), token)
        return out

    async def _send(
        self,
        batch: Batch,
        rows: Sequence[Delivery],
        text: str,
        markup: InlineKeyboardMarkup | None,
        photo: tuple[str, str] | None = None,
    ) -> bool:
        """One message for rows: 'sending' before the request, 'sent' after; False if not sent.

        photo is (picture URL, caption): sent as a photo, and as text when Telegram refuses it.
        """
        chat_id = batch.chat.chat_id
        ids = [r.id for r in rows]
        claimed = await asyncio.to_thread(self.outbox.claim, ids)
        if len(claimed) < len(ids):  # another replica has (some of) them: it sends them
            await asyncio.to_thread(self.outbox.mark, claimed, "pending")
            return False
        self.pacer.sent(chat_id)
        sent = await self._attempt(batch, ids, text, markup, photo)
        (metrics.DELIVERIES_SENT if sent else metrics.DELIVERIES_FAILED).inc()
        return sent

    async def _attempt(
        self,
        batch: Batch,
        ids: list[int],
        text: str,
        markup: InlineKeyboardMarkup | None,
        photo: tuple[str, str] | None,
    ) -> bool:
        """The request of _send and what each named failure means for its rows."""
        chat_id, thread = batch.chat.chat_id, batch.thread_id or None
        try:
            try:
                await self._post(chat_id, text, markup, thread, photo)
            except BadRequest as error:
                if thread is None or "thread not found" not in error.message.lower():
                    raise
                # the forum topic was deleted: the group itself still wants its news
                await self._post(chat_id, text, markup, None, photo)
        except Forbidden as error:
            await asyncio.to_thread(self.outbox.mark, ids, "pending")
            await self._refused(chat_id, error.message)
            return False
        except ChatMigrated as error:
            await asyncio.to_thread(self.subscriptions.move, chat_id, error.new_chat_id)
            log.info("chat %s became %s: its deliveries follow", chat_id, error.new_chat_id)
            return False
        except RetryAfter as error:
            await asyncio.to_thread(self.outbox.mark, ids, "pending")
            wait = _seconds(error)
            self._resume = max(self._resume, self.clock() + wait)
            log.warning("flood control: waiting %.0f s before sending again", wait)
            return False
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                await asyncio.to_thread(self.outbox.mark, ids, "pending")
                await self._refused(chat_id, error.message)
                return False
            await asyncio.to_thread(self.outbox.mark, ids, "failed")
            log.warning("chat %s refused %d article(s): %s", chat_id, len(ids), error.message)
            return False
        except NetworkError as error:
            await asyncio.to_thread(self.outbox.mark, ids, "pending")
            self._resume = max(self._resume, self.clock() + self.linger)
            log.warning("network trouble sending to chat %s: %s", chat_id, error.message)
            return False
        await asyncio.to_thread(self.outbox.delivered, chat_id, ids)
        return True

    async def _post(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        thread: int | None,
        photo: tuple[str, str] | None,
    ) -> None:
        """Send the photo with its caption, else (or when it is refused) the text."""
        if photo is not None:
            url, caption = photo
            extra = {"message_thread_id": thread} if thread else {}
            try:
                await self.bot.send_photo(
                    chat_id, url, caption=caption, reply_markup=markup, **extra
                )
                return
            except BadRequest as error:
                reason = error.message.lower()
                if "chat not found" in reason or "thread not found" in reason:
                    raise
                # a picture Telegram cannot fetch or read: the news goes out as text
                log.info(
                    "chat %s: photo %s refused (%s); sending text", chat_id, url, error.message
                )
        await send(self.bot, chat_id, text, markup=markup, thread=thread)

    async def _refused(self, chat_id: int, why: str) -> None:
        dropped = await asyncio.to_thread(self.subscriptions.refused, chat_id, self.pause)
        if dropped:
            log.info("chat %s dropped after repeated refusals (%s)", chat_id, why)
        else:
            log.info("chat %s refused delivery (%s): paused", chat_id, why)
