"""What users send, parsed: questions, group mentions, button data, article tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import Message, MessageEntity

from index import MAX_DEPTH, MAX_QUERY_CHARS, clean_input

__all__ = [
    "MAX_PAGES",
    "MAX_QUERY_CHARS",
    "PAGE_SIZE",
    "PageRequest",
    "ReadRequest",
    "addressed",
    "clip_query",
    "inline_offset",
    "page_data",
    "parse_data",
    "read_data",
]

PAGE_SIZE = 5
# Pages past the search's depth bound do not exist: a button claiming one is forged.
MAX_PAGES = MAX_DEPTH // PAGE_SIZE
# Telegram's limit on callback data; the formats below stay far under it by construction.
MAX_CALLBACK_BYTES = 64
# Deep-link payloads allow A-Za-z0-9_- up to 64 chars; 48 leaves room for the "r:" prefix.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,48}")
_QID = re.compile(r"[0-9a-z]{1,12}")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A button asking for another page of a stored question."""

    qid: str
    page: int


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """A button asking for an article's full text."""

    token: str


def clip_query(text: str) -> tuple[str, bool]:
    """The question as it reads (clean_input), cut to MAX_QUERY_CHARS; True when cut."""
    text = clean_input(text)
    if len(text) <= MAX_QUERY_CHARS:
        return text, False
    cut = text[:MAX_QUERY_CHARS]
    # end on a whole word unless that throws away most of the question
    head = cut.rsplit(" ", 1)[0]
    return (head if len(head) > MAX_QUERY_CHARS // 2 else cut), True


def page_data(qid: str, page: int) -> str:
    """Callback data of a paging button."""
    return _checked(f"p:{qid}:{page}")


def read_data(token: str) -> str:
    """Callback data of a read-in-full button."""
    return _checked(f"r:{token}")


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def inline_offset(offset: str) -> int | None:
    """The result number an inline query's offset asks for, or None when it is out of reach."""
    if not offset:
        return 0
    if not offset.isdigit() or len(offset) > 6 or int(offset) >= MAX_DEPTH:
        return None  # Telegram sends back only offsets this bot gave: this one is forged
    return int(offset)


def parse_data(data: str | None) -> PageRequest | ReadRequest | None:
    """The request behind callback data, or None for data this bot did not write."""
    kind, _, rest = (data or "").partition(":")
    if kind == "p":
        qid, _, page = rest.partition(":")
        if _QID.fullmatch(qid) and page.isdigit() and len(page) < 6 and int(page) < MAX_PAGES:
            return PageRequest(qid, int(page))
    elif kind == "r" and TOKEN.fullmatch(rest):
        return ReadRequest(rest)
    return None


def addressed(message: Message, username: str, bot_id: int) -> str | None:
    """The question of a group message meant for the bot (mention or reply), else None."""
    text = message.text or ""
    handle = "@" + username.lower()
    mentioned = False
    for entity, value in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).items():
        if entity.type == MessageEntity.MENTION and value.lower() == handle:
            mentioned = True
        elif entity.user is not None and entity.user.id == bot_id:
            mentioned = True
            text = text.replace(value, " ")
    if mentioned:
        return " ".join(re.sub(re.escape(handle), " ", text, flags=re.IGNORECASE).split())
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot_id:
        return " ".join(text.split())
    return None
