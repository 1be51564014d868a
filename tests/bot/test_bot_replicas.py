"""Replicas sharing PostgreSQL: each row claimed once, a dead claimer's rows retried, one poller."""

from __future__ import annotations

import threading
import time

import pytest

from bot.outbox import DIGEST_LOCK
from bot.subscription_store import MATCH_LOCK
from bot.subscriptions import Outbox, SubscriptionStore, Target
from feeds import FEED_LOCK

ALICE = Target(1001, "private")


def eventually(probe, timeout: float = 10.0):
    """The first truthy result of probe: a closed session's locks go a moment after it."""
    deadline = time.monotonic() + timeout
    while not (result := probe()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


def owed(outbox: Outbox, chats: int, articles: int) -> list[int]:
    """Pending rows: every chat follows one topic that caught every article."""
    store = SubscriptionStore(outbox.database)
    ids = [store.follow(Target(1000 + c, "private"), "vi", "giá", "g", 0).id for c in range(chats)]
    outbox.enqueue([(n + 1, f"art-{n}", set(ids)) for n in range(articles)], cursor=articles)
    return [r.id for b in outbox.due(1e12, "d", 0, chats=chats) for r in b.rows]


def test_two_concurrent_claimers_never_take_one_row(postgres_url):
    one, two = Outbox(postgres_url), Outbox(postgres_url)
    rows = owed(one, chats=20, articles=10)
    got: dict[str, list[int]] = {"one": [], "two": []}
    start = threading.Barrier(2)

    def claimer(name: str, store: Outbox) -> None:
        start.wait()
        for row in rows:  # both race for every row, one at a time
            got[name] += store.claim([row])

    threads = [threading.Thread(target=claimer, args=a) for a in (("one", one), ("two", two))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got["one"] + got["two"]) == sorted(rows)  # each row exactly once
    assert not set(got["one"]) & set(got["two"])
    one.close()
    two.close()


def test_a_claimer_that_dies_mid_batch_has_its_claims_retried_never_what_it_sent(postgres_url):
    dying, alive = Outbox(postgres_url), Outbox(postgres_url)
    rows = owed(dying, chats=1, articles=3)
    assert dying.claim(rows) == rows
    dying.mark(rows[:1], "sent")  # it sent the first before it died
    assert alive.reset_sending() == 0  # its owner lock is held: a live replica's rows
    assert alive.due(1e12, "d", 0) == []  # its chat has a message in flight
    dying._alive.close()  # kill -9: the connection holding its owner lock goes away
    assert eventually(alive.reset_sending) == 2
    (batch,) = alive.due(1e12, "d", 0)
    assert [r.id for r in batch.rows] == rows[1:]
    assert alive.claim(rows) == rows[1:]  # the sent one is never claimed again
    assert dying.claim(rows) == []
    dying.mark(rows, "pending")  # a late release by the dead one leaves the new claim alone
    assert alive.counts() == {"sent": 1, "sending": 2}
    dying.database.close()
    alive.close()


def test_the_dead_replicas_rows_come_back_on_the_next_pass_of_due(postgres_url):
    dying, alive = Outbox(postgres_url), Outbox(postgres_url)
    rows = owed(dying, chats=2, articles=1)
    dying.claim(rows)
    dying._alive.close()
    clock = iter(range(10**6))  # each pass of due() a RECOVER_SECONDS later than the last
    batches = eventually(lambda: alive.due(1e12 + 10.0 * next(clock), "d", 0))
    assert len(batches) == 2  # due() looks for dead claims itself
    dying.database.close()
    alive.close()


@pytest.mark.parametrize("name", [FEED_LOCK, DIGEST_LOCK, MATCH_LOCK])
def test_polling_digests_and_matching_run_in_one_replica_at_a_time(postgres_url, name):
    one, two = SubscriptionStore(postgres_url), SubscriptionStore(postgres_url)
    with one.database.advisory(name) as first, two.database.advisory(name) as second:
        assert (first, second) == (True, False)
    one.close()
    two.close()


def test_a_follow_waits_for_a_match_elsewhere_and_starts_at_its_cursor(postgres_url):
    matcher, other = Outbox(postgres_url), SubscriptionStore(postgres_url)
    matcher.set_cursor(10)
    followed = []
    with matcher.database.advisory(MATCH_LOCK) as mine:
        assert mine
        thread = threading.Thread(
            target=lambda: followed.append(other.follow(ALICE, "vi", "giá", "g", 5))
        )
        thread.start()
        thread.join(0.5)
        assert thread.is_alive() and not followed  # waits while the match runs
        matcher.set_cursor(30)  # the match moved the cursor without the new topic
    thread.join(10)
    assert followed[0].after_position == 30  # articles to 30 were matched before it
    matcher.close()
    other.close()


def test_stats_names_the_backend_with_the_password_masked(tmp_path):
    from app.cli import state_backend
    from app.settings import Settings

    shared = Settings(
        NEWSBOT_DATA_DIR=tmp_path,
        NEWSBOT_DATABASE_URL="postgresql://bot:s3cret@db.local:5432/news",
        _env_file=None,
    )
    assert state_backend(shared) == "PostgreSQL postgresql://bot:***@db.local:5432/news"
    embedded = Settings(NEWSBOT_DATA_DIR=tmp_path, _env_file=None)
    bot_db = tmp_path / "bot.db"
    assert state_backend(embedded) == f"SQLite {bot_db} (created when the bot first runs)"
    bot_db.touch()
    assert state_backend(embedded) == f"SQLite {bot_db}"
    with pytest.raises(ValueError, match="postgresql://"):
        Settings(NEWSBOT_DATABASE_URL="mysql://x/y", _env_file=None)


def test_feeds_are_polled_by_the_replica_holding_their_lock(postgres_url):
    from httpx import Client

    from bot.feeds import FeedPoller
    from feeds import FeedRegistry

    registry = FeedRegistry(postgres_url)
    feed = registry.add("http://127.0.0.1:9/rss.xml")  # refused: a poll records a failure
    with Client(timeout=2, trust_env=False) as client:
        poller = FeedPoller(None, registry, client, threading.Lock())
        other = SubscriptionStore(postgres_url)  # another replica's connection
        with other.database.advisory(FEED_LOCK) as held:
            assert held
            assert poller._poll(1e10) == ((), 0, 0)
            assert registry.get(feed.id).last_checked is None  # not polled here
        new, polled, failed = poller._poll(1e10)
        assert (new, polled, failed) == ((), 1, 1)
    assert registry.get(feed.id).last_checked == 1e10
    other.close()
    registry.close()
