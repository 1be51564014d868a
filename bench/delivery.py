"""Delivery benchmark: 1,000 pushes through PTB's Bot, AIORateLimiter and the Sender.

    .venv/bin/python bench/delivery.py                    # 1,000 private chats, one article
    .venv/bin/python bench/delivery.py --chats 250 --articles 4   # bursts become lists
    .venv/bin/python bench/delivery.py --postgres         # also one and two replicas on PostgreSQL

The bot talks to the local fake Bot API server of the tests (tests/botapi.py) over loopback,
with the application `newsbot run` builds (build_application: ExtBot, AIORateLimiter with
its defaults of 30 messages/s overall and 20/min per group). Each chat follows one topic;
new articles are matched into the outbox (TopicIndex, one transaction), then the Sender
empties it. The same run then sends as many again with a bare Bot (no limiter), which shows
what the sender and the server manage alone: the gap is the limiter doing its job.

With --postgres the run then starts a throwaway PostgreSQL (tests/servers/postgres.py) and
sends as many again without a limiter from one replica, then from two replicas sharing the
outbox (two stores, two Bots, two Senders claiming rows with SKIP LOCKED). The two replicas
run in this one process (one event loop, threads for the database), not on two machines.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from botapi import ThreadedBotApiServer  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from app.application import build_application  # noqa: E402
from app.settings import Settings  # noqa: E402
from bench.machine import print_machine  # noqa: E402
from bot.outbox import Sender  # noqa: E402
from bot.subscriptions import Outbox, Subscriptions, SubscriptionStore, Target  # noqa: E402
from index.models import Article  # noqa: E402
from index.search import SearchIndex  # noqa: E402

CEILING = 30.0  # Telegram's broadcast limit, messages per second
FIRST_CHAT = 10_000_000


def gold(n: int, round_: int) -> Article:
    """A new article the topic "giá vàng" catches."""
    return Article(
        f"vang-{round_}-{n}",
        f"Giá vàng phiên {round_}-{n} tăng mạnh",
        f"Giá vàng SJC phiên {round_}-{n} tăng thêm nửa triệu đồng mỗi lượng.",
        url=f"https://tin.example.vn/vang-{round_}-{n}",
        published=dt.date(2025, 5, 10),
        source="Báo Thử",
    )


async def deliver(
    svc, sender: Sender | list[Sender], api, chats: list[int], articles: list[Article]
) -> dict:
    """Index articles, match them into the outbox, send it all; times and counts."""
    senders = sender if isinstance(sender, list) else [sender]
    before = sum(len(api.messages(c)) for c in chats)
    t0 = time.perf_counter()
    await asyncio.to_thread(svc.index.add, articles)
    t1 = time.perf_counter()
    rows = await asyncio.to_thread(svc.subscriptions.match)
    t2 = time.perf_counter()
    sent = 0
    while True:  # the bot's job would call run() every tick; here, until the outbox is empty
        sent += sum(await asyncio.gather(*(s.run() for s in senders)))
        left = svc.subscriptions.outbox.counts()
        if not left.get("pending") and not left.get("sending"):
            break
        await asyncio.sleep(0.05)
    t3 = time.perf_counter()
    arrived = sum(len(api.messages(c)) for c in chats) - before
    return {
        "index_s": t1 - t0,
        "match_s": t2 - t1,
        "rows": rows,
        "messages": sent,
        "arrived": arrived,
        "send_s": t3 - t2,
    }


async def main_async(args: argparse.Namespace) -> int:
    chats = list(range(FIRST_CHAT, FIRST_CHAT + args.chats))
    with tempfile.TemporaryDirectory() as tmp, ThreadedBotApiServer() as api:
        for chat in chats:
            api.add_private_chat(chat, f"Người đọc {chat}")
        data = Path(tmp)
        index = SearchIndex.open(data / "news")
        index.add([gold(0, 0)])  # the archive: pyvi loads here, not in the timings
        settings = Settings(
            NEWSBOT_DATA_DIR=data,
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_API_URL=f"http://127.0.0.1:{api.port}",
            _env_file=None,
        )
        app = build_application(settings, index)
        await app.initialize()
        await app.post_init(app)  # services; the job queue is never started
        svc = app.bot_data["services"]
        try:
            t0 = time.perf_counter()
            for chat in chats:
                await asyncio.to_thread(
                    svc.subscriptions.follow, Target(chat, "private"), "giá vàng", "vi", 0
                )
            print(
                f"{len(chats):,} private chats follow “giá vàng”:"
                f" followed in {time.perf_counter() - t0:.1f} s (pyvi parse, SQLite)"
            )

            limited = await deliver(
                svc, svc.sender, api, chats, [gold(n, 1) for n in range(args.articles)]
            )
            bare = Bot(
                api.token,
                base_url=api.base_url,
                request=HTTPXRequest(connection_pool_size=8),
            )
            await bare.initialize()
            unlimited_sender = Sender(bare, svc.subscriptions, svc.state, zone=settings.zone)
            unlimited = await deliver(
                svc, unlimited_sender, api, chats, [gold(n, 2) for n in range(args.articles)]
            )
            await bare.shutdown()
            shared = await postgres_rounds(api, chats, index, args) if args.postgres else {}
        finally:
            await app.post_shutdown(app)
            await app.shutdown()
            index.close()

        titles = Counter(
            (c, m["text"]) for c in chats for m in api.messages(c) if m["text"].startswith("🔔")
        )
        errors = api.errors()

    deliveries = len(chats) * args.articles
    rounds = [("with AIORateLimiter", limited), ("without a limiter  ", unlimited)]
    rounds += [(f"PostgreSQL, {name}", r) for name, r in shared.items()]
    for name, r in rounds:
        rate = r["messages"] / r["send_s"]
        print(
            f"{name}: {args.articles} new article(s)"
            f" indexed in {r['index_s'] * 1e3:.0f} ms, matched in {r['match_s'] * 1e3:.0f} ms"
            f" into {r['rows']:,} deliveries; {r['messages']:,} messages sent in"
            f" {r['send_s']:.1f} s = {rate:.1f} msg/s ({rate / CEILING:.0%} of the 30/s ceiling),"
            f" {r['rows'] / r['send_s']:.1f} deliveries/s"
        )
    ok = (
        limited["rows"] == unlimited["rows"] == deliveries
        and limited["arrived"] == limited["messages"]
        and unlimited["arrived"] == unlimited["messages"]
        and all(r["rows"] == deliveries == r["arrived"] == r["messages"] for r in shared.values())
        and all(n == 1 for n in titles.values())
        and not errors
    )
    # AIORateLimiter is a leaky bucket: the first 30 go at once, then 30 a second
    expected = max(limited["messages"] - CEILING, 0) / CEILING
    print(
        f"summary: {deliveries:,} deliveries through the rate limiter took"
        f" {limited['send_s']:.1f} s ({limited['messages'] / limited['send_s']:.1f} msg/s;"
        f" the limiter alone allows {expected:.1f} s: a first burst of 30, then 30/s);"
        f" without it {unlimited['send_s']:.1f} s;"
        + "".join(
            f" PostgreSQL, {name}: {r['rows'] / r['send_s']:.1f} deliveries/s;"
            for name, r in shared.items()
        )
        + f" every message arrived exactly once: {'yes' if ok else 'NO'}"
    )
    return 0 if ok else 1


async def postgres_rounds(api, chats: list[int], index: SearchIndex, args) -> dict[str, dict]:
    """The unlimited round again with the state in PostgreSQL: one replica, then two."""
    from servers.postgres import PostgresServer

    with PostgresServer() as server, tempfile.TemporaryDirectory() as tmp:
        url = server.create_database()
        settings = Settings(
            NEWSBOT_DATA_DIR=tmp,
            NEWSBOT_DATABASE_URL=url,
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_API_URL=f"http://127.0.0.1:{api.port}",
            _env_file=None,
        )
        app = build_application(settings, index)
        await app.initialize()
        await app.post_init(app)
        svc = app.bot_data["services"]
        # replica 2: its own stores on the shared database
        store2 = await asyncio.to_thread(SubscriptionStore, url)
        outbox2 = await asyncio.to_thread(Outbox, url)
        other = await asyncio.to_thread(Subscriptions.start, index, store2, outbox2)
        bots = [Bot(api.token, base_url=api.base_url, request=HTTPXRequest(8)) for _ in "ab"]
        try:
            for bot in bots:
                await bot.initialize()
            for chat in chats:
                target = Target(chat, "private")
                await asyncio.to_thread(svc.subscriptions.follow, target, "giá vàng", "vi", 0)
            await asyncio.to_thread(other.load)
            one = Sender(bots[0], svc.subscriptions, svc.state, zone=settings.zone)
            results = {
                "one replica ": await deliver(
                    svc, one, api, chats, [gold(n, 3) for n in range(args.articles)]
                )
            }
            two = [
                Sender(bots[0], svc.subscriptions, svc.state, zone=settings.zone),
                Sender(bots[1], other, svc.state, zone=settings.zone),
            ]
            results["two replicas"] = await deliver(
                svc, two, api, chats, [gold(n, 4) for n in range(args.articles)]
            )
            return results
        finally:
            for bot in bots:
                await bot.shutdown()
            await asyncio.to_thread(outbox2.close)
            await asyncio.to_thread(store2.close)
            await app.post_shutdown(app)
            await app.shutdown()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chats", type=int, default=1_000)
    p.add_argument("--articles", type=int, default=1, help="new articles per round")
    p.add_argument(
        "--postgres", action="store_true", help="also one and two replicas sharing PostgreSQL"
    )
    args = p.parse_args()
    print_machine()
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
