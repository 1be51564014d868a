"""The bot's storage seams: the records that cross them, and what the bot needs of each store.

state.State, subscription_store.SubscriptionStore and outbox_store.Outbox implement them on
SQLite (a path) and on PostgreSQL (a postgresql:// URL): one SQL, mapped by storage.postgres.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

# ---- records -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """The chat a subscription command changes (a forum topic of it, when thread_id)."""

    chat_id: int
    kind: str
    thread_id: int = 0
    title: str | None = None  # set when a channel is managed from a private chat


@dataclass(frozen=True, slots=True)
class Followed:
    """One topic a chat follows."""

    id: int
    chat_id: int
    thread_id: int
    text: str
    signature: str
    after_position: int


@dataclass(frozen=True, slots=True)
class ChatInfo:
    """How a following chat gets its articles."""

    chat_id: int
    kind: str
    language: str
    digest_hour: int | None
    digest_day: str | None
    failures: int
    paused_until: float


@dataclass(frozen=True, slots=True)
class Delivery:
    """One article owed to one chat: a row of the outbox."""

    id: int
    chat_id: int
    thread_id: int
    article_id: str
    position: int
    topic: str


@dataclass(frozen=True, slots=True)
class Batch:
    """Pending rows of one chat (and forum topic), oldest first; digest when its hour came."""

    chat: ChatInfo
    thread_id: int
    rows: tuple[Delivery, ...]
    digest: bool


class FollowError(Exception):
    """A topic that cannot be added: ``duplicate`` (then ``existing``) or ``too_many``."""

    def __init__(self, code: str, existing: Followed | None = None):
        super().__init__(code)
        self.code = code
        self.existing = existing


class TargetError(Exception):
    """A chat whose topics this user may not change; ``code`` names why."""

    # not_admin, channel_unknown, not_channel, channel_not_admin, channel_bot_cannot_post

    def __init__(self, code: str, name: str = ""):
        super().__init__(code)
        self.code = code
        self.name = name


# ---- the stores --------------------------------------------------------------------------


class BotState(Protocol):
    """Article tokens for deep links, the chats seen and their languages."""

    def close(self) -> None: ...
    def tokens(self, article_ids: Iterable[str]) -> list[str]: ...
    def token(self, article_id: str) -> str: ...
    def article_id(self, token: str) -> str: ...
    def seen(self, chat_id: int, kind: str, now: float | None = None) -> bool: ...
    def knows(self, chat_id: int) -> bool: ...
    def chats(self) -> list[tuple[int, str]]: ...
    def forget_chat(self, chat_id: int) -> None: ...
    def language(self, chat_id: int) -> str | None: ...
    def set_language(self, chat_id: int, lang: str) -> None: ...


class TopicStore(Protocol):
    """The chats that follow topics, their topics and how they get articles."""

    def close(self) -> None: ...
    def follow(
        self,
        target: Target,
        language: str,
        text: str,
        signature: str,
        after_position: int,
        now: float | None = None,
    ) -> Followed: ...
    def topics(self, chat_id: int | None = None) -> list[Followed]: ...
    def resign(self, topic_id: int, signature: str) -> None: ...
    def unfollow(self, ids: Iterable[int]) -> list[Followed]: ...
    def chat(self, chat_id: int) -> ChatInfo | None: ...
    def set_digest(
        self, target: Target, language: str, hour: int | None, done_today: str | None
    ) -> None: ...
    def drop(self, chat_id: int) -> list[int]: ...
    def move(self, old: int, new: int) -> list[int]: ...


class OutboxStore(Protocol):
    """The articles owed to chats, one row per (chat, article), their delivery and the cursor."""

    def close(self) -> None: ...
    def cursor(self) -> int | None: ...
    def set_cursor(self, position: int) -> None: ...
    def enqueue(
        self,
        matched: Sequence[tuple[int, str, Iterable[int]]],
        cursor: int,
        now: float | None = None,
    ) -> int: ...
    def record_shown(
        self, target: Target, items: Iterable[tuple[int, str]], topic: str, now: float | None = None
    ) -> None: ...
    def reset_sending(self) -> int: ...
    def due(
        self, now: float, today: str, hour: int, chats: int = 500, skip: Iterable[int] = ()
    ) -> list[Batch]: ...
    def claim(self, ids: Iterable[int]) -> list[int]: ...
    def mark(self, ids: Iterable[int], state: str, now: float | None = None) -> None: ...
    def delivered(self, chat_id: int, ids: Iterable[int], now: float | None = None) -> None: ...
    def digest_done(self, chat_id: int, day: str) -> None: ...
    def refused(self, chat_id: int, pause: float, now: float | None = None) -> int: ...
    def purge(self, before: float) -> int: ...
    def counts(self) -> dict[str, int]: ...
