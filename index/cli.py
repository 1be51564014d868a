"""The index's command-line commands: index, stats, search, feeds (no Telegram here)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

import httpx

from .feedcheck import add_checked
from .feeds import POLL_SECONDS, Feed, FeedError, FeedRegistry, http_client, poll_all
from .ingest import ingest
from .models import Article, Hit, SearchResult
from .opml import MAX_OPML_BYTES, OpmlError, export_opml, read_opml
from .outlets import UnknownSource, search_text
from .search import SearchIndex


def cmd_index(
    index: SearchIndex,
    paths: list[str],
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    workers: int | None = None,
    batch: int = 512,
) -> int:
    """Index files and folders; print failures and a summary. Exit 1 if nothing could be read."""
    report = ingest(index, paths, workers=workers, stream=err, batch=batch)
    for failure in report.failures:
        # a file name may hold newlines or terminal escapes: print it as a literal
        print(f"skipped {_printable(failure.origin)}: {_printable(failure.reason)}", file=err)
    if report.failed > len(report.failures):
        print(f"... and {report.failed - len(report.failures):,} more skipped", file=err)
    print(report.summary(), file=out)
    ok = report.added + report.updated + report.unchanged
    return 1 if report.failed and ok == 0 else 0


def _printable(text: str) -> str:
    """text with control characters and undecodable bytes spelled as escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def cmd_stats(index: SearchIndex, out: TextIO = sys.stdout) -> int:
    """Print articles, sources, date range, index size, and the feeds that are failing."""
    s = index.stats()
    print(f"articles:   {s.articles:,}", file=out)
    print(f"dates:      {s.first or '-'} .. {s.last or '-'}", file=out)
    print(f"terms:      {s.terms:,}", file=out)
    print(
        f"index:      {s.index_bytes / 1e6:,.1f} MB on disk ({s.segment_docs:,} in the segment,"
        f" {s.delta_docs:,} in memory)",
        file=out,
    )
    print(f"database:   {s.database_bytes / 1e6:,.1f} MB", file=out)
    print(f"sources:    {len(s.sources):,}", file=out)
    for name, count in s.sources[:20]:
        print(f"  {count:>9,}  {name}", file=out)
    if len(s.sources) > 20:
        print(f"  ... and {len(s.sources) - 20:,} more", file=out)
    with FeedRegistry(index.store) as registry:
        feeds, failing = registry.list(), registry.failing()
    print(f"feeds:      {len(feeds):,} ({len(failing):,} failing)", file=out)
    for feed in failing:
        print(f"  #{feed.id} {feed.url}", file=out)
        print(f"      last ok {_when(feed.last_ok)} · {_failure(feed)}", file=out)
    return 0


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "never"


def _failure(feed: Feed) -> str:
    return (
        f"{feed.failures} failure{'s' if feed.failures != 1 else ''},"
        f" next try {_when(feed.next_check)}: {feed.last_error or '?'}"
    )


def cmd_feeds_add(
    registry: FeedRegistry,
    url: str,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    client: httpx.Client | None = None,
    check: bool = True,
) -> int:
    """Register a feed once it answers (a page's feed link is found and taken instead)."""
    try:
        if not check:
            feed = registry.add(url)
            print(f"added feed #{feed.id} {feed.url}", file=out)
            return 0
        own = client is None
        client = client or http_client()
        try:
            feed, found = add_checked(registry, client, url)
        finally:
            if own:
                client.close()
    except FeedError as e:
        print(f"cannot add {url}: {e}", file=err)
        return 1
    via = f" (linked from {url})" if found.discovered else ""
    print(
        f"added feed #{feed.id} {feed.url}{via}: {found.title or 'no title'},"
        f" {found.entries:,} entries now",
        file=out,
    )
    return 0


def cmd_feeds_import(
    registry: FeedRegistry, path: str, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Register every feed of an OPML file (not fetched: they are checked when polled)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_OPML_BYTES + 1)
        entries = read_opml(data)
    except (OSError, OpmlError) as e:
        print(f"cannot import {path}: {e}", file=err)
        return 1
    added = known = 0
    for url, title in entries:
        try:
            feed = registry.add(url)
        except FeedError as e:
            if "already registered" in str(e):
                known += 1
            else:
                print(f"skipped {url}: {e}", file=err)
            continue
        if title:
            registry.set_title(feed.id, title)
        added += 1
    failed = len(entries) - added - known
    print(
        f"{len(entries):,} feeds in {path}: {added:,} added, {known:,} known, {failed:,} failed",
        file=out,
    )
    return 1 if failed and not added and not known else 0


def cmd_feeds_export(registry: FeedRegistry, out: TextIO = sys.stdout) -> int:
    """Print every feed as OPML."""
    out.write(export_opml(registry.list()))
    return 0


def cmd_feeds_list(registry: FeedRegistry, out: TextIO = sys.stdout) -> int:
    """Print every feed: number, URL, title, last success, failures, last error."""
    feeds = registry.list()
    if not feeds:
        print("no feeds: add one with `newsbot feeds add URL`", file=out)
    for feed in feeds:
        print(f"#{feed.id} {feed.url}", file=out)
        state = f"{feed.title or '(no title yet)'} · last ok {_when(feed.last_ok)}"
        if feed.failures:
            state += f" · {_failure(feed)}"
        print(f"    {state}", file=out)
    return 0


def cmd_feeds_remove(
    registry: FeedRegistry, which: str, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Unregister a feed by number or URL."""
    try:
        feed = registry.remove(which)
    except FeedError as e:
        print(f"cannot remove: {e}", file=err)
        return 1
    print(f"removed feed #{feed.id} {feed.url}", file=out)
    return 0


def cmd_feeds_poll(
    index: SearchIndex,
    registry: FeedRegistry,
    client: httpx.Client | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    now: float | None = None,
    allow_private: bool = False,
    force: bool = False,
) -> int:
    """Poll the feeds that are due (every feed with force) once and index their new articles.

    Exit 1 if all failed.
    """
    now = time.time() if now is None else now
    if force:
        registry.poll_now()
    due = registry.due(now)
    waiting = len(registry.list()) - len(due)
    counts = [0, 0, 0]

    def sink(articles: list[Article]) -> None:
        report = index.add(articles)
        counts[0] += report.added
        counts[1] += report.updated
        counts[2] += report.unchanged

    own = client is None
    client = client or http_client()
    try:
        found = poll_all(registry, client, now, sink=sink, allow_private=allow_private)
    finally:
        if own:
            client.close()
    failed = [
        f for f in (registry.get(d.id) for d in due) if f and f.last_checked == now and f.failures
    ]
    for feed in failed:
        print(f"feed #{feed.id} {feed.url}: {_failure(feed)}", file=err)
    print(
        f"{len(due):,} feeds polled, {len(failed):,} failed; {len(found):,} new entries:"
        f" {counts[0]:,} added, {counts[1]:,} updated, {counts[2]:,} unchanged",
        file=out,
    )
    if waiting:
        print(
            f"{waiting:,} feeds are not due yet (polled every {registry.interval:g} s,"
            " NEWSBOT_FEED_SECONDS); --force polls them now",
            file=out,
        )
    return 1 if due and len(failed) == len(due) else 0


def cmd_feeds(
    data_dir: Path,
    command: str,
    target: str | None = None,
    out: TextIO = sys.stdout,
    proxy: str | None = None,
    allow_private: bool = False,
    *,
    interval: float = POLL_SECONDS,
    force: bool = False,
) -> int:
    """`newsbot feeds add URL | list | remove URL|NUMBER | poll | import FILE | export`."""
    if command == "poll":
        index = SearchIndex.open(data_dir)
        try:
            with (
                FeedRegistry(index.store, interval=interval) as registry,
                http_client(proxy=proxy) as client,
            ):
                return cmd_feeds_poll(
                    index,
                    registry,
                    client=client,
                    out=out,
                    allow_private=allow_private,
                    force=force,
                )
        finally:
            index.close()
    with FeedRegistry(Path(data_dir) / "newsbot.db", interval=interval) as registry:
        if command == "add":
            return cmd_feeds_add(registry, target or "", out=out)
        if command == "remove":
            return cmd_feeds_remove(registry, target or "", out=out)
        if command == "list":
            return cmd_feeds_list(registry, out=out)
        if command == "import":
            return cmd_feeds_import(registry, target or "", out=out)
        if command == "export":
            return cmd_feeds_export(registry, out=out)
    return 2


def hit_json(hit: Hit) -> dict:
    """A hit as the JSON of `newsbot search --json`."""
    a = hit.article
    return {
        "id": a.id,
        "score": round(hit.score, 6),
        "title": a.title,
        "url": a.url,
        "published": a.published.isoformat() if a.published else None,
        "source": a.source,
        "excerpt": hit.excerpt.text,
        "highlights": [list(span) for span in hit.excerpt.spans],
    }


def result_json(result: SearchResult) -> dict:
    """A result as one JSON object."""
    return {
        "query": result.query,
        "total": result.total,
        "partial": result.partial,
        "period_empty": result.period_empty,
        "hits": [hit_json(h) for h in result.hits],
    }


def _marked(hit: Hit, bold: bool) -> str:
    text, pieces, last = hit.excerpt.text, [], 0
    on, off = ("\033[1m", "\033[0m") if bold else ("«", "»")
    for a, b in hit.excerpt.spans:
        pieces += [text[last:a], on, text[a:b], off]
        last = b
    return "".join(pieces) + text[last:]


def print_result(result: SearchResult, out: TextIO) -> None:
    """A result for people: numbered titles, outlet and date, link, excerpt."""
    if not result.hits:
        print(f"No article matches “{result.query}”.", file=out)
        return
    bold = getattr(out, "isatty", lambda: False)()
    note = " (without diacritics)" if result.folded else ""
    if result.partial:
        print(
            f"No article holds the main words of “{result.query}”; partial matches{note}:", file=out
        )
    else:
        print(f"{result.total:,} articles match “{result.query}”{note}:", file=out)
    if result.period_empty:
        print(
            f"None of them is dated {result.date_from} to {result.date_to}; newest first.", file=out
        )
    print(file=out)
    for n, hit in enumerate(result.hits, result.offset + 1):
        a = hit.article
        meta = " · ".join(
            x for x in (a.source, a.published.isoformat() if a.published else None) if x
        )
        print(f"{n}. {a.title}", file=out)
        if meta:
            print(f"   {meta}", file=out)
        print(f"   {a.url or 'id: ' + a.id}", file=out)
        print(f"   {_marked(hit, bold)}\n", file=out)


MAX_QUERY_LINE_BYTES = 64_000  # a longer line is answered with an error, never held whole


def cmd_search(
    index: SearchIndex,
    query: str,
    k: int = 10,
    as_json: bool = False,
    stdin: BinaryIO | TextIO | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """Search once, or once per line of standard input when the query is "-"."""
    if query == "-":
        for line, problem in _query_lines(stdin if stdin is not None else sys.stdin.buffer):
            # one line out per line in, so a caller can zip answers with questions
            answer = {"query": line, "total": 0, "hits": []}
            if problem is None and not line.strip():
                problem = "empty query"
            if problem is None:
                try:
                    answer = result_json(search_text(index, line, k=k))
                except UnknownSource as e:
                    answer["sources"] = list(e.known)
                    problem = str(e)
                except Exception as e:  # noqa: BLE001 - one bad query must not end the stream
                    problem = f"search failed: {type(e).__name__}: {e}"
            if problem is not None:
                answer["error"] = problem
            out.write(json.dumps(answer, ensure_ascii=False) + "\n")
            out.flush()
        return 0
    if not query.strip():
        print(
            'Nothing to search: give some words, e.g. newsbot search "giá vàng".', file=sys.stderr
        )
        return 2
    try:
        result = search_text(index, query, k=k)
    except UnknownSource as e:
        print(f"{e}; the sources are: {e.listed(100) or '(none)'}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(result_json(result), ensure_ascii=False, indent=1), file=out)
    else:
        print_result(result, out)
    return 0


def _query_lines(stream: BinaryIO | TextIO) -> Iterator[tuple[str, str | None]]:
    """(query, problem) per line of stream: undecodable or overlong lines get a problem."""
    while raw := stream.readline(MAX_QUERY_LINE_BYTES + 1):
        if len(raw) > MAX_QUERY_LINE_BYTES and raw[-1:] not in ("\n", b"\n"):
            while raw and raw[-1:] not in ("\n", b"\n"):  # skip the rest of the line
                raw = stream.readline(MAX_QUERY_LINE_BYTES + 1)
            yield "", f"line over {MAX_QUERY_LINE_BYTES:,} bytes"
            continue
        if isinstance(raw, str):
            yield raw.strip(), None
            continue
        try:
            yield raw.decode("utf-8").strip(), None
        except UnicodeDecodeError as e:
            text = raw.decode("utf-8", "replace").strip()
            yield text, f"not UTF-8 text (byte 0x{raw[e.start]:02x} at column {e.start + 1})"


def sample_dir() -> Path:
    """The bundled sample archive (next to the package in a checkout)."""
    return Path(__file__).resolve().parent.parent / "samples"
