"""Segmenter benchmark: index/word_segmenter.py against pyvi itself, article by article.

    .venv/bin/python bench/segmenter.py --limit 2000          # a sample, while developing
    nice -n 10 .venv/bin/python bench/segmenter.py --workers 2   # the whole corpus (~30 min)

Every article of ../shared/corpus/news.jsonl.gz (never copied into the repo) is segmented
by pyvi (ViTokenizer.tokenize) and by the segmenter, title and body, on the text that
indexing segments (the analyzer's normal form; `--raw` uses the article's text as written,
capitals included). It prints the number of articles whose segmentation differs in any
character, the first differences, and articles per second per core of each (CPU seconds
of the worker processes, so the figure does not depend on how many cores run).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine  # noqa: E402
from index.analysis import MAX_ANALYZED_CHARS  # noqa: E402
from index.normalize import normalize  # noqa: E402
from index.word_segmenter import Segmenter  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
CHUNK = 100


def read_articles(path: Path, limit: int | None):
    """(id, title, body) of the corpus articles, in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in islice(f, limit):
            rec = json.loads(line)
            yield rec["id"], rec.get("title") or "", rec.get("body") or ""


def chunks(items, size: int):
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


_SEGMENTER: Segmenter | None = None


def _init() -> None:
    global _SEGMENTER
    from pyvi import ViTokenizer

    ViTokenizer.tokenize("khởi động")
    _SEGMENTER = Segmenter.from_pyvi()


def compare(batch: list[tuple[str, str, str]], raw: bool) -> dict:
    """Segment a batch with both; CPU seconds of each and the articles that differ."""
    from pyvi import ViTokenizer

    prepare = (
        (lambda s: s[:MAX_ANALYZED_CHARS]) if raw else (lambda s: normalize(s[:MAX_ANALYZED_CHARS]))
    )
    texts = [(prepare(t), prepare(b)) for _, t, b in batch]
    chars = sum(len(t) + len(b) for t, b in texts)
    t0 = time.process_time()
    ref = [(ViTokenizer.tokenize(t), ViTokenizer.tokenize(b)) for t, b in texts]
    t1 = time.process_time()
    flat = _SEGMENTER.many([x for pair in texts for x in pair])  # as indexing calls it
    ours = list(zip(flat[0::2], flat[1::2], strict=True))
    t2 = time.process_time()
    diffs = []
    for (aid, _, _), r, o, src in zip(batch, ref, ours, texts, strict=True):
        if r != o:
            diffs.append({"id": aid, "pyvi": r, "ours": o, "text": src})
    return {"n": len(batch), "chars": chars, "pyvi": t1 - t0, "ours": t2 - t1, "diffs": diffs}


def first_difference(a: str, b: str, context: int = 60) -> str:
    """The two strings around their first differing character."""
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    lo = max(0, i - context)
    return f"    pyvi: …{a[lo : i + context]!r}\n    ours: …{b[lo : i + context]!r}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="first N articles (default: all)")
    ap.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    ap.add_argument("--raw", action="store_true", help="the text as written, not the normal form")
    ap.add_argument("--show", type=int, default=10, help="differences to print")
    args = ap.parse_args()
    print_machine()

    _init()
    total = {"n": 0, "chars": 0, "pyvi": 0.0, "ours": 0.0}
    diffs: list[dict] = []
    started = time.perf_counter()
    batches = chunks(read_articles(CORPUS, args.limit), CHUNK)
    if args.workers > 1:
        pool = ProcessPoolExecutor(args.workers, initializer=_init)
        results = pool.map(compare, batches, [args.raw] * 10**9, chunksize=1)
    else:
        pool = None
        results = (compare(b, args.raw) for b in batches)
    last = started
    for res in results:
        for k in total:
            total[k] += res[k]
        diffs.extend(res["diffs"])
        if time.perf_counter() - last > 30:
            last = time.perf_counter()
            print(
                f"  {total['n']:,} articles, {len(diffs)} differ, {last - started:.0f} s",
                flush=True,
            )
    if pool is not None:
        pool.shutdown()

    n = total["n"]
    print(
        f"articles: {n:,} ({total['chars'] / 1e6:,.1f} M characters, {'raw' if args.raw else 'normalized'} text)"
    )
    print(f"articles whose segmentation differs from pyvi: {len(diffs)}")
    for d in diffs[: args.show]:
        part = 0 if d["pyvi"][0] != d["ours"][0] else 1
        print(f"  {d['id']} ({'title' if part == 0 else 'body'}):")
        print(first_difference(d["pyvi"][part], d["ours"][part]))
    rate_pyvi, rate_ours = n / total["pyvi"], n / total["ours"]
    print(f"pyvi:      {rate_pyvi:8.1f} articles/s/core ({total['pyvi']:.1f} CPU s)")
    print(f"segmenter: {rate_ours:8.1f} articles/s/core ({total['ours']:.1f} CPU s)")
    print(f"ratio:     {rate_ours / rate_pyvi:8.1f}x")
    print(f"wall time {time.perf_counter() - started:.0f} s with {args.workers} worker(s)")


if __name__ == "__main__":
    main()
