"""Helpers for the bot's unit tests: a request class that refuses the network, update JSON."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from typing import Any

from telegram.request import BaseRequest, RequestData

from index.models import Article

TOKEN = "123456:TEST-token-never-logged"
BOT = {
    "id": 999,
    "is_bot": True,
    "first_name": "Tin tức",
    "username": "tin_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
USER = {"id": 1001, "is_bot": False, "first_name": "Lan", "language_code": "vi"}
EN_USER = {"id": 1002, "is_bot": False, "first_name": "Ann", "language_code": "en"}
OTHER = {"id": 1003, "is_bot": False, "first_name": "Minh", "language_code": "vi"}
GROUP = {"id": -100200300, "type": "supergroup", "title": "Nhóm đọc báo"}
CHANNEL = {"id": -100900900, "type": "channel", "title": "Kênh tin"}
# the command menus the bot registers, in order (setMyCommands default and "en")
VI_COMMANDS = ["tim", "moi", "doc", "theodoi", "huy", "dstheodoi", "tomtat", "start", "help"]
EN_COMMANDS = [
    "search",
    "latest",
    "read",
    "subscribe",
    "unsubscribe",
    "subscriptions",
    "digest",
    "start",
    "help",
]


class NetworkRefused(RuntimeError):
    """A Bot API method the recording request has no canned answer for."""


class RecordingRequest(BaseRequest):
    """Records every Bot API call, answers with canned JSON and never touches the network."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self._failures: dict[str, list[tuple[int, str, dict | None]]] = {}
        self._message_ids = itertools.count(500)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def fail_next(
        self, method: str, code: int, description: str, parameters: dict | None = None
    ) -> None:
        """Make the next call of a method fail the way Telegram would."""
        self._failures.setdefault(method, []).append((code, description, parameters))

    def sent(self, method: str = "sendMessage") -> list[dict]:
        """Parameters of every call of a method, in order."""
        return [params for name, params in self.calls if name == method]

    def clear(self) -> None:
        self.calls.clear()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((name, params))
        queued = self._failures.get(name)
        if queued:
            code, description, parameters = queued.pop(0)
            body = {"ok": False, "error_code": code, "description": description}
            if parameters:
                body["parameters"] = parameters
            return code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._answer(name, params)}).encode()

    def _answer(self, name: str, params: dict) -> Any:
        if name == "getMe":
            return BOT
        if name in ("sendMessage", "editMessageText"):
            if name == "editMessageText" and "inline_message_id" in params:
                return True
            chat_id = int(params["chat_id"])
            chat = (
                {"id": chat_id, "type": "private", "first_name": "Lan"}
                if chat_id > 0
                else {**GROUP, "id": chat_id}
            )
            message = {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": int(dt.datetime.now().timestamp()),
                "chat": chat,
                "from": BOT,
                "text": params["text"],
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        if name in (
            "answerCallbackQuery",
            "answerInlineQuery",
            "setMyCommands",
            "sendChatAction",
            "deleteWebhook",
            "setWebhook",
            "close",
            "logOut",
        ):
            return True
        if name == "getUpdates":
            return []
        raise NetworkRefused(f"the tests refuse the network ({name})")


_ids = itertools.count(1)


def _next_id() -> int:
    return next(_ids)


def message(
    text: str,
    *,
    user: dict = USER,
    chat: dict | None = None,
    reply_to: dict | None = None,
    entities: list[dict] | None = None,
) -> dict:
    """Update JSON of a text message; commands and @mentions get their entities."""
    chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    if entities is None:
        entities = []
        command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if command:
            entities.append({"type": "bot_command", "offset": 0, "length": command.end()})
        for m in re.finditer(r"(?<![/\w])@[A-Za-z0-9_]{5,32}", text):
            entities.append(
                {"type": "mention", "offset": _u16(text[: m.start()]), "length": _u16(m.group())}
            )
    msg = {
        "message_id": _next_id(),
        "date": int(dt.datetime.now().timestamp()),
        "chat": chat,
        "from": user,
        "text": text,
    }
    if entities:
        msg["entities"] = entities
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return {"update_id": _next_id(), "message": msg}


def bot_message(text: str = "…", chat: dict = GROUP, message_id: int = 77) -> dict:
    """A message the bot sent earlier (for replies and buttons)."""
    return {
        "message_id": message_id,
        "date": int(dt.datetime.now().timestamp()),
        "chat": chat,
        "from": BOT,
        "text": text,
    }


def channel_post(text: str) -> dict:
    """Update JSON of a channel post."""
    return {
        "update_id": _next_id(),
        "channel_post": {
            "message_id": _next_id(),
            "date": int(dt.datetime.now().timestamp()),
            "chat": CHANNEL,
            "sender_chat": CHANNEL,
            "text": text,
        },
    }


def callback(data: str, *, user: dict = USER, message: dict | None = None) -> dict:
    """Update JSON of a button press."""
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    return {
        "update_id": _next_id(),
        "callback_query": {
            "id": str(_next_id()),
            "from": user,
            "chat_instance": "ci",
            "data": data,
            "message": message or bot_message(chat=chat),
        },
    }


def inline(query: str, *, user: dict = USER, offset: str = "") -> dict:
    """Update JSON of an inline query."""
    return {
        "update_id": _next_id(),
        "inline_query": {"id": str(_next_id()), "from": user, "query": query, "offset": offset},
    }


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def sample_articles() -> list[Article]:
    """Small Vietnamese articles written for these tests."""
    d = dt.date
    long_body = "\n".join(
        f"Đoạn {i}: Báo cáo tình hình kinh tế xã hội cho biết tổng sản phẩm trong nước tăng "
        f"trưởng ổn định, xuất khẩu nông sản khởi sắc và thu hút đầu tư nước ngoài tiếp tục "
        f"tăng ở nhiều địa phương trong quý {i % 4 + 1}."
        for i in range(1, 41)
    )
    giant = "Phụ lục số liệu chi tiết về ngân sách địa phương được trình bày liên tục. " * 80
    articles = [
        Article(
            "gia-vang-sjc",
            "Giá vàng SJC tăng mạnh phiên sáng nay",
            "Giá vàng SJC tăng 500 nghìn đồng mỗi lượng trong phiên sáng nay.\n"
            "Người dân xếp hàng mua vàng tại các cửa hàng ở Hà Nội.",
            url="https://tintuc.example.vn/gia-vang-sjc",
            published=d(2024, 5, 2),
            source="Báo Tin Tức",
            category="Kinh tế",
        ),
        Article(
            "vanh-dai-4",
            "Hà Nội khởi công đường Vành đai 4",
            "Thành phố Hà Nội khởi công dự án đường Vành đai 4 dài hơn 100 km.\n"
            "Dự án dự kiến hoàn thành vào năm 2027.",
            published=d(2024, 4, 20),
            source="Thời báo Thủ đô",
        ),
        Article(
            "kho/2024/bão số 3.txt",
            "Bão số 3 đổ bộ vào miền Trung",
            "Cơn bão số 3 đổ bộ vào các tỉnh miền Trung gây mưa rất lớn.\n"
            "Nhiều tuyến đường bị ngập sâu, hàng nghìn người dân được sơ tán.",
            published=d(2024, 9, 8),
            source="Báo Thời Tiết",
        ),
        Article(
            "bong-da-vn",
            "Đội tuyển bóng đá Việt Nam thắng Thái Lan",
            "Đội tuyển bóng đá Việt Nam thắng Thái Lan 2-1 ở trận chung kết.\n"
            "Huấn luyện viên khen tinh thần thi đấu của các cầu thủ trẻ.",
            published=d(2024, 1, 5),
            source="Thể Thao Việt",
        ),
        Article(
            "the-html",
            "Tranh cãi về thẻ <b> và ký tự & trong trang web",
            "Lập trình viên tranh luận về thẻ <b> và ký tự & khi viết trang web.\n"
            "Một số trình duyệt cũ hiển thị sai ký tự đặc biệt.",
            url="https://tintuc.example.vn/the-html?a=1&b=2",
            published=d(2024, 3, 3),
            source="Tạp chí <Công nghệ>",
        ),
        Article(
            "bao-cao-kinh-te",
            "Toàn văn báo cáo kinh tế xã hội năm 2024",
            long_body + "\n" + giant.strip(),
            published=d(2024, 12, 30),
            source="Cổng thông tin Chính phủ",
        ),
    ]
    articles += [
        Article(
            f"cong-vien-{i}",
            f"Khánh thành công viên cây xanh số {i}",
            f"Công viên cây xanh số {i} mở cửa miễn phí cho người dân thành phố.\n"
            f"Công viên có hồ nước, đường đi bộ và sân chơi cho trẻ em.",
            published=d(2024, 6, i),
            source="Báo Đô Thị",
        )
        for i in range(1, 13)
    ]
    return articles
