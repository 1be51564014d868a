"""The bot's HTTP server: /healthz, /metrics, and the Telegram webhook when there is one."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Callable

import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from . import metrics
from .services import opened_services

__all__ = ["health", "serve_http"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1 << 20  # an update is a few kB; this bounds what a stranger can post


def health(app: Application) -> dict:
    """ok, index_open, last_update_age_seconds, outbox_depth (blocking: SQLite)."""
    services = opened_services(app.bot_data)
    out: dict = {
        "ok": False,
        "index_open": False,
        "last_update_age_seconds": None,
        "outbox_depth": None,
    }
    if services is None:
        return out
    try:
        services.index.latest(1)
        out["index_open"] = True
    except Exception as error:  # a closed or broken database: the check says so
        log.warning("health check: the index does not answer: %s", error)
    counts = services.subscriptions.outbox()
    out["outbox_depth"] = counts.get("pending", 0) + counts.get("sending", 0)
    metrics.OUTBOX_DEPTH.set(out["outbox_depth"])
    operator = services.operator
    if operator.last_update is not None:
        out["last_update_age_seconds"] = round(time.time() - operator.last_update, 1)
    out["ok"] = out["index_open"]
    return out


class _Health(tornado.web.RequestHandler):
    def initialize(self, app: Application) -> None:
        self.app = app

    async def get(self) -> None:
        report = await asyncio.to_thread(health, self.app)
        self.set_status(200 if report["ok"] else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(report))


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, app: Application) -> None:
        self.app = app

    async def get(self) -> None:
        await asyncio.to_thread(health, self.app)  # refreshes the outbox gauge
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(REGISTRY))


class _Webhook(tornado.web.RequestHandler):
    """Telegram's POSTs: the secret header checked, the update queued for the application."""

    def initialize(self, app: Application, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            self.send_error(403)
            return
        if len(self.request.body) > MAX_UPDATE_BYTES:
            self.send_error(413)
            return
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, self.app.bot)
        except (ValueError, TypeError, KeyError) as error:
            log.warning("webhook: an update that does not parse: %s", error)
            self.send_error(400)
            return
        await self.app.update_queue.put(update)
        self.set_status(200)
        self.finish()

    def log_exception(self, typ, value, tb) -> None:
        # one line, not tornado's dump of the whole request
        log.error("webhook request failed: %s", value)


def serve_http(
    app: Application,
    listen: str,
    port: int,
    webhook: tuple[str, str] | None = None,
    on_ready: Callable[[int], None] | None = None,
) -> HTTPServer:
    """Start serving /healthz and /metrics (and the webhook path, secret) on the running loop."""
    routes: list = [
        (r"/healthz", _Health, {"app": app}),
        (r"/metrics", _Metrics, {"app": app}),
    ]
    if webhook is not None:
        path, secret = webhook
        routes.append((rf"/{path.strip('/')}/?", _Webhook, {"app": app, "secret": secret}))
    server = HTTPServer(tornado.web.Application(routes), max_body_size=MAX_UPDATE_BYTES)
    server.listen(port, address=listen)
    if on_ready is not None:
        on_ready(port)
    return server
