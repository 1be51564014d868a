"""No question lost to an outage: a reply within seconds, the answer once the backend is back.

Every update runs inside OutageGuard, PTB's update processor. When a question's handler
has not answered within NOTICE_SECONDS and a backend does not answer its probe, or when it
fails because PostgreSQL or OpenSearch is unreachable, the reader is told (in their
Telegram language: the database that holds their /lang may be the one that is down) that
the answer comes when the backend is back, and the update is kept in the local spool.
Once every probe answers again, the spool is processed oldest first, each update once.

Whether a handler already answered is seen where every request passes (AnswerTracking, the
rate limiter): an update that failed after its answer went out is not answered twice.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, BaseUpdateProcessor

from storage.unreachable import unreachable as unavailable

from . import metrics, render
from .readiness import Readiness
from .spool import Spool
from .texts import pick

__all__ = ["AnswerTracking", "OutageGuard", "guard_errors", "unavailable"]

log = logging.getLogger(__name__)

NOTICE_SECONDS = 1.5  # a handler this slow, with a backend down: the reader is told
GIVE_UP_SECONDS = 90.0  # a handler still hanging then is abandoned; its update is spooled
RECHECK_SECONDS = 1.0  # while the handler hangs and the backends answered: probe again
REPLAY_SECONDS = 2.0  # how often the spool is looked at while it holds updates
YIELD_SECONDS = 2.0  # a replay waits at most this long for the new questions to be answered
# the requests that answer a reader (a notice of the guard is not one)
ANSWERS = frozenset(
    {"sendMessage", "sendPhoto", "editMessageText", "editMessageCaption", "sendMediaGroup"}
)

# the spool's file on a thread of its own: the default executor's may all be waiting on a pool
_SPOOL = ThreadPoolExecutor(1, thread_name_prefix="spool")


_job_logged = [-1e9]  # when a job's outage was last logged (monotonic)


@dataclass(slots=True)
class _Attempt:
    """What happened while one update was processed."""

    answered: bool = False
    failed: bool = False  # a handler failed because a backend is unreachable
    noticed: bool = False  # the reader was told to wait


_CURRENT: contextvars.ContextVar[_Attempt | None] = contextvars.ContextVar(
    "newsbot_attempt", default=None
)


class AnswerTracking(AIORateLimiter):
    """PTB's rate limiter that also notes when the update being processed got an answer."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        result = await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
        attempt = _CURRENT.get()
        if attempt is not None and endpoint in ANSWERS and data.get("text") not in _notices():
            attempt.answered = True  # the handler's own message (the guard's notice is not)
        return result


def guard_errors(handler: Callable[[object, Any], Awaitable[None]]):
    """An error handler that leaves outages to the guard: no database, no traceback."""

    async def on_error(update: object, context: Any) -> None:
        if not unavailable(context.error):
            await handler(update, context)
            return
        metrics.BACKEND_ERRORS.labels("dispatch").inc()
        attempt = _CURRENT.get()
        if attempt is not None:
            attempt.failed = True  # the guard tells the reader and keeps the update
        elif time.monotonic() - _job_logged[0] > 60:  # a job runs again at its next tick
            _job_logged[0] = time.monotonic()  # one line a minute, not one a tick
            log.warning("jobs cannot reach a backend: %s", _one_line(context.error))

    return on_error


class OutageGuard(BaseUpdateProcessor):
    """Processes updates concurrently; outages get a notice and the spool (see the module)."""

    def __init__(self, max_concurrent_updates: int, spool: Spool, readiness: Readiness):
        super().__init__(max_concurrent_updates)
        self.spool = spool
        self.readiness = readiness
        self.app: Application | None = None  # set by attach(): the replay needs it
        self._replayer: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self._asking = 0  # readers' questions being processed now (replays aside)
        self._quiet = asyncio.Event()  # set while there are none
        self._quiet.set()

    def attach(self, app: Application) -> None:
        """The application whose spooled updates this guard processes again."""
        self.app = app

    async def initialize(self) -> None:
        self._replayer = asyncio.create_task(self._replay_forever(), name="newsbot-spool")

    async def shutdown(self) -> None:
        if self._replayer is not None:
            self._replayer.cancel()
            await asyncio.gather(self._replayer, return_exceptions=True)
        await _spooled(self.spool.close)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not _spoolable(update):
            await coroutine
            return
        if await _spooled(self.spool.holds, update.update_id):
            coroutine.close()  # sent again while kept: the spool answers it, once
            return
        self._asking += 1
        self._quiet.clear()
        try:
            await self._attempt(update, coroutine, noticed=False)
        finally:
            self._asking -= 1
            if not self._asking:
                self._quiet.set()

    async def _attempt(self, update: Update, coroutine: Awaitable[Any], noticed: bool) -> bool:
        """Process once; True when it is done with (answered, or failed for another reason)."""
        attempt = _Attempt(noticed=noticed)
        began = time.monotonic()
        token = _CURRENT.set(attempt)
        try:
            task = asyncio.ensure_future(coroutine)  # a copy of this context: it sees attempt
            if not noticed:
                await self._watch(update, task, attempt)
            left = NOTICE_SECONDS + GIVE_UP_SECONDS - (time.monotonic() - began)
            done, _ = await asyncio.wait({task}, timeout=max(left, 0.0))
            if not done:
                task.cancel()
                attempt.failed = True
                log.warning("update %s hung for %.0f s: kept for later", update.update_id,
                            NOTICE_SECONDS + GIVE_UP_SECONDS)  # fmt: skip
            elif not task.cancelled() and unavailable(task.exception()):
                attempt.failed = True
        finally:
            _CURRENT.reset(token)
        if not attempt.failed or attempt.answered:
            return True
        if not attempt.noticed:
            await self._notice(update, attempt)
        await _spooled(self.spool.add, update.update_id, update.to_dict(), attempt.noticed)
        metrics.SPOOLED.inc()
        self._wake.set()
        return False

    async def _watch(self, update: Update, task: asyncio.Future, attempt: _Attempt) -> None:
        """Until the handler is done: tell the reader to wait once a backend fails a probe.

        Only a probe begun since the question came (or since the last one passed) counts:
        an outage that began just after an earlier probe must still get the reader a notice,
        not leave them waiting out the pool's or the search client's own timeout.
        """
        began = asked = time.monotonic()
        probe = _probing(self.readiness.backends_down(asked))  # with the question
        await asyncio.wait({task}, timeout=NOTICE_SECONDS)
        while not task.done() and time.monotonic() - began < GIVE_UP_SECONDS:
            await asyncio.wait({task, probe}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                return
            if not probe.cancelled() and probe.exception() is None and probe.result():
                await self._notice(update, attempt)
                return
            # the backends answered a probe begun at `asked`: ask again a second after it,
            # while the handler hangs (a probe is shared by the questions of that second)
            await asyncio.wait({task}, timeout=max(0.0, asked + RECHECK_SECONDS - time.monotonic()))
            asked = time.monotonic()
            probe = _probing(self.readiness.backends_down(asked - RECHECK_SECONDS / 2))

    async def _notice(self, update: Update, attempt: _Attempt) -> None:
        """Tell the reader the answer comes later, in their Telegram language."""
        user = update.effective_user
        texts = pick(user.language_code if user else None)
        try:
            await update.get_bot().send_message(
                update.effective_chat.id,
                render.notice(texts.unavailable),
                message_thread_id=update.effective_message.message_thread_id,
            )
            attempt.noticed = True
        except TelegramError as error:
            log.warning("could not tell chat %s to wait: %s", update.effective_chat.id, error)

    async def _replay_forever(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), REPLAY_SECONDS)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self._replay()
            except Exception as error:  # the spool's file, a bug: the next tick tries again
                log.warning("replaying the spool failed: %s", _one_line(error))

    async def _replay(self) -> None:
        if self.app is None or not self.app.running:
            return
        due = await _spooled(self.spool.due)
        if not due or await self.readiness.backends_down():
            return
        log.info("the backends answer again: %d kept questions to answer", len(due))
        for update_id, payload, noticed in due:
            # the readers asking now have no reply yet; the kept ones were told to wait:
            # a replay goes between new questions (or after YIELD_SECONDS of a steady stream)
            try:
                await asyncio.wait_for(self._quiet.wait(), YIELD_SECONDS)
            except TimeoutError:
                pass
            update = Update.de_json(payload, self.app.bot)
            if not await self._attempt(update, self.app.process_update(update), noticed):
                return  # down again: the rest waits
            await _spooled(self.spool.done, update_id)
            metrics.REPLAYED.inc()


def _spoolable(update: object) -> bool:
    """A message from a reader (a question or a command), not a button or an inline query."""
    return (
        isinstance(update, Update)
        and update.message is not None
        and update.effective_chat is not None
        and update.effective_chat.type != ChatType.CHANNEL
    )


@functools.cache
def _notices() -> frozenset[str]:
    """The notice as sent, in both languages."""
    return frozenset(render.notice(t.unavailable) for t in (pick("vi"), pick("en")))


def _probing(probe: Awaitable[bool]) -> asyncio.Future:
    """A probe started now, whose failure nobody need await."""
    future = asyncio.ensure_future(probe)
    future.add_done_callback(_consume)
    return future


def _consume(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()  # a probe's failure is in the report; nothing to log twice


def _one_line(error: BaseException | None) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0][:300] if error else ""


async def _spooled(call: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(_SPOOL, call, *args)
