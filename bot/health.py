"""The bot's HTTP server: /healthz, /readyz, /metrics, and the Telegram webhook if there is one."""

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
from .readiness import Readiness
from .services import opened_services

__all__ = ["liveness", "serve_http"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1 << 20  # an update is a few kB; this bounds what a stranger can post
STARTED = time.time()
SHARED_PROBE_SECONDS = 1.0  # /readyz requests within a second share their probes


def liveness(app: Application, readiness: Readiness | None = None) -> dict:
    """ok (the process serves), uptime, last update's age, the last readiness: no I/O."""
    out: dict = {
        "ok": True,
        "uptime_seconds": round(time.time() - STARTED, 1),
        "last_update_age_seconds": None,
        "ready": readiness.last["ready"] if readiness and readiness.last else None,
    }
    services = opened_services(app.bot_data)
    last = services.operator.last_update if services is not None else None
    if last is not None:
        out["last_update_age_seconds"] = round(time.time() - last, 1)
    return out


class _Health(tornado.web.RequestHandler):
    """/healthz: liveness only; it reads nothing, so it answers while every backend is down."""

    def initialize(self, app: Application, readiness: Readiness) -> None:
        self.app, self.readiness = app, readiness

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(liveness(self.app, self.readiness)))


class _Ready(tornado.web.RequestHandler):
    """/readyz: 200 when the backends answer, the index is open and synced; else 503."""

    def initialize(self, app: Application, readiness: Readiness) -> None:
        self.app, self.readiness = app, readiness

    async def get(self) -> None:
        report = await self.readiness.report(
            index_open=opened_services(self.app.bot_data) is not None,
            since=time.monotonic() - SHARED_PROBE_SECONDS,
        )
        self.set_status(200 if report["ready"] else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(report))


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, app: Application, readiness: Readiness) -> None:
        self.app = app

    async def get(self) -> None:
        await _outbox_depth(self.app)
        await _coverage(self.app)
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(REGISTRY))


_counting = asyncio.Lock()


async def _outbox_depth(app: Application) -> None:
    """Refresh the outbox gauge, giving up after 2 s: a scrape must not wait on a dead pool."""
    services = opened_services(app.bot_data)
    if services is None or _counting.locked():  # a count still hangs: keep the old value
        return
    async with _counting:
        try:
            counts = await asyncio.wait_for(
                asyncio.to_thread(services.subscriptions.outbox_counts), 2
            )
        except Exception as error:  # the database is away; /readyz says so
            log.debug("outbox depth: %s", error)
            return
    metrics.OUTBOX_DEPTH.set(counts.get("pending", 0) + counts.get("sending", 0))


async def _coverage(app: Application) -> None:
    """Refresh the semantic coverage gauges (the loaded vectors, or one query of a shared
    store's), giving up after 2 s as the outbox count does."""
    services = opened_services(app.bot_data)
    if services is None:
        return
    try:
        found = await asyncio.wait_for(asyncio.to_thread(services.index.coverage), 2)
    except Exception as error:
        log.debug("semantic coverage: %s", error)
        return
    metrics.ARTICLES.set(found.articles)
    metrics.EMBEDDED.labels("lead").set(found.leads)
    metrics.EMBEDDED.labels("windows").set(found.windows)
    metrics.SEMANTIC_COVERAGE.set(found.share)


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
        if not self.app.running:
            # still starting (or stopping): Telegram sends it again later, none is lost
            self.send_error(503)
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
    readiness: Readiness | None = None,
) -> HTTPServer:
    """Serve /healthz, /readyz, /metrics (and the webhook path, secret) on the running loop."""
    parts = {"app": app, "readiness": readiness or Readiness([])}
    routes: list = [
        (r"/healthz", _Health, parts),
        (r"/readyz", _Ready, parts),
        (r"/metrics", _Metrics, parts),
    ]
    if webhook is not None:
        path, secret = webhook
        routes.append((rf"/{path.strip('/')}/?", _Webhook, {"app": app, "secret": secret}))
    server = HTTPServer(tornado.web.Application(routes), max_body_size=MAX_UPDATE_BYTES)
    server.listen(port, address=listen)
    if on_ready is not None:
        on_ready(port)
    return server
