"""News feeds (RSS, Atom, OPML): the registry, fetching within bounds, and polling.

The network side of newsbot: index/ reads and searches and never opens a connection; what a
feed entry says is read into an article by feeds.entries. bot/ and the command
line use the names below.
"""

from .check import add_checked
from .fetch import FetchRefused, is_public, names_private, refuse_private
from .opml import MAX_OPML_BYTES, OpmlError, export_opml, read_opml
from .poll import http_client, poll_all
from .registry import POLL_SECONDS, Feed, FeedError, FeedRegistry, PollResult
from .rounds import FEED_LOCK, Round, poll_due
from .stores import FeedStore

__all__ = [
    "FEED_LOCK",
    "Feed",
    "FeedError",
    "FeedRegistry",
    "FeedStore",
    "FetchRefused",
    "MAX_OPML_BYTES",
    "OpmlError",
    "POLL_SECONDS",
    "PollResult",
    "Round",
    "add_checked",
    "export_opml",
    "http_client",
    "is_public",
    "names_private",
    "poll_all",
    "poll_due",
    "read_opml",
    "refuse_private",
]
