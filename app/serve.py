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
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from bot import metrics
from bot.health import serve_http
from bot.readiness import Readiness
from bot.texts import EN, VI

from . import systemd
from .application import build_application
from .probes import probes
from .run_lock import AlreadyRunning, acquire
from .settings import Settings

__all__ = ["RedactToken", "connect", "hold_jobs", "retrying", "run", "webhook_options"]

log = logging.getLogger(__name__)

FIRST_RETRY = 1.0  # seconds; doubled after each failure
THREADS = 32  # the event loop's worker threads
LAST_RETRY = 30.0  # a Bot API back after a long outage is seen within 30 s


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
    readiness = Readiness(probes(settings))
    app = build_application(settings, readiness=readiness)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # the handlers' database and search calls run in threads: during an outage some hang
    # until their timeouts, and the default six would leave none for the questions after it
    loop.set_default_executor(ThreadPoolExecutor(THREADS, thread_name_prefix="newsbot"))
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    options = webhook_options(settings)  # once: without WEBHOOK_SECRET the secret is random
    # up before anything else: /healthz answers (alive) and /readyz says why not yet ready
    # while the Bot API is away or the index is written; the webhook answers 503 till then
    server = _http_server(app, settings, options, readiness)
    alive = asyncio.ensure_future(systemd.keep_alive(stop))
    try:
        if not await connect(app, settings, stop):
            return 0 if stop.is_set() else 1
        await app.post_init(app)
        readiness.synced = True  # the index is open and caught up with the store
        await app.start()
        if settings.webhook_url:
            registered = await retrying(
                "setWebhook",
                lambda: app.bot.set_webhook(
                    options["webhook_url"],
                    secret_token=options["secret_token"],
                    allowed_updates=Update.ALL_TYPES,
                ),
                settings,
                stop,
            )
            if not registered:
                return 0 if stop.is_set() else 1
            log.info(
                "receiving updates by webhook on %s:%s/%s",
                options["listen"],
                options["port"],
                options["url_path"],
            )
        else:
            polling = await retrying(
                "deleteWebhook",
                lambda: app.updater.start_polling(
                    allowed_updates=Update.ALL_TYPES, error_callback=_polling_failed
                ),
                settings,
                stop,
            )
            if not polling:
                return 0 if stop.is_set() else 1
            log.info("receiving updates by long polling")
        systemd.notify("READY=1")
        await stop.wait()
        log.info("stopping")
        systemd.notify("STOPPING=1")
    finally:
        stop.set()
        await alive
        if server is not None:
            server.stop()
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            hold_jobs(app)
            await app.stop()
        await app.shutdown()
        await app.bot.shutdown()  # its HTTP clients, when getMe never succeeded
        await app.post_shutdown(app)
    return 0


def hold_jobs(app: Application) -> None:
    """Start no more jobs: the stop that follows waits for the running ones to end."""
    # PTB's stop waits for the jobs running when it begins, but the scheduler goes on starting
    # new ones (the delivery job every 5 s) and APScheduler then cancels those, logging a
    # traceback at every stop; jobs resume where they left off at the next start anyway
    if app.job_queue is not None and app.job_queue.scheduler.running:
        app.job_queue.scheduler.pause()


def _http_server(
    app: Application, settings: Settings, options: dict, readiness: Readiness
) -> HTTPServer | None:
    """/healthz, /readyz, /metrics: on the webhook's port (and its path), or NEWSBOT_HTTP_PORT."""
    if settings.webhook_url:
        listen, port = options["listen"], options["port"]
        webhook = (options["url_path"], options["secret_token"])
    elif settings.http_port is not None:
        listen, port, webhook = settings.http_listen, settings.http_port, None
    else:
        return None
    server = serve_http(app, listen, port, webhook=webhook, readiness=readiness)
    log.info("/healthz, /readyz and /metrics on %s:%s", listen, port)
    return server


async def connect(app: Application, settings: Settings, stop: asyncio.Event) -> bool:
    """Initialize (getMe), retrying with backoff while the Bot API is unreachable."""
    return await retrying("getMe", app.initialize, settings, stop)


async def retrying(
    method: str,
    call: Callable[[], Awaitable[object]],
    settings: Settings,
    stop: asyncio.Event,
) -> bool:
    """Call until it succeeds, one log line a failure; False once stopped or refused."""
    # The Bot API may go away between getMe and setWebhook/deleteWebhook as well as before:
    # every start-up call waits it out the same way, with no traceback.
    host = urlsplit(settings.telegram_api_url).netloc or settings.telegram_api_url
    delay = FIRST_RETRY
    while not stop.is_set():
        try:
            await call()
            if delay > FIRST_RETRY:  # it failed before: reached again
                metrics.RECONNECTS.labels("telegram").inc()
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
            metrics.BACKEND_ERRORS.labels("telegram").inc()
            log.error(
                "cannot reach %s: %s; set NEWSBOT_PROXY or TELEGRAM_API_URL (retrying in %.0f s)",
                host,
                error.message,
                delay,
            )
        except TelegramError as error:
            metrics.BACKEND_ERRORS.labels("telegram").inc()
            log.error(
                "%s answered %s with an error: %s (retrying in %.0f s)", host, method, error, delay
            )
        try:
            await asyncio.wait_for(stop.wait(), delay)
        except TimeoutError:
            pass
        delay = min(delay * 2, LAST_RETRY)
    return False


def _polling_failed(error: TelegramError) -> None:
    # PTB's default logs a traceback at every failed getUpdates while the Bot API is away
    metrics.BACKEND_ERRORS.labels("telegram").inc()
    log.warning("getUpdates failed: %s (PTB retries)", error)


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
