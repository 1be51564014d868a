"""The records that cross the bot's stores, and the errors of following a topic.

state.State, subscription_store.SubscriptionStore and outbox_store.Outbox are the stores,
each one class on SQLite (a path) and on PostgreSQL (a postgresql:// URL): one SQL, mapped
by storage.postgres.
"""

from __future__ import annotations

from dataclasses import dataclass

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
