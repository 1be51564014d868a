"""The `newsbot` command: its arguments, and which command implements each (cli_*.py)."""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot import logs
from bot.errors import one_line_errors
from feeds import POLL_SECONDS, FeedRegistry

from .cli_check import cmd_check
from .cli_feeds import cmd_feeds, cmd_feeds_stats
from .cli_index import cmd_index, cmd_purge, cmd_search, cmd_stats
from .search_backend import open_index, search_loader
from .settings import Settings, default_data_dir, load_settings

_DATA = (
    "the data folder (index, bot.db, .env); NEWSBOT_DATA_DIR wins over it;"
    f" default {default_data_dir()}"
)


# the settings that pick where articles and state live, and what serves search
STORE = "NEWSBOT_DATA_DIR, NEWSBOT_DATABASE_URL"
SEARCH = (
    "NEWSBOT_OPENSEARCH_URL (and its _INDEX, _USER, _PASSWORD, _CA, _SHARDS, _REPLICAS, _TIMEOUT,"
    " _POOL)"
)


def _version() -> str:
    try:
        return version("newsbot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    # --data-dir is accepted before or after the command; SUPPRESS keeps one from erasing the other
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help=_DATA)
    p = argparse.ArgumentParser(
        prog="newsbot",
        description="Vietnamese news search and Telegram bot. Settings come from the"
        " environment, the project's .env and the data folder's .env (see .env.example);"
        " every command reads NEWSBOT_DATA_DIR, NEWSBOT_LOG_LEVEL and NEWSBOT_LOG_FORMAT.",
        parents=[common],
    )
    p.add_argument("--version", action="version", version=f"newsbot {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, parents=[common])

    ix = command(
        "index",
        f"index archive folders and files (.txt, .jsonl, .csv, .html); reads {STORE}, {SEARCH}",
    )
    ix.add_argument(
        "paths", nargs="+", help="folders (read recursively) and files; reads NEWSBOT_DATA_DIR"
    )
    ix.add_argument(
        "--workers", type=int, default=None, help="analysis processes (default: every core)"
    )
    ix.add_argument(
        "--batch",
        type=int,
        default=512,
        help="articles per transaction (a kill loses at most one batch of work)",
    )
    command(
        "stats",
        "the data folder, articles, sources, date range, index size, failing feeds;"
        f" reads {STORE}, {SEARCH}",
    )
    command(
        "purge",
        "forget replaced and removed articles' rows once the OpenSearch index has taken them"
        " out (with NEWSBOT_OPENSEARCH_URL: nothing compacts there); safe while replicas run;"
        f" reads {STORE}, {SEARCH}",
    )
    se = command(
        "search",
        'search: newsbot search "câu hỏi"; "-" reads queries from stdin;'
        f" reads {STORE}, {SEARCH}, NEWSBOT_SEMANTIC",
    )
    se.add_argument(
        "query", help='the question, or "-" for one query a line on stdin (JSON lines out)'
    )
    se.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    se.add_argument("--json", action="store_true", help="print JSON")
    se.add_argument(
        "--exact",
        action="store_true",
        help="rank by the BM25Okapi score of the words alone (as rank_bm25); embedded index"
        " only: refused when NEWSBOT_OPENSEARCH_URL is set",
    )
    em = command(
        "embed",
        "embed pending articles for the semantic stage (leads first, then passage windows),"
        " with a progress bar; stop it any time, a rerun resumes;"
        f" reads {STORE}, {SEARCH}, NEWSBOT_SEMANTIC",
    )
    em.add_argument("--batch", type=int, default=32, help="articles a chunk (default 32)")
    em.add_argument("--limit", type=int, default=0, help="stop after N articles (default: all)")
    em.add_argument(
        "--leads-only", action="store_true", help="one vector an article, no passage windows"
    )
    fd = command("feeds", f"news feeds (RSS, Atom) polled for new articles; reads {STORE}")
    fsub = fd.add_subparsers(dest="feeds_command", required=True)

    def feeds(name: str, help: str) -> argparse.ArgumentParser:
        return fsub.add_parser(name, help=help, description=help, parents=[common])

    feeds(
        "add",
        "register a feed: newsbot feeds add URL (fetched first);"
        f" reads {STORE}, NEWSBOT_PROXY, NEWSBOT_ALLOW_PRIVATE_FETCH",
    ).add_argument("target", help="the feed's http(s) URL")
    feeds(
        "list",
        "feeds with their last success, failures and last error;"
        f" reads {STORE}, NEWSBOT_FEED_SECONDS",
    )
    feeds(
        "remove", f"unregister a feed: newsbot feeds remove URL|NUMBER; reads {STORE}"
    ).add_argument("target", help="the feed's URL or its number in `newsbot feeds list`")
    feeds(
        "poll",
        "poll the feeds that are due once and index new articles (cron);"
        f" reads {STORE}, {SEARCH}, NEWSBOT_PROXY, NEWSBOT_FEED_SECONDS,"
        " NEWSBOT_ALLOW_PRIVATE_FETCH; one process polls at a time (a running bot's lock)",
    ).add_argument("--force", action="store_true", help="poll every feed now, due or not")
    feeds(
        "import",
        "register the feeds of an OPML file: newsbot feeds import FILE.opml;"
        f" reads {STORE}, NEWSBOT_ALLOW_PRIVATE_FETCH",
    ).add_argument("target", help="the OPML file")
    feeds("export", f"print every feed as OPML; reads {STORE}")
    ck = command("check", f"verify the database and the index; --repair rebuilds it; reads {STORE}")
    ck.add_argument(
        "--repair", action="store_true", help="rebuild a damaged index from the database"
    )
    ch = command(
        "chat",
        "talk to the bot in this terminal (no token needed);"
        f" reads {STORE}, {SEARCH}, NEWSBOT_SEMANTIC, NEWSBOT_FIRST_FEEDS,"
        " NEWSBOT_ALLOW_PRIVATE_FETCH",
    )
    ch.add_argument(
        "--lang", choices=("vi", "en"), default="vi", help="the bot's language (default vi)"
    )
    mg = command(
        "migrate",
        "copy the data folder (articles with their terms, feeds, chats, topics, outbox, bot"
        " state, broadcasts) into PostgreSQL, and OpenSearch when its URL is set; resumable,"
        f" a rerun doubles nothing; reads {STORE}, {SEARCH}",
    )
    mg.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
    mg.add_argument(
        "--schema",
        action="store_true",
        help="copy nothing: create or upgrade the tables (and the OpenSearch index), as a"
        " deployment does once before its replicas start and before each upgrade",
    )
    command(
        "run",
        "run the Telegram bot; reads TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, WEBHOOK_URL"
        " (and its _SECRET, _LISTEN, _PORT), NEWSBOT_DATA_DIR, NEWSBOT_DATABASE_URL (and its"
        f" _POOL_SIZE, _TIMEOUT), {SEARCH}, NEWSBOT_SEMANTIC, NEWSBOT_PROXY, NEWSBOT_ADMINS,"
        " NEWSBOT_ERROR_CHAT, NEWSBOT_ALLOWED_CHATS, NEWSBOT_HTTP_PORT (and _LISTEN),"
        " NEWSBOT_FLOOD_QUESTIONS, NEWSBOT_FLOOD_SECONDS, NEWSBOT_REFRESH_SECONDS,"
        " NEWSBOT_FEED_SECONDS, NEWSBOT_DELIVERY_SECONDS, NEWSBOT_SEND_CONCURRENCY,"
        " NEWSBOT_TIMEZONE, NEWSBOT_ALLOW_PRIVATE_FETCH, NEWSBOT_LOG_FORMAT, NEWSBOT_LOG_LEVEL:"
        " every setting of .env.example but NEWSBOT_FIRST_FEEDS",
    )
    return p


@one_line_errors
def main(argv: list[str] | None = None) -> int:
    """Entry point of the `newsbot` console script; a closed pipe (| head) ends it quietly."""
    try:
        code = _main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # the reader went away: say nothing, and keep the final flush from complaining
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # what a shell reports for a command ended by SIGPIPE


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings(getattr(args, "data_dir", None))
    logs.setup(settings.log_level, settings.log_format)
    if args.command == "run":
        from .serve import run

        return run(settings)
    if args.command == "chat":
        from app.console import chat

        return chat(settings, lang=args.lang)
    if args.command == "migrate":
        from .cli_migrate import cmd_migrate, cmd_schema

        if args.schema:
            return cmd_schema(settings.database, load_search=search_loader(settings))
        return cmd_migrate(
            settings.data_dir,
            settings.database,
            batch=args.batch,
            load_search=search_loader(settings),  # OpenSearch, when NEWSBOT_OPENSEARCH_URL is set
        )
    if args.command == "check":
        return cmd_check(settings.data_dir, repair=args.repair, url=settings.database)
    if args.command == "feeds":
        if args.feeds_command in ("list", "poll") and not _has_feeds(settings):
            # a cron line pointed at the wrong folder must not pass for "nothing new"
            print(
                f"No feeds in {settings.data_dir}: add one with `newsbot feeds add URL`,"
                " or point NEWSBOT_DATA_DIR (or --data-dir) at the folder that holds them.",
                file=sys.stderr,
            )
            return 1 if args.feeds_command == "poll" else 0
        sub = args.feeds_command  # each reads only the settings its help names
        return cmd_feeds(
            settings.data_dir,
            sub,
            getattr(args, "target", None),
            proxy=settings.proxy if sub in ("add", "poll") else None,
            allow_private=sub in ("add", "import", "poll") and settings.allow_private_fetch,
            interval=settings.feed_seconds if sub in ("list", "poll") else POLL_SECONDS,
            force=getattr(args, "force", False),
            out=sys.stdout,
            url=settings.database,
            open_index=lambda data_dir: open_index(settings, data_dir),
        )
    if args.command == "stats":
        print(f"data:       {settings.data_dir}")
        print(f"state:      {state_backend(settings)}")
    # a bulk load of OpenSearch (at open, or after the articles are stored) draws a bar
    bar = sys.stderr if args.command == "index" else None
    index = open_index(settings, semantic=args.command in ("search", "embed"), progress=bar)
    try:
        if args.command == "embed":
            if not index.semantic.on:
                print(
                    "the encoder is off (NEWSBOT_SEMANTIC=off, or it failed to load)",
                    file=sys.stderr,
                )
                return 1
            from embed.backfill import backfill

            backfill(
                index,
                index.semantic.encoder,
                articles=max(1, args.batch),
                windows=not args.leads_only,
                limit=max(0, args.limit),
            )
            return 0
        if args.command == "index":
            return cmd_index(index, args.paths, workers=args.workers, batch=max(1, args.batch))
        if args.command == "stats":
            shared = state_backend(settings) if settings.database else None
            code = cmd_stats(index, shared=shared)  # shared: the articles are in PostgreSQL
            cmd_feeds_stats(settings.data_dir, url=settings.database)
            if not index.latest(1):
                print(f"\n{empty_index_hint(settings)}")
            return code
        if args.command == "purge":
            return cmd_purge(index)
        if args.command == "search":
            if not index.latest(1):
                print(empty_index_hint(settings), file=sys.stderr)
                return 1
            k = max(1, min(args.k, 1000))
            return cmd_search(index, args.query, k=k, as_json=args.json, exact=args.exact)
    finally:
        index.close()
    return 2


def _has_feeds(settings: Settings) -> bool:
    with FeedRegistry.open(settings.data_dir, url=settings.database) as registry:
        return bool(registry.list())


def state_backend(settings: Settings) -> str:
    """Where chats, topics, the outbox and feeds live (a URL's password masked); and articles."""
    if settings.database:
        from storage.postgres import masked

        return f"PostgreSQL {masked(settings.database)}"
    path = settings.data_dir / "bot.db"
    return f"SQLite {path}" + ("" if path.exists() else " (created when the bot first runs)")


def empty_index_hint(settings: Settings) -> str:
    """Where the empty index was looked for, and the commands that fill it."""
    return (
        f"The index in {settings.data_dir} is empty. Fill it with\n"
        "  newsbot index <folders or files>      (an archive: .txt, .jsonl, .csv, .html)\n"
        "  newsbot feeds add <RSS URL>; newsbot feeds poll\n"
        "or point NEWSBOT_DATA_DIR (or --data-dir) at the folder that holds your index."
    )


if __name__ == "__main__":
    sys.exit(main())
