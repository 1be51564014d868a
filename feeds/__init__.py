"""News feeds (RSS, Atom, OPML): the registry, fetching within bounds, and polling.

The network side of newsbot: index/ reads and searches and never opens a connection; what a
feed entry says is read into an article by index.sources.feed_entries. bot/ and the command
line use the names below.
"""

from .check import add_checked
from .cli import cmd_feeds, cmd_feeds_stats
from .poll import http_client, poll_all
from .registry import POLL_SECONDS, Feed, FeedError, FeedRegistry, PollResult
from .stores import FeedStore

__all__ = [
    "Feed",
    "FeedError",
    "FeedRegistry",
    "FeedStore",
    "POLL_SECONDS",
    "PollResult",
    "add_checked",
    "cmd_feeds",
    "cmd_feeds_stats",
    "http_client",
    "poll_all",
]
