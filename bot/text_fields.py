"""The sentences of the conversation, one field each (texts_vi.py and texts_en.py fill them)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Texts"]


@dataclass(frozen=True, slots=True)
class Texts:
    """Every sentence of the conversation in one language; {names} are filled by render."""

    lang: str
    date_format: str
    welcome: str
    help: str
    suggestions_head: str
    archive_empty: str
    archive_empty_admin: str  # {path}
    usage_lang: str
    lang_set: str
    results_head: str  # {first} {last} {total} {query}
    partial_head: str  # {first} {last} {query}
    period_empty_note: str  # {period}
    folded_note: str
    no_results: str  # {query}
    no_results_hint: str
    no_results_folded_hint: str
    query_cut: str  # {limit}
    usage_search: str
    usage_read: str
    latest_head: str
    latest_empty: str
    article_missing: str
    previous: str
    next: str
    page: str  # {page} {pages}
    read_button: str  # {n}
    expired: str
    flood: str  # {seconds}
    error: str
    unavailable: str  # a backend is down: the answer comes when it is back
    continued: str  # {part} {parts}
    inline_open_bot: str
    commands: tuple[tuple[str, str], ...]  # (commands.Command key, menu description)
    console_help: str
    console_footer: str
    console_sample: str  # {data} {path}
    console_offer_feeds: str  # {data} {count} {path}
    console_feeds_read: str  # {count} {feeds}
    console_feeds_none: str
    console_prompt: str
    no_token: str
    # subscriptions
    usage_follow: str
    followed: str  # {topic}
    followed_channel: str  # {topic} {channel}
    followed_instant: str
    followed_digest: str  # {hour} {zone}
    followed_recent: str
    followed_none: str
    followed_awaited: str  # {sources}
    topic_invalid: str  # {reason}
    topic_duplicate: str  # {topic}
    too_many_topics: str  # {limit}
    usage_unfollow: str
    unfollowed: str  # {topics}
    unfollow_missing: str  # {which}
    topics_head: str  # {mode}
    topics_head_channel: str  # {channel} {mode}
    topics_empty: str
    topics_footer: str
    in_thread: str
    in_other_thread: str
    mode_instant: str
    mode_digest: str  # {hour} {zone}
    usage_digest: str  # {mode}
    digest_set: str  # {hour} {zone}
    digest_off: str
    not_admin: str
    channel_unknown: str  # {channel}
    not_channel: str  # {channel}
    channel_not_admin: str  # {channel}
    channel_bot_cannot_post: str  # {channel}
    push_list_head: str  # {count}
    digest_head: str  # {date} {count}
    digest_more: str  # {count}
    read_full: str
    # the operator's commands
    admin_only: str
    admin_report: str  # see render.admin_report for the names
    admin_semantic: str  # {vectors} of {articles} ({share}), {windows} with passage windows
    admin_semantic_off: str
    usage_broadcast: str
    broadcast_queued: str  # {chats}
    console_last_page: str
    console_no_number: str
    matched: str  # {phrase}
    source_unknown: str  # {names} {known}
    feeds_refused: str
    feeds_usage: str
    feeds_added: str  # {id} {url} {title} {entries}
    feeds_add_failed: str  # {url} {reason}
    feeds_removed: str  # {id} {url}
    feeds_remove_failed: str  # {reason}
    feeds_empty: str
    feeds_head: str  # {count}
    also_on: str = "{outlets}"  # the same story from other outlets
