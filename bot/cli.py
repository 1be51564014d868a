"""The `newsbot` command: index, stats, search, feeds, chat, run."""

from __future__ import annotations

import argparse
import logging
import sys

from index.cli import cmd_feeds, cmd_index, cmd_search, cmd_stats
from index.search import SearchIndex

from .settings import Settings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="newsbot", description="Vietnamese news search and Telegram bot."
    )
    sub = p.add_subparsers(dest="command", required=True)
    ix = sub.add_parser("index", help="index archive folders and files (.txt, .jsonl, .csv, .html)")
    ix.add_argument("paths", nargs="+")
    ix.add_argument(
        "--workers", type=int, default=None, help="analysis processes (default: every core)"
    )
    ix.add_argument(
        "--batch",
        type=int,
        default=512,
        help="articles per transaction (a kill loses at most one batch of work)",
    )
    sub.add_parser("stats", help="articles, sources, date range and index size")
    se = sub.add_parser(
        "search", help='search: newsbot search "câu hỏi"; "-" reads queries from stdin'
    )
    se.add_argument("query")
    se.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    se.add_argument("--json", action="store_true", help="print JSON")
    fd = sub.add_parser("feeds", help="news feeds (RSS, Atom) polled for new articles")
    fsub = fd.add_subparsers(dest="feeds_command", required=True)
    fsub.add_parser("add", help="register a feed: newsbot feeds add URL").add_argument("target")
    fsub.add_parser("list", help="feeds with their last success, failures and last error")
    fsub.add_parser(
        "remove", help="unregister a feed: newsbot feeds remove URL|NUMBER"
    ).add_argument("target")
    fsub.add_parser("poll", help="poll the feeds that are due once and index new articles (cron)")
    sub.add_parser("chat", help="talk to the bot in this terminal (no token needed)")
    sub.add_parser("run", help="run the Telegram bot")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `newsbot` console script."""
    args = _parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL, and a Bot API URL carries the token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.command == "run":
        from .app import run

        return run(settings)
    if args.command == "chat":
        from .console import chat

        return chat(settings)
    if args.command == "feeds":
        return cmd_feeds(settings.data_dir, args.feeds_command, getattr(args, "target", None))
    index = SearchIndex.open(settings.data_dir)
    try:
        if args.command == "index":
            return cmd_index(index, args.paths, workers=args.workers, batch=max(1, args.batch))
        if args.command == "stats":
            return cmd_stats(index)
        if args.command == "search":
            k = max(1, min(args.k, 1000))
            return cmd_search(index, args.query, k=k, as_json=args.json)
    finally:
        index.close()
    return 2


if __name__ == "__main__":
    sys.exit(main())
