"""`newsbot index`, `newsbot stats` and `newsbot search`: the archive's commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from bot.views import hit_views, web_links
from index import (
    ExactNotServed,
    Hit,
    SearchIndex,
    SearchResult,
    UnknownSource,
    ingest,
)

from .counted import counted
from .terminal import print_result


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


def cmd_purge(index: SearchIndex, out: TextIO = sys.stdout) -> int:
    """Forget the retired rows the OpenSearch index took out; say how many, or why none."""
    stage = index.first_stage
    if not hasattr(stage, "purge"):
        why = (
            "each data folder's segment may still count them"
            if index.store.shared
            else "compaction forgets them here"
        )
        print(f"nothing purged: the embedded index searches ({why})", file=out)
        return 0
    gone = stage.purge(index.store)
    print(f"purged {counted(gone, 'retired article row')} (OpenSearch took them out)", file=out)
    return 0


def _terms(count: int, search: str) -> str:
    """The body field's vocabulary: the index's own count, or the one OpenSearch's loader made."""
    if search == "embedded":
        return f"{count:,}"
    if count < 0:
        return (
            "not counted (an OpenSearch index loaded by an older newsbot; deleted, it is"
            " loaded again and counted at the next open)"
        )
    return f"{count:,} (body terms, counted by the loader as it sent them to OpenSearch)"


def cmd_stats(index: SearchIndex, out: TextIO = sys.stdout, shared: str | None = None) -> int:
    """Print articles, sources, date range and index size."""
    s = index.stats()
    print(f"articles:   {s.articles:,}", file=out)
    undated = f" ({counted(s.undated, 'article')} undated)" if s.undated else ""
    print(f"dates:      {s.first or '-'} .. {s.last or '-'}{undated}", file=out)
    print(f"terms:      {_terms(s.terms, s.search)}", file=out)
    print(
        f"index:      {s.index_bytes / 1e6:,.1f} MB on disk ({s.segment_docs:,} in the segment,"
        f" {s.delta_docs:,} in memory)",
        file=out,
    )
    # the articles' own database: newsbot.db in the data folder, or the shared PostgreSQL
    where = shared or f"{s.database_bytes / 1e6:,.1f} MB, SQLite {index.data_dir / 'newsbot.db'}"
    print(f"database:   {where}", file=out)
    print(f"search:     {s.search}", file=out)
    share = f" ({s.vectors / s.articles:.0%})" if s.articles else ""
    print(
        f"semantic:   {s.semantic}; {s.vectors:,} articles with vectors{share},"
        f" {s.windows:,} with passage windows (newsbot embed)",
        file=out,
    )
    print(f"sources:    {len(s.sources):,}", file=out)
    for name, count in s.sources[:20]:
        print(f"  {count:>9,}  {name}", file=out)
    if len(s.sources) > 20:
        print(f"  ... and {len(s.sources) - 20:,} more", file=out)
    return 0


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


MAX_QUERY_LINE_BYTES = 64_000  # a longer line is answered with an error, never held whole


def cmd_search(
    index: SearchIndex,
    query: str,
    k: int = 10,
    as_json: bool = False,
    stdin: BinaryIO | TextIO | None = None,
    out: TextIO = sys.stdout,
    exact: bool = False,
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
                    answer = result_json(index.search_text(line, k=k, exact=exact))
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
        result = index.search_text(query, k=k, exact=exact)
    except UnknownSource as e:
        print(f"{e}; the sources are: {e.listed(100) or '(none)'}", file=sys.stderr)
        return 2
    except ExactNotServed as e:
        print(f"{e}: unset NEWSBOT_OPENSEARCH_URL to use --exact", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(result_json(result), ensure_ascii=False, indent=1), file=out)
    else:
        print_result(
            result, hit_views(result.hits, web_links([h.article for h in result.hits])), out
        )
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
