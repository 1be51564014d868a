"""What the semantic stage adds to a search at scale: the question's embedding, the nearest
leads among N articles (exact search over int8 vectors), and the fusion's passage cosines.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/semantic_speed.py --articles 150000

The vectors are random unit vectors in the product's files (index/vectors.py: one lead and
--windows windows an article), written to a temporary folder: the cost of the search does
not depend on what the vectors say. The questions are real ones (../shared/questions), each
embedded once uncached and once from the cache. Add the lexical search()'s own median
(docs/benchmarks.md, bench/engine.py) for the whole.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embed.encoder import E5Encoder  # noqa: E402
from index.embedding import DIM  # noqa: E402
from index.semantic import SemanticStage  # noqa: E402
from index.vectors import LEAD, VectorFiles  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "questions" / "questions.jsonl.gz"


def ms(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1e3:.1f} ms, p90 {np.percentile(xs, 90) * 1e3:.1f} ms"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--articles", type=int, default=150_000)
    p.add_argument("--windows", type=int, default=6, help="windows an article")
    p.add_argument("--questions", type=int, default=60)
    p.add_argument("--candidates", type=int, default=40)
    args = p.parse_args(argv)
    shown = sys.argv[1:] if argv is None else argv
    print(f"command: {shlex.join(['.venv/bin/python', 'bench/semantic_speed.py', *shown])}")
    print(
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared)"
    )
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        files = VectorFiles(Path(tmp) / "vectors")
        per = 1 + args.windows
        step = 20_000
        for lo in range(0, args.articles, step):
            docnos = np.arange(lo + 1, min(lo + step, args.articles) + 1)
            rows = np.stack([np.repeat(docnos, per), np.tile(np.arange(per), len(docnos))], 1)
            v = rng.standard_normal((len(rows), DIM)).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            files.append(rows, v, [(int(d), LEAD) for d in docnos])
        files.compact()
        encoder = E5Encoder(threads=int(os.environ.get("OMP_NUM_THREADS", "1")))
        stage = SemanticStage(encoder, files.dir)
        v = stage.vectors
        print(
            f"{args.articles:,} articles, {len(v):,} vectors: {v.codes.nbytes / 1e6:,.0f} MB "
            f"int8 (memory-mapped), {len(v.leads):,} leads searched"
        )
        with gzip.open(QUESTIONS, "rt", encoding="utf-8") as f:
            texts = [
                json.loads(line)["question"]
                for _, line in zip(range(args.questions), f, strict=False)
            ]
        alive = np.ones(args.articles + 1, bool)
        first, again, near, fuse_t = [], [], [], []
        for t in texts:
            s = time.perf_counter()
            q = stage.question(t)
            first.append(time.perf_counter() - s)
            s = time.perf_counter()
            stage.question(t)
            again.append(time.perf_counter() - s)
            s = time.perf_counter()
            stage.nearest(q, 10, alive)
            near.append(time.perf_counter() - s)
            cands = rng.choice(args.articles, args.candidates, replace=False) + 1
            s = time.perf_counter()
            v.best(cands, q)
            fuse_t.append(time.perf_counter() - s)
        print(f"question embedding, first time: {ms(first)}")
        print(f"question embedding, cached:     {ms(again)}")
        print(f"nearest 10 leads of {len(v.leads):,}: {ms(near)}")
        print(f"best passage cosine of {args.candidates} candidates: {ms(fuse_t)}")
        total = [a + b + c for a, b, c in zip(first, near, fuse_t, strict=True)]
        print(f"semantic stage in all (uncached question): {ms(total)}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
