"""Subscriptions: topics matched against new articles into the outbox; who may change them.

Everything lives in bot.db next to State's tables (or in PostgreSQL, NEWSBOT_DATABASE_URL),
in the tables of subscription_tables.py: SubscriptionStore writes chats and topics, Outbox
(outbox_store.py) the deliveries and the cursor::

    chats       one row per chat that follows something: language, digest hour, failures
    topics      what a chat follows (text as parsed), and the index's cursor when it was followed
    deliveries  the outbox: one row per (chat, article id), ever; its state below
    meta        'cursor': the index's cursor up to which articles were matched

A row of the outbox moves like this (the Sender in outbox.py does the sending)::

    pending ──▶ sending ──▶ sent         'sending' is committed before the request, so a
       ▲           │                     kill leaves at most the message in flight to resend
       └───────────┘  retry later (RetryAfter, network, chat migrated)
    shown     shown as a preview when the topic was followed: never pushed
    failed    Telegram refused it for good (a BadRequest other than markup)
    dropped   the chat was dropped after repeated Forbidden

Matching reads new articles with ``SearchIndex.match_since`` (one TopicIndex for every
topic, never a search per topic) and writes their rows together with the advanced cursor in
one transaction: a kill either loses both (the articles are matched again) or neither.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Iterable

from telegram import Bot, Chat, ChatMember, Message
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError

from index import (
    Article,
    ArticleText,
    Excerpt,
    SearchIndex,
    Topic,
    TopicError,
    TopicIndex,
    missing_sources,
    parse_topic,
    passage,
)

from .outbox_store import Outbox
from .stores import (
    Batch,
    ChatInfo,
    Delivery,
    Followed,
    FollowError,
    Target,
    TargetError,
)
from .subscription_store import MATCH_LOCK, MAX_TOPICS, SubscriptionStore

__all__ = [
    "MAX_FAILURES",
    "MAX_TOPICS",
    "Batch",
    "ChatInfo",
    "Delivery",
    "FollowError",
    "Followed",
    "Outbox",
    "SubscriptionStore",
    "Subscriptions",
    "Target",
    "TargetError",
    "digest_day",
    "explain",
    "may_change",
    "parse_hour",
    "resolve_channel",
]

log = logging.getLogger(__name__)

MAX_FAILURES = 3  # Forbidden this many times in a row and the chat is dropped
PREVIEW = 3  # recent matches shown when a topic is followed
MATCH_BATCH = 500  # articles matched per transaction
KEEP_SECONDS = 30 * 86_400.0  # delivered rows are kept this long to refuse repeats
_PURGE_EVERY = 3_600.0

# ---- topics over the index ---------------------------------------------------------------


class Subscriptions:
    """Topics filed in one TopicIndex, matched against new articles into the outbox.

    Blocking (pyvi, SQLite): call it from a thread. One lock orders following against
    matching, so a topic followed while articles arrive misses none and gets no old one.
    """

    def __init__(self, index: SearchIndex, store: SubscriptionStore, outbox: Outbox):
        self.index = index
        self.follows = store  # what chats follow (not the index's article store)
        self.outbox = outbox  # what they are owed
        self.topics: TopicIndex[int] = TopicIndex()
        self._lock = threading.Lock()
        # one preview at a time: a flood of /theodoi takes one thread's share of the CPU,
        # and others' questions keep theirs
        self._previews = threading.Lock()
        self._purged = 0.0

    @classmethod
    def start(cls, index: SearchIndex, store: SubscriptionStore, outbox: Outbox) -> Subscriptions:
        """Over open stores (the caller closes them): every stored topic filed, the cursor set."""
        subscriptions = cls(index, store, outbox)
        if outbox.cursor() is None:
            # first start: the archive is not news to anyone, what arrives from now on is
            outbox.set_cursor(index.cursor())
        subscriptions.load()
        return subscriptions

    def parse(self, text: str) -> Topic:
        """A topic as typed; TopicError when it cannot be followed."""
        return parse_topic(text)

    def load(self) -> int:
        """File every stored topic in the TopicIndex; returns how many."""
        n = 0
        for followed in self.follows.topics():
            try:
                topic = self.parse(followed.text)
                if topic.signature != followed.signature:  # filed by an older topic language
                    self.follows.resign(followed.id, topic.signature)
                self.topics.add(followed.id, topic)
                n += 1
            except TopicError as error:  # stored by an older analysis: keep it, skip matching
                log.warning("topic #%d %r no longer parses: %s", followed.id, followed.text, error)
        return n

    def follow(
        self, target: Target, text: str, language: str = "vi", preview: int = PREVIEW
    ) -> tuple[Followed, list[Article]]:
        """Follow a topic: the new row and its latest matches.

        Raises TopicError or FollowError. An outlet the archive lacks is followed too: its
        articles may be about to come (awaited() names it).
        """
        topic = self.parse(text)
        with self._lock:
            # the cursor of the topic: articles after this one are new to it
            after = self.index.cursor()
            followed = self.follows.follow(target, language, topic.text, topic.signature, after)
            self.topics.add(followed.id, topic)
        recent = []
        if preview:
            with self._previews:
                recent = self.index.recent_matches(topic, limit=preview)
        self.outbox.record_shown(target, [(d, a.id) for d, a in recent], topic.text)
        return followed, [a for _, a in recent]

    def awaited(self, text: str) -> tuple[str, ...]:
        """The outlets a topic names that no article in the archive is from yet."""
        sources = self.parse(text).sources
        return missing_sources(sources, self.index.source_names()) if sources else ()

    def unfollow(self, chat_id: int, which: str) -> list[Followed]:
        """Stop following by number (as listed), by topic, or 'all'; returns what went."""
        mine = self.follows.topics(chat_id)
        which = " ".join(which.split())
        if which.lower() in ("all", "tất cả", "tat ca", "tatca", "*"):
            chosen = mine
        elif which.removeprefix("#").isdigit():
            n = int(which.removeprefix("#"))
            chosen = mine[n - 1 : n] if 1 <= n <= len(mine) else []
        else:
            try:
                signature = self.parse(which).signature
            except TopicError:
                signature = None
            chosen = [f for f in mine if f.signature == signature or f.text == which]
        with self._lock:
            gone = self.follows.unfollow(f.id for f in chosen)
            for followed in gone:
                self.topics.remove(followed.id)
        return gone

    def match(self, limit: int = MATCH_BATCH, rounds: int = 20) -> int:
        """Match articles that arrived since the cursor; returns the outbox rows written."""
        added = 0
        # replicas: one matches at a time (a follow elsewhere waits for it, see the store)
        with self._lock, self.outbox.database.advisory(MATCH_LOCK) as mine:
            if not mine:
                return 0
            if self.outbox.shared:
                self._file_new_topics()
            cursor = self.outbox.cursor()
            if cursor is None:  # never started with start(): from now
                self.outbox.set_cursor(self.index.cursor())
                return 0
            for _ in range(rounds):
                if not len(self.topics):
                    newest = self.index.cursor()
                    if newest > cursor:
                        self.outbox.set_cursor(newest)
                    break
                found, moved = self.index.match_since(self.topics, cursor, limit)
                if moved == cursor:
                    break
                articles = self.index.at(d for d, _ in found)
                rows = [(d, articles[d].id, keys) for d, keys in found if d in articles]
                added += self.outbox.enqueue(rows, moved)
                cursor = moved
        now = time.time()
        if now - self._purged > _PURGE_EVERY:
            self._purged = now
            self.outbox.purge(now - KEEP_SECONDS)
        return added

    def _file_new_topics(self) -> None:
        """File the topics other replicas followed (enqueue skips topics unfollowed since)."""
        for followed in self.follows.topics():
            if followed.id not in self.topics:
                try:
                    self.topics.add(followed.id, self.parse(followed.text))
                except TopicError:
                    continue

    def articles(self, rows: Iterable[Delivery]) -> dict[int, Article]:
        """The article of each row by row id: its live version, else the one matched."""
        out: dict[int, Article] = {}
        missing: list[Delivery] = []
        for row in rows:
            found = self.index.get(row.article_id)
            if found is None:
                missing.append(row)
            else:
                out[row.id] = found
        if missing:
            old = self.index.at(r.position for r in missing)
            out.update({r.id: old[r.position] for r in missing if r.position in old})
        return out

    def followed(self, chat_id: int | None = None) -> list[Followed]:
        """The topics of a chat (of every chat without one), as listed."""
        return self.follows.topics(chat_id)

    def chat(self, chat_id: int) -> ChatInfo | None:
        """How a following chat gets its articles."""
        return self.follows.chat(chat_id)

    def set_digest(
        self, target: Target, language: str, hour: int | None, done_today: str | None
    ) -> None:
        """One digest a day at hour (None: every article at once)."""
        self.follows.set_digest(target, language, hour, done_today)

    def outbox_counts(self) -> dict[str, int]:
        """Rows of the outbox by state."""
        return self.outbox.counts()

    def reset_sending(self) -> int:
        """Rows a stop left in flight go back to pending; returns how many."""
        return self.outbox.reset_sending()

    def refused(self, chat_id: int, pause: float) -> bool:
        """Count a Forbidden for the chat; True when it was dropped for it."""
        if self.outbox.refused(chat_id, pause) < MAX_FAILURES:
            return False
        self.drop(chat_id)
        return True

    def drop(self, chat_id: int) -> None:
        """Forget everything a chat follows."""
        with self._lock:
            for topic_id in self.follows.drop(chat_id):
                self.topics.remove(topic_id)

    def move(self, old: int, new: int) -> None:
        """Carry a migrated group's topics and rows to its new id."""
        with self._lock:
            for topic_id in self.follows.move(old, new):
                self.topics.remove(topic_id)


def explain(topic_text: str, article: Article) -> tuple[str | None, Excerpt | None]:
    """The alternative of a topic that caught an article, and the sentence it stands in."""
    try:
        topic = parse_topic(topic_text)
    except TopicError:
        return None, None
    clause = topic.matched(ArticleText.of_article(article))
    if clause is None:  # edited since it matched
        return None, None
    return clause.text, passage(article, clause)


# ---- who may change a chat's topics ------------------------------------------------------

_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def may_change(bot: Bot, message: Message) -> bool:
    """Whether the sender of a message may change its chat's topics."""
    chat = message.chat
    if chat.type in (ChatType.PRIVATE, ChatType.CHANNEL):
        return True  # a private chat is the user's; a channel post comes from its admins
    if message.sender_chat is not None:
        # anonymous admins post as the group itself; a linked channel posts as itself
        return message.sender_chat.id == chat.id
    user = message.from_user
    if user is None:
        return False
    try:
        member = await bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        log.warning("could not check the admins of chat %s: %s", chat.id, error)
        return False
    return member.status in _ADMINS


async def resolve_channel(bot: Bot, ref: str, user_id: int) -> Chat:
    """The channel behind @name or -100… when the user administers it and the bot may post."""
    try:
        chat = await bot.get_chat(int(ref) if ref.lstrip("-").isdigit() else ref)
    except (BadRequest, Forbidden):
        raise TargetError("channel_unknown", ref) from None
    name = f"@{chat.username}" if chat.username else (chat.title or ref)
    if chat.type != ChatType.CHANNEL:
        raise TargetError("not_channel", name)
    try:
        member = await bot.get_chat_member(chat.id, user_id)
        me = await bot.get_chat_member(chat.id, bot.id)
    except (BadRequest, Forbidden):
        raise TargetError("channel_bot_cannot_post", name) from None
    if member.status not in _ADMINS:
        raise TargetError("channel_not_admin", name)
    if not _can_post(me):
        raise TargetError("channel_bot_cannot_post", name)
    return chat


def _can_post(member: ChatMember) -> bool:
    return member.status == ChatMemberStatus.ADMINISTRATOR and bool(
        getattr(member, "can_post_messages", False)
    )


def digest_day(now: dt.datetime, hour: int) -> str | None:
    """The local day to count as done when a digest is set at `hour` (None: today is due)."""
    return now.date().isoformat() if now.hour >= hour else None


_HOUR = re.compile(r"(\d{1,2})(?:\s*(?:h|giờ|gio|:00|:))?", re.IGNORECASE)
_OFF = {"tat", "tắt", "off", "khong", "không", "ngay", "instant", "now"}


def parse_hour(text: str) -> int | None:
    """A digest hour 0-23 ("7", "7h", "07:00"), or None for off; ValueError for anything else."""
    text = " ".join(text.lower().split())
    if text in _OFF:
        return None
    m = _HOUR.fullmatch(text)
    if m is None or int(m.group(1)) > 23:
        raise ValueError(f"not an hour: {text!r}")
    return int(m.group(1))
