"""What users send, parsed: questions, group mentions, button data, article tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import Message, MessageEntity

from conversation import DEPTH, MAX_QUERY_CHARS, PAGE_SIZE, clip_query

__all__ = [
    "MAX_PAGES",
    "MAX_QUERY_CHARS",
    "PAGE_SIZE",
    "PageRequest",
    "ReadRequest",
    "addressed",
    "clip_query",
    "inline_next",
    "inline_offset",
    "page_data",
    "parse_data",
    "read_data",
]

# Pages past a question's kept list do not exist: a button claiming one is forged.
MAX_PAGES = DEPTH // PAGE_SIZE
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


def inline_offset(offset: str) -> tuple[str, int] | None:
    """(question id, first result) of an inline query's offset: ("", 0) for a new question.

    None for an offset this bot did not give (Telegram sends back only next_offset's).
    """
    if not offset:
        return "", 0
    qid, _, start = offset.partition(":")
    if _QID.fullmatch(qid) and start.isdigit() and len(start) < 4 and int(start) < DEPTH:
        return qid, int(start)
    return None


def inline_next(qid: str, start: int) -> str:
    """The next_offset of an inline answer: the question's id and the next result."""
    return f"{qid}:{start}"


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
