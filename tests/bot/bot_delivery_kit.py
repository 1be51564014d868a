"""Helpers of the subscription and delivery tests: members and channels, small news, a feed site."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot_testkit import BOT, RecordingRequest
from botapi import ADMIN_RIGHTS

from index.models import Article

KENH = {"id": -100555000, "type": "channel", "title": "Kênh Vàng", "username": "kenh_vang"}


class MemberRequest(RecordingRequest):
    """RecordingRequest that also knows chat members, channels, and forum threads."""

    def __init__(self) -> None:
        super().__init__()
        self.admins: dict[int, set[int]] = {}  # chat id -> user ids with admin status
        self.chats: dict[int, dict] = {KENH["id"]: KENH}
        self.can_post: set[int] = {KENH["id"]}  # channels where the bot is a posting admin

    def _answer(self, name: str, params: dict) -> Any:
        if name == "getChat":
            ref = params["chat_id"]
            chat = next(
                (
                    c
                    for c in self.chats.values()
                    if str(c["id"]) == str(ref) or f"@{c.get('username')}" == ref
                ),
                None,
            )
            if chat is None:
                raise _Refusal(400, "Bad Request: chat not found")
            gifts = dict.fromkeys(
                (
                    "unlimited_gifts",
                    "limited_gifts",
                    "unique_gifts",
                    "premium_subscription",
                    "gifts_from_channels",
                ),
                False,
            )
            return chat | {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": gifts,
            }
        if name == "getChatMember":
            chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
            user = (
                BOT if user_id == BOT["id"] else {"id": user_id, "is_bot": False, "first_name": "U"}
            )
            if user_id == BOT["id"]:
                if chat_id in self.can_post:
                    return _admin(user)
                return _admin(user) | {"can_post_messages": False}
            if user_id in self.admins.get(chat_id, set()):
                return _admin(user)
            return {"status": "member", "user": user}
        answer = super()._answer(name, params)
        if name == "sendMessage" and params.get("message_thread_id"):
            answer["message_thread_id"] = params["message_thread_id"]
        return answer

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        try:
            return await super().do_request(url, method, request_data, *args, **kwargs)
        except _Refusal as refusal:
            body = {"ok": False, "error_code": refusal.code, "description": refusal.description}
            return refusal.code, json.dumps(body).encode()


class _Refusal(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


def _admin(user: dict) -> dict:
    return (
        {"status": "administrator", "user": user, "can_be_edited": False}
        | {"is_anonymous": False}
        | dict.fromkeys(ADMIN_RIGHTS, True)
    )


def news(slug: str, title: str, body: str, day: int = 1, url: bool = True) -> Article:
    """A short article of May 2025 (analyzed in milliseconds once pyvi is loaded)."""
    return Article(
        slug,
        title,
        body,
        url=f"https://tin.example.vn/{slug}" if url else None,
        published=dt.date(2025, 5, day),
        source="Báo Thử",
    )


def small_news() -> list[Article]:
    """The archive the delivery tests start from."""
    return [
        news("vang-cu", "Giá vàng đi ngang tuần trước", "Giá vàng SJC đi ngang cả tuần.", 1),
        news("bao-cu", "Bão số 2 suy yếu", "Cơn bão số 2 suy yếu thành áp thấp.", 2),
        news("bong-da-cu", "Đội tuyển tập huấn", "Đội tuyển bóng đá tập huấn ở Hà Nội.", 3),
    ]


# ---- a news site with a feed ------------------------------------------------------------


class FeedSite:
    """An RSS feed and its article pages over local HTTP; tests add items while it runs."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, list[str], dt.datetime]] = []  # slug, title, paras, when
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self.images: dict[str, str] = {}  # slug -> its og:image
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def __enter__(self) -> FeedSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def feed_url(self) -> str:
        return self.base + "/rss.xml"

    def publish(
        self, slug: str, title: str, paragraphs: list[str], day: int = 10, image: str | None = None
    ) -> None:
        """A new article on the site, listed first in the feed (image: its og:image)."""
        with self.lock:
            self.items.insert(0, (slug, title, paragraphs, dt.datetime(2025, 5, day, 8)))
            if image:
                self.images[slug] = image

    def home(self) -> str:
        """The home page: no feed itself, but it names one (autodiscovery)."""
        return (
            '<!doctype html><html><head><meta charset="utf-8"><title>Báo Thử Nghiệm</title>'
            '<link rel="alternate" type="application/rss+xml" title="Tin mới" href="/rss.xml">'
            "</head><body><p>Trang chủ</p></body></html>"
        )

    def etag(self) -> str:
        with self.lock:
            return f'"v{len(self.items)}"'

    def rss(self) -> str:
        with self.lock:
            items = list(self.items)
        entries = "".join(
            f"<item><title>{title}</title><link>{self.base}/bai/{slug}.html</link>"
            f"<guid>{self.base}/bai/{slug}.html</guid><description>{paras[0]}</description>"
            f"<pubDate>{email.utils.format_datetime(when.replace(tzinfo=dt.UTC))}</pubDate></item>"
            for slug, title, paras, when in items
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Báo Thử Nghiệm</title><link>{self.base}/</link>"
            f"<description>Tin mới</description>{entries}</channel></rss>"
        )

    def page(self, slug: str) -> str | None:
        with self.lock:
            found = next((i for i in self.items if i[0] == slug), None)
        if found is None:
            return None
        _, title, paragraphs, when = found
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        with self.lock:
            image = self.images.get(slug)
        picture = f'<meta property="og:image" content="{image}">' if image else ""
        return (
            '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            f"<title>{title}</title>"
            f'<link rel="canonical" href="{self.base}/bai/{slug}.html">'
            f'<meta property="article:published_time" content="{when.isoformat()}+07:00">'
            f"{picture}</head><body><article><h1>{title}</h1>{body}</article></body></html>"
        )


def _handler(site: FeedSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

        def answer(self, status: int, body: bytes = b"", ctype: str = "text/html", etag=None):
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
            if status != 304:
                self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def do_GET(self) -> None:
            with site.lock:
                site.requests.append(self.path)
            if self.path == "/rss.xml":
                etag = site.etag()
                if self.headers.get("If-None-Match") == etag:
                    return self.answer(304, etag=etag)
                return self.answer(200, site.rss().encode(), "application/rss+xml", etag)
            if self.path == "/":
                return self.answer(200, site.home().encode())
            if self.path.startswith("/bai/") and self.path.endswith(".html"):
                page = site.page(self.path[5:-5])
                if page is not None:
                    return self.answer(200, page.encode())
            return self.answer(404, b"not found")

    return Handler
