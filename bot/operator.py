"""The operator's side of the running bot: who runs it, the allowlist, error reports to a chat.

admin.py holds the operator commands over these; Services.operator holds the Operator.
"""

from __future__ import annotations

import html
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Update
from telegram.error import TelegramError

from .broadcast import Broadcasts

__all__ = ["MAX_TRACE", "REPORT_EVERY", "ErrorReporter", "Operator"]

log = logging.getLogger(__name__)

REPORT_EVERY = 60.0  # seconds between two error reports: a storm becomes one report a minute
MAX_TRACE = 2500  # characters of traceback in a report


class ErrorReporter:
    """Sends failures to an operator's chat, at most one report per `every` seconds."""

    def __init__(
        self,
        chat_id: int | None,
        secrets: tuple[str, ...] = (),
        every: float = REPORT_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.chat_id = chat_id
        # the token and its secret half: neither may reach a chat, whatever the error says
        self.secrets = tuple(s for s in secrets if s)
        self.every = every
        self.clock = clock
        self._next = float("-inf")
        self._held = 0  # failures not reported since the last report

    def redact(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def compose(self, error: BaseException, where: str) -> str | None:
        """The report's HTML, or None while the rate limit holds it back."""
        now = self.clock()
        if now < self._next:
            self._held += 1
            return None
        self._next = now + self.every
        held, self._held = self._held, 0
        trace = "".join(traceback.format_exception(error))[-MAX_TRACE:]
        lines = [
            f"⚠️ <b>{html.escape(self.redact(f'{type(error).__name__}: {error}'))}</b>",
            html.escape(self.redact(where)),
        ]
        if held:
            lines.append(f"({held} more since the last report)")
        lines.append(f"<pre>{html.escape(self.redact(trace))}</pre>")
        return "\n".join(lines)

    async def report(self, bot, error: BaseException, where: str) -> bool:
        """Send a report unless the rate limit holds it; True when one went out."""
        if self.chat_id is None:
            return False
        text = self.compose(error, where)
        if text is None:
            return False
        try:
            await bot.send_message(self.chat_id, text, parse_mode="HTML")
        except TelegramError as failure:  # the report is a courtesy; the log has it all
            log.warning("could not report the error to chat %s: %s", self.chat_id, failure)
            return False
        return True


@dataclass
class Operator:
    """What the operator commands need; lives in Services.operator."""

    admins: frozenset[int]
    broadcasts: Broadcasts
    reporter: ErrorReporter
    allowed: frozenset[int] = frozenset()
    started: float = field(default_factory=time.monotonic)
    last_update: float | None = None  # time.time() of the last update from Telegram

    def allows(self, update: Update) -> bool:
        """Whether the allowlist (when set) lets this update through; admins always pass."""
        if not self.allowed:
            return True
        chat, user = update.effective_chat, update.effective_user
        if user is not None and user.id in self.admins:
            return True
        key = chat.id if chat is not None else user.id if user is not None else None
        return key in self.allowed
