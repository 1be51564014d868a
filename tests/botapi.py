"""A local fake of the Telegram Bot API for end-to-end tests.

python-telegram-bot's real networking (HTTPXRequest) talks to it over loopback::

    async with BotApiServer() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)

Chats, messages and the update queue live in memory. The server answers the methods a
news bot uses and enforces Telegram's limits with Telegram's own error texts; HTML parse
mode mirrors TDLib's ``parse_html`` (the parser behind the real Bot API server), including
its error messages and byte offsets. Tests inject updates (``send_text``, ``press_button``,
``inline_query``...) and inspect what the bot did (``messages``, ``calls``, ``errors``...).

Every test-side method is thread-safe. ``BotApiServer`` runs on the caller's event loop and
its ``wait_*`` helpers are coroutines; ``ThreadedBotApiServer`` runs it on its own thread and
loop (for synchronous tests, or a bot running as a subprocess) and its ``wait_*`` block.

Known differences from Telegram: an unknown method answers 400, not 404 (PTB turns 404 into
InvalidToken and stops polling); Markdown/MarkdownV2 text is stored unparsed; webhooks are
recorded, never called; entities Telegram detects by itself in bot messages (urls, mentions)
are not added.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import ipaddress
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

MAX_TEXT_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
# Update types delivered when allowed_updates is not set (or set to []).
NOT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}
# Form fields that stay strings; every other field is JSON-decoded when it parses.
STRING_PARAMS = {
    "text", "caption", "parse_mode", "url", "callback_query_id", "inline_query_id",
    "next_offset", "action", "language_code", "secret_token", "ip_address", "query",
    "inline_message_id", "business_connection_id", "message_effect_id", "emoji", "name",
    "description", "short_description", "title", "custom_title", "result_id",
}  # fmt: skip
BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
    "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
    "can_post_stories", "can_edit_stories", "can_delete_stories", "can_pin_messages",
    "can_post_messages", "can_edit_messages",
)  # fmt: skip
GIFT_TYPES = (
    "unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
    "gifts_from_channels",
)  # fmt: skip
KICKED = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot was kicked from the group chat",
    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
    "channel": "Forbidden: bot is not a member of the channel chat",
}
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}  # fmt: skip


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def bad(description: str, parameters: dict | None = None) -> ApiError:
    return ApiError(400, "Bad Request: " + description, parameters)


# --------------------------------------------------------------------------- HTML parse mode


class EntityParseError(ValueError):
    pass


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


_SPACES = " \t\r\n\0\v"  # TDLib's is_space; "\0" stands for the end of the text
_TAGS = {
    "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
    "tg-emoji", "span", "pre", "code", "blockquote",
}  # fmt: skip
_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """TDLib's decode_html_entity: the four named entities and numeric ones, ';' optional."""
    n, end = len(text), pos + 1
    if end < n and text[end] == "#":
        end += 1
        hexa = end < n and text[end] == "x"
        end += hexa
        start, digits = end, "0123456789abcdefABCDEF" if hexa else "0123456789"
        while end < n and text[end] in digits:
            end += 1
        code = int(text[start:end], 16 if hexa else 10) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(code)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        char = _NAMED.get(text[pos + 1 : end])
        if char is None:
            return None
    return char, end + (end < n and text[end] == ";")


def check_url(url: str) -> str | None:
    """Normalised URL for a text_link, or None when Telegram would drop the link."""
    url = url.strip()
    if re.match(r"(?i)(tg|ton):", url):
        return url
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https", "ftp") or "." not in (parts.hostname or ""):
        return None
    return url if parts.path else url.replace(parts.netloc, parts.netloc + "/", 1)


def parse_html(text: str, *, strict_ampersand: bool = False) -> tuple[str, list[dict]]:
    """Visible text and entities of ``text`` in HTML parse mode, as Telegram parses it.

    Raises EntityParseError with TDLib's message. Like Telegram, a '&' that does not start
    a known entity is kept as text; ``strict_ampersand`` rejects it instead (not Telegram).
    """
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def offset(k: int) -> int:
        return len(text[:k].encode("utf-8", "surrogatepass"))

    def skip_spaces(k: int) -> int:
        while at(k) != "\0" and at(k) in _SPACES:
            k += 1
        return k

    out: list[str] = []
    u16, entities, stack = 0, [], []  # stack items: [tag, argument, utf16 offset, len(out)]
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded:
                out.append(decoded[0])
                u16 += utf16_len(decoded[0])
                i = decoded[1]
                continue
            if strict_ampersand:
                raise EntityParseError(f"[strict mode] bare '&' at byte offset {offset(i)}")
        if c != "<":
            out.append(c)
            u16 += utf16_len(c)
            i += 1
            continue
        begin, i = i, i + 1
        if at(i) != "/":  # start tag
            while at(i) not in _SPACES and at(i) != ">":
                i += 1
            if at(i) == "\0":
                raise EntityParseError(f"Unclosed start tag at byte offset {offset(begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{tag}" at byte offset {offset(begin)}'
                )
            argument = ""
            while at(i) != ">":
                i = skip_spaces(i)
                if at(i) == ">":
                    break
                if at(i) == "\0":
                    raise EntityParseError(
                        f'Unclosed start tag "{tag}" at byte offset {offset(begin)}'
                    )
                name_begin = i
                while at(i) not in _SPACES and at(i) not in "=>":
                    i += 1
                name = text[name_begin:i]
                if not name:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {offset(begin)}'
                    )
                i = skip_spaces(i)
                value = ""
                if at(i) == "=":
                    i = skip_spaces(i + 1)
                    if at(i) == "\0":
                        raise EntityParseError(
                            f'Unclosed start tag "{tag}" at byte offset {offset(begin)}'
                        )
                    if at(i) not in "'\"":  # a name token
                        token_begin = i
                        while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                            i += 1
                        value = text[token_begin:i].lower()
                        if at(i) not in _SPACES and at(i) != ">":
                            raise EntityParseError(
                                f"Unexpected end of name token at byte offset {offset(token_begin)}"
                            )
                    else:  # a string literal
                        quote, chars = text[i], []
                        i += 1
                        while at(i) != quote and at(i) != "\0":
                            decoded = _decode_entity(text, i) if text[i] == "&" else None
                            if decoded:
                                chars.append(decoded[0])
                                i = decoded[1]
                            else:
                                chars.append(text[i])
                                i += 1
                        i += at(i) == quote
                        value = "".join(chars)
                    if at(i) == "\0":
                        raise EntityParseError(f"Unclosed start tag at byte offset {offset(begin)}")
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and name == "emoji-id":
                    argument = value
                elif tag == "blockquote" and name == "expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {offset(begin)}'
                )
            stack.append([tag, argument, u16, len(out)])
            i += 1
            continue
        # end tag
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {offset(begin)}")
        while at(i) not in _SPACES and at(i) != ">":
            i += 1
        end_name = text[begin + 2 : i].lower()
        i = skip_spaces(i)
        if at(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {offset(begin)}")
        i += 1
        tag, argument, start, out_start = stack.pop()
        if end_name and end_name != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {offset(begin)}, expected "</{tag}>", '
                f'found "</{end_name}>"'
            )
        if u16 == start:
            continue  # empty entities are dropped
        entity: dict[str, Any] = {"offset": start, "length": u16 - start}
        last = entities[-1] if entities else {}
        same_range = last.get("offset") == start and last.get("length") == u16 - start
        if tag in _SIMPLE:
            entity["type"] = _SIMPLE[tag]
        elif tag == "a":
            url = check_url(argument or "".join(out[out_start:]))
            if url is None:
                continue
            entity.update(type="text_link", url=url)
        elif tag == "tg-emoji":
            if not argument.isdigit() or not 0 < int(argument) < 2**63:
                raise EntityParseError("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=argument)
        elif tag == "blockquote":
            entity["type"] = "expandable_blockquote" if argument else "blockquote"
        elif tag == "pre" and same_range and last["type"] == "code" and last.get("_language"):
            last.update(type="pre", language=last.pop("_language"))
            continue
        elif tag == "pre":
            entity["type"] = "pre"
        elif same_range and last["type"] == "pre" and argument:  # </code> closing in a <pre>
            last["language"] = argument
            continue
        else:
            entity.update(type="code", _language=argument)
        entities.append(entity)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    result = "".join(out)
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in result):
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return result, entities


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram strips leading and trailing whitespace; entities are shifted and clipped."""
    spaces = " \t\r\n\v\f"
    stripped = text.strip(spaces)
    if not stripped:
        return "", []
    shift = utf16_len(text[: len(text) - len(text.lstrip(spaces))])
    size = utf16_len(stripped)
    kept = []
    for e in entities:
        start = max(0, e["offset"] - shift)
        end = min(size, e["offset"] + e["length"] - shift)
        if end > start:
            kept.append({**e, "offset": start, "length": end - start})
    return stripped, kept


_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")
_MENTION = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{4,32}(?!\w)")


def auto_entities(text: str) -> list[dict]:
    """bot_command and mention entities, as a Telegram client would attach them."""
    found, taken = [], []
    for kind, pattern in (("bot_command", _COMMAND), ("mention", _MENTION)):
        for m in pattern.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            taken.append(m.span())
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: m.start()]),
                    "length": utf16_len(m.group()),
                }
            )
    return sorted(found, key=lambda e: e["offset"])


def _button_url_error(url: Any) -> str | None:
    if not isinstance(url, str) or not url:
        return "Wrong HTTP URL"
    if re.match(r"(?i)tg:", url):
        return None
    scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):(?!\d)", url)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return "Unsupported URL protocol"
    host = urlsplit(url if scheme else "http://" + url).hostname or ""
    try:
        if not ipaddress.ip_address(host).is_global:
            return "Wrong HTTP URL"
    except ValueError:
        if "." not in host or host == "localhost" or host.endswith(".localhost"):
            return "Wrong HTTP URL"
    return None


def check_reply_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad("object expected as reply markup")
    if "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    if sum(map(len, rows)) > 100:
        raise bad("reply markup is too long")
    for button in itertools.chain.from_iterable(rows):
        if not isinstance(button, dict):
            raise bad(
                "can't parse inline keyboard button: InlineKeyboardButton should be an Object"
            )
        if not isinstance(button.get("text"), str):
            raise bad("can't parse inline keyboard button: Can't find field \"text\"")
        if not any(key in button for key in BUTTON_ACTIONS):
            raise bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                raise bad("BUTTON_DATA_INVALID")
        if "url" in button and (problem := _button_url_error(button["url"])):
            raise bad(f"inline keyboard button URL '{button['url']}' is invalid: {problem}")


def _inline_markup(markup: Any) -> dict | None:
    """The markup a message keeps: only inline keyboards are attached to messages."""
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def _callback_datas(markup: Any) -> list[str]:
    rows = (_inline_markup(markup) or {}).get("inline_keyboard", [])
    return [b["callback_data"] for b in itertools.chain.from_iterable(rows) if "callback_data" in b]


# --------------------------------------------------------------------------- the server

_METHODS: dict[str, tuple[str, Callable]] = {}


def _api(*names: str) -> Callable:
    def register(fn: Callable) -> Callable:
        for name in names:
            _METHODS[name.lower()] = (name, fn)  # Telegram method names are case-insensitive
        return fn

    return register


class _Chat:
    def __init__(self, id: int, type: str, **fields: Any):
        self.id, self.type = id, type
        self.title = self.username = self.first_name = None
        self.admins: list[int] = []
        self.members: set[int] = set()
        self.bot_is_admin = False
        self.is_forum = False
        self.blocked = False
        self.migrated_to: int | None = None
        self.next_message_id = 1
        self.messages: dict[int, dict] = {}
        self.__dict__.update(fields)

    def json(self) -> dict:
        fields = {"title": self.title, "username": self.username, "first_name": self.first_name}
        chat = {"id": self.id, "type": self.type} | {k: v for k, v in fields.items() if v}
        return chat | ({"is_forum": True} if self.is_forum else {})


class BotApiServer:
    """The fake Bot API. Use ``async with BotApiServer() as api:`` or ``start()``/``stop()``."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_username: str = "newsbot_test_bot",
        bot_id: int = 123456,
        *,
        group_privacy: bool = True,
        strict_ampersand: bool = False,
        port: int = 0,
    ):
        self.token, self.bot_username, self.bot_id = token, bot_username, bot_id
        # Privacy mode (BotFather's default): in groups where the bot is not an admin it only
        # receives commands, replies to its messages and messages mentioning it.
        self.group_privacy = group_privacy
        self.strict_ampersand = strict_ampersand
        self.bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Test Bot",
            "username": bot_username,
        }
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._port = port  # 0: a free one; a fixed one lets a test start the server late
        self._stopping = False
        self._users: dict[int, dict] = {}
        self._chats: dict[int, _Chat] = {}
        self._updates: list[dict] = []  # not yet confirmed by an offset
        self._all_updates: dict[int, dict] = {}
        self._update_ids = itertools.count(1000)
        self._query_ids = itertools.count(5_000_000_000_000_000)
        self._delivered = 0  # highest update_id returned by getUpdates
        self._allowed: list[str] | None = None
        self._open_queries: dict[str, dict] = {}  # callback and inline queries awaiting an answer
        self._flood: dict[str, Any] | None = None
        self._retry_at: dict[str, float] = {}  # a flooded method -> when it may be called again
        self._early: list[tuple[str, dict]] = []  # calls made before their retry_after passed
        self._webhook: dict[str, Any] = {"url": ""}
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._calls: list[tuple[str, dict]] = []
        self._errors: list[dict] = []
        self._callback_answers: list[dict] = []
        self._inline_answers: list[dict] = []
        self._refused_photos: set[str] = set()

    # ---- lifecycle

    async def start(self) -> BotApiServer:
        self._loop, self._event, self._stopping = asyncio.get_running_loop(), asyncio.Event(), False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._changed()
        await asyncio.sleep(0)  # let pending long polls see the wake-up and answer
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/file/bot"

    # ---- test side: world set-up

    def add_user(
        self,
        user_id: int,
        first_name: str = "",
        language_code: str | None = "vi",
        username: str | None = None,
    ) -> dict:
        with self._lock:
            user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}"}
            if language_code:
                user["language_code"] = language_code
            if username:
                user["username"] = username
            self._users[user_id] = user
            return dict(user)

    def add_private_chat(
        self,
        user_id: int,
        first_name: str = "",
        language_code: str | None = "vi",
        username: str | None = None,
    ) -> None:
        with self._lock:
            self._private_chat(self.add_user(user_id, first_name, language_code, username))

    def _private_chat(self, user: dict) -> _Chat:
        chat = _Chat(user["id"], "private", first_name=user["first_name"])
        chat.username = user.get("username")
        self._chats[user["id"]] = chat
        return chat

    def add_group(
        self,
        chat_id: int,
        title: str = "Test group",
        type: str = "supergroup",
        admins: Sequence[int] = (),
        members: Sequence[int] = (),
        bot_is_admin: bool = False,
        is_forum: bool = False,
        username: str | None = None,
    ) -> None:
        with self._lock:
            for uid in [*admins, *members]:
                self._users.get(uid) or self.add_user(uid)
            self._chats[chat_id] = _Chat(
                chat_id,
                type,
                title=title,
                admins=list(admins),
                members=set(members) | set(admins),
                bot_is_admin=bot_is_admin,
                is_forum=is_forum,
                username=username,
            )

    def add_channel(
        self,
        chat_id: int,
        username: str | None = None,
        title: str = "Test channel",
        admins: Sequence[int] = (),
        bot_is_admin: bool = True,
    ) -> None:
        with self._lock:
            for uid in admins:
                self._users.get(uid) or self.add_user(uid)
            self._chats[chat_id] = _Chat(
                chat_id,
                "channel",
                title=title,
                username=username,
                admins=list(admins),
                members=set(admins),
                bot_is_admin=bot_is_admin,
            )

    def refuse_photo(self, url: str) -> None:
        """sendPhoto with this URL fails the way Telegram fails a picture it cannot fetch."""
        with self._lock:
            self._refused_photos.add(url)

    def block_chat(self, chat_id: int, blocked: bool = True) -> None:
        """The user blocked the bot (private) or the bot was removed from the group/channel."""
        with self._lock:
            self._chat(chat_id).blocked = blocked

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """Upgrade a group to a supergroup: the old id then answers with migrate_to_chat_id."""
        with self._lock:
            old = self._chat(old_chat_id)
            old.migrated_to = new_chat_id
            if new_chat_id not in self._chats:
                self.add_group(
                    new_chat_id,
                    old.title,
                    "supergroup",
                    old.admins,
                    list(old.members),
                    old.bot_is_admin,
                )

    def flood(
        self, retry_after: int, count: int = 1, methods: tuple[str, ...] = ("sendMessage",)
    ) -> None:
        """Answer the next ``count`` calls of ``methods`` with 429 retry_after."""
        with self._lock:
            self._flood = {
                "retry_after": retry_after,
                "count": count,
                "methods": {m.lower() for m in methods},
            }

    # ---- test side: incoming updates (each returns the update_id)

    def send_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to_message_id: int | None = None,
        entities: list[dict] | None = None,
        message_thread_id: int | None = None,
    ) -> int | None:
        """A user writes ``text``. Returns None when privacy mode hides it from the bot."""
        with self._lock:
            user = self._user(user_id)
            if chat_id not in self._chats and chat_id == user_id:
                self._private_chat(user)
            chat = self._chat(chat_id)
            chat.members.add(user_id)
            if reply_to_message_id is not None and reply_to_message_id not in chat.messages:
                raise LookupError(f"no message {reply_to_message_id} in chat {chat_id}")
            entities = auto_entities(text) if entities is None else entities
            record = self._store(
                chat,
                text,
                entities,
                user_id=user_id,
                reply_to=reply_to_message_id,
                thread=message_thread_id,
            )
            if (
                chat.type in ("group", "supergroup")
                and self.group_privacy
                and not chat.bot_is_admin
            ):
                replied = chat.messages.get(reply_to_message_id or 0, {})
                name = "@" + self.bot_username.lower()
                command = re.match(r"/\w+(@\w+)?", text)
                if not (
                    (command and (command.group(1) or name).lower() == name)
                    or name in text.lower()
                    or replied.get("from_bot")
                ):
                    return None
            return self._push("message", self._message_json(chat, record))

    def send_channel_post(
        self, chat_id: int, text: str, entities: list[dict] | None = None
    ) -> int | None:
        """A post in a channel. Returns None when the bot is not an admin there (no update)."""
        with self._lock:
            chat = self._chat(chat_id)
            record = self._store(chat, text, auto_entities(text) if entities is None else entities)
            if not chat.bot_is_admin:
                return None
            return self._push("channel_post", self._message_json(chat, record))

    def press_button(
        self, chat_id: int, user_id: int, message_id: int, data: str, *, check: bool = True
    ) -> int:
        """The user presses the inline button with ``data`` on one of the bot's messages."""
        with self._lock:
            chat = self._chat(chat_id)
            record = chat.messages.get(message_id)
            if not record or record["deleted"] or not record["from_bot"]:
                raise LookupError(f"no bot message {message_id} in chat {chat_id}")
            buttons = _callback_datas(record["reply_markup"])
            if check and data not in buttons:
                raise LookupError(f"message {message_id} has no button {data!r}; it has {buttons}")
            query_id = str(next(self._query_ids))
            query = {
                "id": query_id,
                "from": self._user(user_id),
                "chat_instance": str(abs(chat_id) * 7919),
                "message": self._message_json(chat, record),
                "data": data,
            }
            update_id = self._push("callback_query", query)
            self._open_queries[query_id] = {"update_id": update_id, "kind": "callback"}
            return update_id

    def inline_query(
        self, user_id: int, query: str, offset: str = "", chat_type: str = "sender"
    ) -> int:
        with self._lock:
            query_id = str(next(self._query_ids))
            payload = {
                "id": query_id,
                "from": self._user(user_id),
                "query": query,
                "offset": offset,
                "chat_type": chat_type,
            }
            update_id = self._push("inline_query", payload)
            self._open_queries[query_id] = {
                "update_id": update_id,
                "kind": "inline",
                "query": query,
            }
            return update_id

    def choose_inline_result(
        self, user_id: int, result_id: str, query: str, inline_message_id: str | None = None
    ) -> int:
        with self._lock:
            payload = {"result_id": result_id, "from": self._user(user_id), "query": query}
            if inline_message_id:
                payload["inline_message_id"] = inline_message_id
            return self._push("chosen_inline_result", payload)

    # ---- test side: inspection (all return copies)

    def messages(self, chat_id: int, include_deleted: bool = False) -> list[dict]:
        """The bot's messages in a chat, oldest first: dicts with message_id, text (visible, as
        Telegram shows it), entities, parse_mode, raw_text (the text parameter as sent, e.g. the
        HTML), reply_markup, reply_to_message_id, message_thread_id, edited, deleted, history
        (earlier versions), params (the raw parameters of the last send/edit); a photo's
        message also has photo (the URL or file id sent) and its caption as text."""
        with self._lock:
            chat = self._chats.get(chat_id)
            records = chat.messages.values() if chat else []
            return copy.deepcopy(
                [r for r in records if r["from_bot"] and (include_deleted or not r["deleted"])]
            )

    def message(self, chat_id: int, message_id: int) -> dict:
        """Any message (the bot's or a user's) by id."""
        with self._lock:
            return copy.deepcopy(self._chat(chat_id).messages[message_id])

    def calls(self, method: str | None = None) -> list[tuple[str, dict]]:
        """(method, params) in order. getUpdates is listed only when asked for by name."""
        with self._lock:
            if method is None:
                return copy.deepcopy([c for c in self._calls if c[0] != "getUpdates"])
            return copy.deepcopy([c for c in self._calls if c[0].lower() == method.lower()])

    def early_calls(self) -> list[tuple[str, dict]]:
        """Calls made before the retry_after of an earlier 429 of their method had passed."""
        with self._lock:
            return copy.deepcopy(self._early)

    def errors(self) -> list[dict]:
        """Every error answered: dicts with method, params, error_code, description, parameters."""
        with self._lock:
            return copy.deepcopy(self._errors)

    def callback_answers(self) -> list[dict]:
        """answerCallbackQuery calls: params plus the update_id of the pressed button."""
        with self._lock:
            return copy.deepcopy(self._callback_answers)

    def inline_answers(self) -> list[dict]:
        """answerInlineQuery calls: params plus update_id and query of the inline query."""
        with self._lock:
            return copy.deepcopy(self._inline_answers)

    def commands(self, language_code: str = "", scope: dict | None = None) -> list[dict]:
        """The command list set for a scope (default scope by default) and language."""
        with self._lock:
            return copy.deepcopy(self._commands.get((self._scope_key(scope), language_code), []))

    def all_commands(self) -> dict[tuple[str, str], list[dict]]:
        """{(scope as canonical JSON, language_code): commands}."""
        with self._lock:
            return copy.deepcopy(self._commands)

    def webhook(self) -> dict:
        with self._lock:
            return copy.deepcopy(self._webhook)

    def get_update(self, update_id: int) -> dict:
        with self._lock:
            return copy.deepcopy(self._all_updates[update_id])

    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed by the bot (by a getUpdates offset past them)."""
        with self._lock:
            return copy.deepcopy(self._updates)

    # ---- test side: waiting (coroutines here; blocking in ThreadedBotApiServer)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every change); return its value."""
        return await self._wait_async(predicate, timeout, "predicate")

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, timeout: float = 10.0
    ) -> list[dict]:
        return await self._wait_async(
            self._enough_messages(chat_id, count),
            timeout,
            f"{count} bot message(s) in chat {chat_id}",
        )

    async def wait_for_call(
        self, method: str, count: int = 1, timeout: float = 10.0
    ) -> list[tuple[str, dict]]:
        return await self._wait_async(
            self._enough_calls(method, count), timeout, f"{count} {method} call(s)"
        )

    async def wait_delivered(self, update_id: int | None = None, timeout: float = 10.0) -> int:
        """Wait until getUpdates has handed ``update_id`` (default: the latest) to the bot."""
        return await self._wait_async(
            self._delivered_check(update_id), timeout, f"delivery of {update_id}"
        )

    def _enough_messages(self, chat_id: int, count: int) -> Callable[[], Any]:
        return lambda: (msgs := self.messages(chat_id)) and len(msgs) >= count and msgs

    def _enough_calls(self, method: str, count: int) -> Callable[[], Any]:
        return lambda: (calls := self.calls(method)) and len(calls) >= count and calls

    def _delivered_check(self, update_id: int | None) -> Callable[[], Any]:
        with self._lock:
            target = update_id if update_id is not None else max(self._all_updates, default=0)
        return lambda: self._delivered >= target and target

    async def _wait_async(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._event
            if result := check():
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}\n{self._summary()}"
                )
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass

    def _wait_sync(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (result := check()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"timed out after {timeout}s waiting for {what}\n{self._summary()}"
                    )
                self._cond.wait(remaining)
            return result

    def _summary(self) -> str:
        calls = [
            f"  {m} {json.dumps(p, ensure_ascii=False, default=str)[:200]}"
            for m, p in self.calls()[-10:]
        ]
        errors = [f"  {e['method']}: {e['description']}" for e in self.errors()[-5:]]
        return (
            "last calls:\n"
            + "\n".join(calls or ["  (none)"])
            + "\nerrors:\n"
            + "\n".join(errors or ["  (none)"])
        )

    # ---- internals (called with the lock held)

    def _changed(self) -> None:
        self._cond.notify_all()
        if self._loop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._wake)
            except RuntimeError:  # loop closed meanwhile
                pass

    def _wake(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    def _chat(self, chat_id: int) -> _Chat:
        if chat_id not in self._chats:
            raise LookupError(
                f"unknown chat {chat_id}; register it with add_private_chat/add_group/add_channel"
            )
        return self._chats[chat_id]

    def _user(self, user_id: int) -> dict:
        return dict(self._users.get(user_id) or self.add_user(user_id))

    def _push(self, kind: str, payload: dict) -> int:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._updates.append(update)
        self._all_updates[update["update_id"]] = update
        self._changed()
        return update["update_id"]

    def _store(
        self,
        chat: _Chat,
        text: str,
        entities: list[dict],
        *,
        from_bot: bool = False,
        user_id: int | None = None,
        reply_to: int | None = None,
        thread: int | None = None,
        **fields: Any,
    ) -> dict:
        record = {
            "message_id": chat.next_message_id,
            "chat_id": chat.id,
            "from_bot": from_bot,
            "user_id": user_id,
            "text": text,
            "entities": entities,
            "parse_mode": None,
            "raw_text": text,
            "reply_markup": None,
            "reply_to_message_id": reply_to,
            "message_thread_id": thread,
            "date": int(time.time()),
            "edit_date": None,
            "edited": False,
            "deleted": False,
            "history": [],
            "params": {},
        } | fields
        chat.messages[chat.next_message_id] = record
        chat.next_message_id += 1
        return record

    def _message_json(self, chat: _Chat, record: dict, with_reply: bool = True) -> dict:
        message = {"message_id": record["message_id"], "date": record["date"], "chat": chat.json()}
        if record["from_bot"]:
            message["from"] = self.bot_user
        elif record["user_id"] is None:
            message["sender_chat"] = chat.json()
        else:
            message["from"] = self._user(record["user_id"])
        if record["message_thread_id"]:
            message["message_thread_id"] = record["message_thread_id"]
            message["is_topic_message"] = chat.is_forum or None
        reply = chat.messages.get(record["reply_to_message_id"] or 0)
        if with_reply and reply:
            message["reply_to_message"] = self._message_json(chat, reply, with_reply=False)
        if record["edit_date"]:
            message["edit_date"] = record["edit_date"]
        if record.get("photo"):
            size = {"file_id": record["photo"], "file_unique_id": str(record["message_id"])}
            message["photo"] = [size | {"width": 800, "height": 600}]
            message["caption"] = record["text"] or None
            if record["entities"]:
                message["caption_entities"] = record["entities"]
        else:
            message["text"] = record["text"]
            if record["entities"]:
                message["entities"] = record["entities"]
        if markup := _inline_markup(record["reply_markup"]):
            message["reply_markup"] = markup
        return copy.deepcopy({k: v for k, v in message.items() if v is not None})

    def _scope_key(self, scope: dict | None) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    def _resolve_chat(self, chat_id: Any) -> _Chat:
        if chat_id is None or chat_id == "":
            raise bad("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            found = [
                c for c in self._chats.values() if (c.username or "").lower() == chat_id[1:].lower()
            ]
            chat = found[0] if found and found[0].type != "private" else None
        else:
            try:
                chat = self._chats.get(int(chat_id))
            except (TypeError, ValueError):
                chat = None
        if chat is None:
            raise bad("chat not found")
        if chat.migrated_to is not None:
            raise bad(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        return chat

    def _writable_chat(self, chat_id: Any) -> _Chat:
        chat = self._resolve_chat(chat_id)
        if chat.blocked:
            raise ApiError(403, KICKED[chat.type])
        if chat.type == "channel" and not chat.bot_is_admin:
            raise bad("need administrator rights in the channel chat")
        return chat

    def _format_text(self, text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict]]:
        if text is None or text == "":
            raise bad("message text is empty")
        text, mode = str(text), (parse_mode or "").lower()
        if mode == "html":
            try:
                text, entities = parse_html(text, strict_ampersand=self.strict_ampersand)
            except EntityParseError as exc:
                raise bad(f"can't parse entities: {exc}") from None
        elif mode in ("markdown", "markdownv2"):
            entities = []  # not parsed: the text is stored as sent
        elif mode:
            raise bad("unsupported parse_mode")
        text, entities = _trim(text, list(entities or []))
        if not text:
            raise bad("message text is empty")
        if utf16_len(text) > MAX_TEXT_UTF16:
            raise bad("message is too long")
        return text, entities

    def _member_json(self, chat: _Chat, user_id: int) -> dict:
        is_bot = user_id == self.bot_id
        user = self.bot_user if is_bot else self._user(user_id)
        if (is_bot and chat.bot_is_admin) or user_id in chat.admins:
            rights = dict.fromkeys(ADMIN_RIGHTS, True)
            admin = {"status": "administrator", "user": user, "can_be_edited": False}
            return admin | {"is_anonymous": False} | rights
        member = (
            is_bot or user_id in chat.members or (chat.type == "private" and user_id == chat.id)
        )
        return {"status": "member" if member else "left", "user": user}

    # ---- HTTP

    async def _file(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _read_params(self, request: web.Request) -> dict:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                params.update(body if isinstance(body, dict) else {})
            else:  # application/x-www-form-urlencoded or multipart/form-data
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        value = {"filename": value.filename, "content": value.file.read()}
                    params[key] = value
        for key, value in params.items():
            if isinstance(value, str) and key not in STRING_PARAMS:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._read_params(request)
        name, handler = _METHODS.get(method.lower(), (method, None))
        try:
            with self._lock:
                self._calls.append((name, copy.deepcopy(params)))
                if request.match_info["token"] != self.token:
                    raise ApiError(401, "Unauthorized")
                if handler is None:
                    raise bad("method not found")
                if time.monotonic() < self._retry_at.get(name.lower(), 0.0):
                    self._early.append((name, copy.deepcopy(params)))  # Telegram would refuse
                flood = self._flood
                if flood and flood["count"] > 0 and name.lower() in flood["methods"]:
                    flood["count"] -= 1
                    self._retry_at[name.lower()] = time.monotonic() + flood["retry_after"]
                    raise ApiError(
                        429,
                        f"Too Many Requests: retry after {flood['retry_after']}",
                        {"retry_after": flood["retry_after"]},
                    )
                if not inspect.iscoroutinefunction(handler):
                    result = handler(self, params)
                    self._changed()
            if inspect.iscoroutinefunction(handler):
                result = await handler(self, params)
        except Exception as exc:  # an ApiError, or a bug here: answer 500 like Telegram would
            if not isinstance(exc, ApiError):
                exc = ApiError(500, f"Internal Server Error: {exc!r}")
            answer = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                answer["parameters"] = exc.parameters
            with self._lock:
                self._errors.append({"method": name, "params": copy.deepcopy(params), **answer})
                self._errors[-1].pop("ok")
                self._changed()
            return web.json_response(answer, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    # ---- Bot API methods

    @_api("getMe")
    def _get_me(self, p: dict) -> dict:
        return self.bot_user | {
            "can_join_groups": True,
            "can_read_all_group_messages": not self.group_privacy,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @_api(
        "logOut",
        "close",
        "setMyDescription",
        "setMyShortDescription",
        "setMyName",
        "setChatMenuButton",
        "setMyDefaultAdministratorRights",
    )
    def _ok(self, p: dict) -> bool:
        return True

    @_api("setWebhook")
    def _set_webhook(self, p: dict) -> bool:
        url = p.get("url") or ""
        if url and not url.lower().startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {"url": url} | {
            k: v for k, v in p.items() if k not in ("url", "certificate")
        }
        return True

    @_api("deleteWebhook")
    def _delete_webhook(self, p: dict) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {"url": ""}
        return True

    @_api("getWebhookInfo")
    def _get_webhook_info(self, p: dict) -> dict:
        info = {
            "url": self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook.get("allowed_updates"):
            info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    @_api("getUpdates")
    async def _get_updates(self, p: dict) -> list[dict]:
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)
        with self._lock:
            if self._webhook["url"]:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if "allowed_updates" in p:
                self._allowed = p["allowed_updates"] or None
            offset = int(p.get("offset") or 0)
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._event
            with self._lock:
                self._updates = [u for u in self._updates if self._is_allowed(u)]
                batch = self._updates[:limit]
                if batch or self._stopping or loop.time() >= deadline:
                    self._delivered = max([self._delivered] + [u["update_id"] for u in batch])
                    self._changed()
                    return copy.deepcopy(batch)
            try:
                await asyncio.wait_for(event.wait(), deadline - loop.time())
            except TimeoutError:
                pass

    def _is_allowed(self, update: dict) -> bool:
        kind = next(k for k in update if k != "update_id")
        return kind in self._allowed if self._allowed else kind not in NOT_BY_DEFAULT

    @_api("setMyCommands")
    def _set_my_commands(self, p: dict) -> bool:
        commands = p.get("commands") or []
        if len(commands) > 100:
            raise bad("too many commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope_key(p.get("scope")), p.get("language_code") or "")
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    @_api("getMyCommands")
    def _get_my_commands(self, p: dict) -> list[dict]:
        return self._commands.get(
            (self._scope_key(p.get("scope")), p.get("language_code") or ""), []
        )

    @_api("deleteMyCommands")
    def _delete_my_commands(self, p: dict) -> bool:
        self._commands.pop((self._scope_key(p.get("scope")), p.get("language_code") or ""), None)
        return True

    @_api("sendMessage")
    def _send_message(self, p: dict) -> dict:
        chat = self._writable_chat(p.get("chat_id"))
        text, entities = self._format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        check_reply_markup(p.get("reply_markup"))
        reply = p.get("reply_parameters") or {}
        reply_to = reply.get("message_id") or p.get("reply_to_message_id")
        if reply_to and chat.messages.get(reply_to, {"deleted": True})["deleted"]:
            if not (
                reply.get("allow_sending_without_reply") or p.get("allow_sending_without_reply")
            ):
                raise bad("message to be replied not found")
            reply_to = None
        record = self._store(
            chat,
            text,
            entities,
            reply_to=reply_to,
            thread=p.get("message_thread_id"),
            from_bot=True,
            parse_mode=p.get("parse_mode"),
            raw_text=p.get("text"),
            reply_markup=p.get("reply_markup"),
            params=p,
        )
        return self._message_json(chat, record)

    @_api("sendPhoto")
    def _send_photo(self, p: dict) -> dict:
        chat = self._writable_chat(p.get("chat_id"))
        photo = p.get("photo")
        if isinstance(photo, dict):  # an upload
            photo = f"upload:{photo.get('filename')}"
        if not isinstance(photo, str) or not photo:
            raise bad("there is no photo in the request")
        if photo.startswith(("http://", "https://")):
            if photo in self._refused_photos:
                raise bad("failed to get HTTP URL content")
        elif not photo.startswith("upload:"):
            raise bad("wrong file identifier/HTTP URL specified")
        caption, entities = "", []
        if p.get("caption"):
            caption, entities = self._format_text(
                p.get("caption"), p.get("parse_mode"), p.get("caption_entities")
            )
            if utf16_len(caption) > MAX_CAPTION_UTF16:
                raise bad("message caption is too long")
        check_reply_markup(p.get("reply_markup"))
        record = self._store(
            chat,
            caption,
            entities,
            thread=p.get("message_thread_id"),
            from_bot=True,
            parse_mode=p.get("parse_mode"),
            raw_text=p.get("caption"),
            reply_markup=p.get("reply_markup"),
            params=p,
            photo=photo,
        )
        return self._message_json(chat, record)

    def _editable(self, p: dict, action: str = "edit") -> tuple[_Chat, dict]:
        chat = self._writable_chat(p.get("chat_id"))
        record = chat.messages.get(p.get("message_id") or 0)
        if not record or record["deleted"]:
            raise bad(f"message to {action} not found")
        if not record["from_bot"] and action == "edit":
            raise bad("message can't be edited")
        return chat, record

    def _edit(self, chat: _Chat, record: dict, p: dict, **changes: Any) -> dict:
        old = {k: record[k] for k in ("text", "entities", "parse_mode", "raw_text", "reply_markup")}
        new = old | changes

        def visible(m: dict) -> tuple:
            return m["text"], m["entities"], _inline_markup(m["reply_markup"])

        if visible(new) == visible(old):
            raise bad(NOT_MODIFIED)
        record["history"].append(old)
        record.update(changes, edited=True, edit_date=int(time.time()), params=p)
        return self._message_json(chat, record)

    @_api("editMessageText")
    def _edit_message_text(self, p: dict) -> dict | bool:
        text, entities = self._format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        check_reply_markup(p.get("reply_markup"))
        if p.get("inline_message_id"):
            return True
        chat, record = self._editable(p)
        # Like Telegram, an edit without reply_markup removes the message's inline keyboard.
        return self._edit(
            chat,
            record,
            p,
            text=text,
            entities=entities,
            parse_mode=p.get("parse_mode"),
            raw_text=p.get("text"),
            reply_markup=p.get("reply_markup"),
        )

    @_api("editMessageReplyMarkup")
    def _edit_message_reply_markup(self, p: dict) -> dict | bool:
        check_reply_markup(p.get("reply_markup"))
        if p.get("inline_message_id"):
            return True
        chat, record = self._editable(p)
        return self._edit(chat, record, p, reply_markup=p.get("reply_markup"))

    @_api("deleteMessage")
    def _delete_message(self, p: dict) -> bool:
        chat, record = self._editable(p, "delete")
        if not record["from_bot"] and chat.type != "private" and not chat.bot_is_admin:
            raise bad("message can't be deleted")
        record["deleted"] = True
        return True

    @_api("sendChatAction")
    def _send_chat_action(self, p: dict) -> bool:
        self._writable_chat(p.get("chat_id"))
        if p.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True

    @_api("setMessageReaction")
    def _set_message_reaction(self, p: dict) -> bool:
        self._editable(p, "react")
        return True

    @_api("answerCallbackQuery")
    def _answer_callback_query(self, p: dict) -> bool:
        query = self._open_queries.get(str(p.get("callback_query_id")))
        if not query or query["kind"] != "callback":
            raise bad(QUERY_INVALID)
        if len(p.get("text") or "") > 200:
            raise bad("MESSAGE_TOO_LONG")
        del self._open_queries[str(p["callback_query_id"])]  # a query is answered once
        self._callback_answers.append({**p, "update_id": query["update_id"]})
        return True

    @_api("answerInlineQuery")
    def _answer_inline_query(self, p: dict) -> bool:
        query = self._open_queries.get(str(p.get("inline_query_id")))
        if not query or query["kind"] != "inline":
            raise bad(QUERY_INVALID)
        results = p.get("results") or []
        if len(results) > 50:
            raise bad("RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise bad("RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise bad("RESULT_ID_DUPLICATE")
        for result in results:
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                self._format_text(
                    content["message_text"], content.get("parse_mode"), content.get("entities")
                )
            check_reply_markup(result.get("reply_markup"))
        del self._open_queries[str(p["inline_query_id"])]
        self._inline_answers.append({**p, "update_id": query["update_id"], "query": query["query"]})
        return True

    @_api("getChat")
    def _get_chat(self, p: dict) -> dict:
        chat = self._resolve_chat(p.get("chat_id"))
        gifts = dict.fromkeys(GIFT_TYPES, False)
        info = {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}
        return chat.json() | info

    @_api("getChatMember")
    def _get_chat_member(self, p: dict) -> dict:
        chat = self._resolve_chat(p.get("chat_id"))
        user_id = int(p.get("user_id") or 0)
        if user_id != self.bot_id and user_id not in self._users:
            raise bad("user not found")
        return self._member_json(chat, user_id)

    @_api("getChatAdministrators")
    def _get_chat_administrators(self, p: dict) -> list[dict]:
        chat = self._resolve_chat(p.get("chat_id"))
        if chat.type == "private":
            raise bad("there are no administrators in the private chat")
        ids = chat.admins + ([self.bot_id] if chat.bot_is_admin else [])
        return [self._member_json(chat, uid) for uid in ids]

    @_api("getChatMemberCount")
    def _get_chat_member_count(self, p: dict) -> int:
        chat = self._resolve_chat(p.get("chat_id"))
        return 2 if chat.type == "private" else len(chat.members) + 1


class ThreadedBotApiServer:
    """BotApiServer on its own thread and event loop; ``wait_*`` block instead of awaiting.

    Everything else (set-up, injection, inspection, base_url...) is BotApiServer's.
    """

    def __init__(self, **kwargs: Any):
        self.server = BotApiServer(**kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ThreadedBotApiServer:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fake-bot-api", daemon=True
        )
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> ThreadedBotApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.server, name)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        return self.server._wait_sync(predicate, timeout, "predicate")

    def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[dict]:
        return self.server._wait_sync(
            self.server._enough_messages(chat_id, count),
            timeout,
            f"{count} bot message(s) in chat {chat_id}",
        )

    def wait_for_call(
        self, method: str, count: int = 1, timeout: float = 10.0
    ) -> list[tuple[str, dict]]:
        return self.server._wait_sync(
            self.server._enough_calls(method, count), timeout, f"{count} {method} call(s)"
        )

    def wait_delivered(self, update_id: int | None = None, timeout: float = 10.0) -> int:
        return self.server._wait_sync(
            self.server._delivered_check(update_id), timeout, f"delivery of {update_id}"
        )
