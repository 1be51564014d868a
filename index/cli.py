"""The index's command-line commands: index, stats, search (no Telegram here)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .ingest import ingest
from .models import Hit, SearchResult
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
        print(f"skipped {failure.origin}: {failure.reason}", file=err)
    print(report.summary(), file=out)
    ok = report.added + report.updated + report.unchanged
    return 1 if report.failures and ok == 0 else 0


def cmd_stats(index: SearchIndex, out: TextIO = sys.stdout) -> int:
    """Print articles, sources, date range and index size."""
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
    print(f"{result.total:,} articles match “{result.query}”{note}:\n", file=out)
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


def cmd_search(
    index: SearchIndex,
    query: str,
    k: int = 10,
    as_json: bool = False,
    stdin: Iterable[str] = sys.stdin,
    out: TextIO = sys.stdout,
) -> int:
    """Search once, or once per line of standard input when the query is "-"."""
    if query == "-":
        for line in stdin:
            line = line.strip()
            if line:
                out.write(
                    json.dumps(result_json(index.search(line, k=k)), ensure_ascii=False) + "\n"
                )
                out.flush()
        return 0
    result = index.search(query, k=k)
    if as_json:
        print(json.dumps(result_json(result), ensure_ascii=False, indent=1), file=out)
    else:
        print_result(result, out)
    return 0


def sample_dir() -> Path:
    """The bundled sample archive (next to the package in a checkout)."""
    return Path(__file__).resolve().parent.parent / "samples"
