"""`newsbot run`: connect (retrying while Telegram is unreachable), serve, stop on a signal.

The application's life is run here rather than by run_polling/run_webhook so that start-up
failures get one line each and a retry, and so that /healthz and /metrics share the
webhook's port (or NEWSBOT_HTTP_PORT when polling).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import sys
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.health import serve_http
from bot.texts import EN, VI

from .application import build_application
from .run_lock import AlreadyRunning, acquire
from .settings import Settings

__all__ = ["RedactToken", "connect", "run", "webhook_options"]

log = logging.getLogger(__name__)

FIRST_RETRY = 1.0  # seconds; doubled after each failure
LAST_RETRY = 60.0


def run(settings: Settings) -> int:
    """Poll for updates, or serve a webhook when WEBHOOK_URL is set; 0 after a clean stop."""
    token = settings.token
    if not token:
        print(f"{VI.no_token}\n\n{EN.no_token}", file=sys.stderr)
        return 1
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    try:
        release = acquire(settings)
    except AlreadyRunning as error:
        print(error, file=sys.stderr)
        return 1
    try:
        return asyncio.run(_serve(settings))
    finally:
        release()


async def _serve(settings: Settings) -> int:
    app = build_application(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if not await connect(app, settings, stop):
        return 0 if stop.is_set() else 1
    server = None
    try:
        await app.post_init(app)
        if settings.webhook_url:
            options = webhook_options(settings)
            await app.bot.set_webhook(
                options["webhook_url"],
                secret_token=options["secret_token"],
                allowed_updates=Update.ALL_TYPES,
            )
            server = serve_http(
                app,
                options["listen"],
                options["port"],
                webhook=(options["url_path"], options["secret_token"]),
            )
            log.info(
                "receiving updates by webhook on %s:%s/%s (also /healthz, /metrics)",
                options["listen"],
                options["port"],
                options["url_path"],
            )
        else:
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            if settings.http_port is not None:
                server = serve_http(app, settings.http_listen, settings.http_port)
                log.info("/healthz and /metrics on %s:%s", settings.http_listen, settings.http_port)
            log.info("receiving updates by long polling")
        await app.start()
        await stop.wait()
        log.info("stopping")
    finally:
        if server is not None:
            server.stop()
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)
    return 0


async def connect(app: Application, settings: Settings, stop: asyncio.Event) -> bool:
    """Initialize (getMe), retrying with backoff while the Bot API is unreachable."""
    host = urlsplit(settings.telegram_api_url).netloc or settings.telegram_api_url
    delay = FIRST_RETRY
    while not stop.is_set():
        try:
            await app.initialize()
            return True
        except InvalidToken as error:
            # PTB also reports a 404 as InvalidToken: a wrong TELEGRAM_API_URL looks the same
            log.error(
                "%s refused the token (%s); check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL",
                host,
                error.message,
            )
            return False
        except NetworkError as error:  # TimedOut is one too
            log.error(
                "cannot reach %s: %s; set NEWSBOT_PROXY or TELEGRAM_API_URL (retrying in %.0f s)",
                host,
                error.message,
                delay,
            )
        except TelegramError as error:
            log.error(
                "%s answered getMe with an error: %s (retrying in %.0f s)", host, error, delay
            )
        try:
            await asyncio.wait_for(stop.wait(), delay)
        except TimeoutError:
            pass
        delay = min(delay * 2, LAST_RETRY)
    return False


def webhook_options(settings: Settings) -> dict:
    """Arguments of run_webhook/start_webhook for settings.webhook_url."""
    url = settings.webhook_url or ""
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlsplit(url).path.strip("/"),
        "webhook_url": url,
        # Telegram echoes it in a header and PTB refuses requests without it
        "secret_token": secret.strip() or secrets.token_urlsafe(32),
    }


class RedactToken(logging.Filter):
    """Replace the bot token wherever a log line would show it."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True
