"""Prometheus metrics of the running bot (prometheus-client's process-wide registry)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "ARTICLES",
    "BACKEND_ERRORS",
    "DELIVERIES_FAILED",
    "DELIVERIES_SENT",
    "EMBEDDED",
    "FEED_FAILURES",
    "FEED_POLLS",
    "MESSAGES",
    "OUTBOX_DEPTH",
    "QUERY_SECONDS",
    "READY",
    "RECONNECTS",
    "REPLAYED",
    "REPLIES",
    "SEMANTIC_COVERAGE",
    "SPOOLED",
]

# a search answers in milliseconds; a busy machine or a long question takes up to seconds
QUERY_SECONDS = Histogram(
    "newsbot_query_seconds",
    "Time to answer a question (search in a worker thread included)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REPLIES = Counter("newsbot_replies", "Questions answered with a page of results")
MESSAGES = Counter("newsbot_messages_sent", "Messages the bot sent (answers, notices, pushes)")
DELIVERIES_SENT = Counter("newsbot_deliveries_sent", "Outbox messages delivered")
DELIVERIES_FAILED = Counter(
    "newsbot_deliveries_failed", "Outbox messages not delivered (refused, blocked, network)"
)
OUTBOX_DEPTH = Gauge("newsbot_outbox_depth", "Outbox rows waiting to be sent")
FEED_POLLS = Counter("newsbot_feed_polls", "Feed fetches")
FEED_FAILURES = Counter("newsbot_feed_failures", "Feed fetches that failed")
# backend: database, search, telegram (or dispatch: an update that failed on an outage)
BACKEND_ERRORS = Counter(
    "newsbot_backend_errors", "Calls to a backend that failed or timed out", ["backend"]
)
RECONNECTS = Counter(
    "newsbot_reconnects", "Times a backend answered again after failing", ["backend"]
)
READY = Gauge("newsbot_ready", "1 while /readyz answers 200 (database, search, index, first sync)")
SPOOLED = Counter("newsbot_spooled", "Questions kept in the local spool during an outage")
REPLAYED = Counter("newsbot_replayed", "Kept questions answered once the backends were back")
# the semantic stage's coverage (embed/: the worker and `newsbot embed` raise it)
ARTICLES = Gauge("newsbot_articles", "Live articles in the index")
EMBEDDED = Gauge(
    "newsbot_articles_embedded",
    "Live articles with vectors: their lead (part=lead), and their passage windows too",
    ["part"],
)
SEMANTIC_COVERAGE = Gauge(
    "newsbot_semantic_coverage", "Share of live articles with a lead vector (1 with none)"
)
