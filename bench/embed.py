"""Embedding cost: questions and passages a second on this machine, and the projected backfill.

    OMP_NUM_THREADS=1 .venv/bin/python bench/embed.py          # one thread (the default)
    OMP_NUM_THREADS=2 .venv/bin/python bench/embed.py          # both cores
    .venv/bin/python bench/embed.py --sample 2000 --passages 64

Passages are the product's (index/embedding.py: each article's lead, then its windows) from
the first --sample articles of ../shared/corpus/news.jsonl.gz; --passages of each kind are
embedded (nothing cached), the rest only counted, and the backfill of 150,000 articles is
projected from the measured rate in characters a second. The thread count is read from
OMP_NUM_THREADS when the engine starts, so one run measures one setting.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embed.encoder import E5Encoder  # noqa: E402
from index.embedding import lead_text, passage_texts  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
QUESTIONS = [
    "bao nhiêu người chết vì bão",
    "Bệnh nhân được đưa tới bệnh viện nào?",
    "giá điện tháng này tăng bao nhiêu",
    "ai là huấn luyện viên đội tuyển Việt Nam",
    "vì sao giá vàng giảm mạnh",
]
ARCHIVE = 150_000


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--sample", type=int, default=1000, help="articles whose passages are counted")
    p.add_argument("--passages", type=int, default=48, help="leads and windows embedded, each")
    p.add_argument("--batch", type=int, default=16)
    args = p.parse_args(argv)
    shown = sys.argv[1:] if argv is None else argv
    threads = os.environ.get("OMP_NUM_THREADS", "1")
    os.environ["OMP_NUM_THREADS"] = threads
    print(
        f"command: OMP_NUM_THREADS={threads} {shlex.join(['.venv/bin/python', 'bench/embed.py', *shown])}"
    )
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    leads, windows = [], []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            if len(leads) >= args.sample:
                break
            r = json.loads(line)
            leads.append(lead_text(r["title"], r["body"])[0])
            windows.append(passage_texts(r["title"], r["body"])[1:])
    flat = [w for ws in windows for w in ws]
    encoder = E5Encoder(threads=int(threads))
    encoder.query("khởi động")
    took = []
    for q in QUESTIONS * 3:
        t = time.perf_counter()
        encoder.query(q + " ")  # a new string each time: nothing is cached below us
        took.append(time.perf_counter() - t)
    print(
        f"a question: median {statistics.median(took) * 1e3:.0f} ms, worst {max(took) * 1e3:.0f} ms"
    )
    rates = {}
    for name, texts in (("leads", leads), ("windows", flat)):
        texts = texts[: args.passages]
        t = time.perf_counter()
        for i in range(0, len(texts), args.batch):
            encoder.passages(texts[i : i + args.batch])
        secs = time.perf_counter() - t
        chars = sum(map(len, texts))
        tokens = sum(encoder.tokens(x) for x in texts)
        rates[name] = chars / secs
        print(
            f"{name}: {len(texts) / secs:.1f} passages/s, {tokens / secs:,.0f} tokens/s "
            f"({chars / len(texts):,.0f} characters, {tokens / len(texts):.0f} tokens each)"
        )
    n = len(leads)
    lead_chars = sum(map(len, leads)) / n
    window_chars = sum(map(len, flat)) / n
    lead_h = ARCHIVE * lead_chars / rates["leads"] / 3600
    window_h = ARCHIVE * window_chars / rates["windows"] / 3600
    print(
        f"per article ({n:,} sampled): a lead of {lead_chars:,.0f} characters, "
        f"{len(flat) / n:.1f} windows of {window_chars:,.0f} characters in all"
    )
    print(
        f"backfill of {ARCHIVE:,} articles at this rate: leads {lead_h:,.1f} h, "
        f"windows {window_h:,.1f} h more ({lead_h + window_h:,.1f} h in all); "
        f"vectors {ARCHIVE * (1 + len(flat) / n) * (384 + 4 + 16) / 1e6:,.0f} MB"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f} (the cores are shared: rates vary)")


if __name__ == "__main__":
    main()
