"""The semantic stage's cost: search() at 150k with it on beside lexical only, 1M resident.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/semantic_speed.py --data data/bench
    ... bench/semantic_speed.py --data data/bench --million       # also 1M resident
    ... bench/semantic_speed.py --million --skip-150k --new-chunks 3  # beside a worker's chunks
    ... bench/semantic_speed.py --agreement                       # sign bits vs exact scan

--data is bench/engine.py's folder: its n150000 index (and m1000000 segment). The VECTORS
ARE SYNTHETIC: random unit vectors quantised as index/vectors.py does, one lead and --windows
windows an article (11: the bench questions' articles average that), in the product's files
under --work: an archive that size cannot be embedded on this machine, and the cost of the
search does not depend on what the vectors say. The questions are real (../shared/questions)
and embedded by the real model, each time afresh (the question cache is emptied before each
search). search() runs four ways in turn for each question: lexical only; the semantic stage
as first built (the question embedded before the search, every lead's int8 cosine); with the
sign bits' first pass (index/lead_bits.py); and with the question embedded while the lexical
stage ranks (the default). Then the default's CPU by thread (time.thread_time: what a shared
machine moves less than time): the search's thread before and after it waits for the
question's vector, and the question's thread; on two free cores a search takes about
max(before, embedding) + after. --agreement checks the sign bits on REAL vectors: the bench
vector cache's passages (bench/vector_cache.py) and real questions, nearest 10 by the bits'
shortlist (a 25th of the leads, as at 150k) against the exact int8 scan.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import rss_mb, rss_parts  # noqa: E402
from bench.machine import print_machine  # noqa: E402
from embed.encoder import E5Encoder  # noqa: E402
from index.embedding import DIM  # noqa: E402
from index.lead_bits import SHORTLIST_SHARE, LeadBits  # noqa: E402
from index.search import SearchIndex  # noqa: E402
from index.semantic import SemanticStage  # noqa: E402
from index.vectors import LEAD, WINDOWS, VectorFiles, Vectors, quantise  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "questions" / "questions.jsonl.gz"


def ms(xs: list[float]) -> str:
    return f"p50 {statistics.median(xs) * 1e3:6.1f} ms, p90 {np.percentile(xs, 90) * 1e3:6.1f} ms"


def questions(n: int, every: int = 7) -> list[str]:
    """n real questions as written, every 7th of the file (many articles, not one's five)."""
    out = []
    with gzip.open(QUESTIONS, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i % every == 0:
                out.append(json.loads(line)["question"])
            if len(out) >= n:
                break
    return out


def synthetic(folder: Path, docnos: np.ndarray, windows: int) -> VectorFiles:
    """SYNTHETIC vectors for these docnos, one compacted chunk (reused when already there)."""
    files = VectorFiles(folder)
    if files.chunks():
        return files
    print(f"writing synthetic vectors for {len(docnos):,} articles into {folder} ...", flush=True)
    rng = np.random.default_rng(0)
    per, step, t = 1 + windows, 20_000, time.perf_counter()
    for lo in range(0, len(docnos), step):
        d = docnos[lo : lo + step]
        rows = np.stack([np.repeat(d, per), np.tile(np.arange(per), len(d))], 1)
        v = rng.standard_normal((len(rows), DIM), np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        files.append(rows, v, [(int(x), tier) for x in d for tier in (LEAD, WINDOWS)])
    files.compact()  # what `newsbot embed` leaves once the segment is compacted
    print(f"  {time.perf_counter() - t:,.0f} s", flush=True)
    return files


def bench_150k(args, encoder: E5Encoder) -> None:
    idx = SearchIndex.open(args.data / "n150000", encoder=encoder)
    alive = idx.segments.live().alive
    files = synthetic(args.work / f"n150000-w{args.windows}", np.flatnonzero(alive), args.windows)
    stage = SemanticStage(encoder, files.dir)  # bench: the synthetic vectors, not the data's
    idx.semantic = stage
    v = stage.vectors
    print(
        f"\n== search() at {int(alive.sum()):,} articles, {len(v):,} SYNTHETIC vectors "
        f"({v.n_leads:,} leads, {v.codes.nbytes / 1e6:,.0f} MB int8 memory-mapped; sign bits "
        f"{stage._bits.bits.nbytes / 1e6:,.1f} MB); RSS {rss_mb():,.0f} MB"
    )
    texts = questions(args.questions)
    on, off = idx.ranking, dataclasses.replace(idx.ranking, semantic=0.0)
    bits, prefetch, threads = stage._bits, stage.prefetch, encoder.query_threads
    variants = tuple(args.variants.split(","))

    def run(text: str, variant: str) -> tuple[float, list[str]]:
        stage._questions.clear()  # every question embedded afresh
        idx.ranking = off if variant == "lexical" else on
        stage._bits = None if variant == "scan" else bits
        serial = variant in ("scan", "bits", "first2")
        stage.prefetch = (lambda *a: None) if serial else prefetch  # type: ignore[method-assign]
        encoder.query_threads = 2 if variant.endswith("2") else 1
        t = time.perf_counter()
        if variant == "first2":
            stage.question(text)  # on two threads, before the search (cached for it)
        found = idx.search(text)
        return time.perf_counter() - t, [h.article.id for h in found.hits]

    times: dict[str, list[float]] = {k: [] for k in variants}
    same = 0
    for i, text in enumerate(texts):
        tops = {}
        j = i % len(variants)
        for k in variants[j:] + variants[:j]:  # each goes first in turn
            took, tops[k] = run(text, k)
            times[k].append(took)
        same += len({tuple(v) for k, v in tops.items() if k != "lexical"}) <= 1
    stage._bits, stage.prefetch = bits, prefetch  # type: ignore[method-assign]
    encoder.query_threads, idx.ranking = threads, on
    names = {
        "lexical": "lexical only (semantic=0)",
        "scan": "semantic, question first, int8 scan of every lead",
        "bits": "semantic, question first, sign bits then int8",
        "overlap": "semantic, question beside lexical on 1 thread",
        "overlap2": "semantic, question beside lexical on 2 threads",
        "first2": "semantic, question first on 2 threads",
    }
    for k in variants:
        print(f"  {names[k]:<56} {ms(times[k])}")
    if "lexical" in times:
        base = statistics.median(times["lexical"])
        for k in variants:
            if k != "lexical":
                print(f"  {k}: {statistics.median(times[k]) / base:.2f}x lexical (p50 ratio)")
    print(f"  same top 10 (synthetic vectors), every semantic variant: {same}/{len(texts)}")
    parts(stage, texts[:30], alive)
    critical_path(idx, stage, texts[:40])
    print(f"RSS after: {rss_mb():,.0f} MB ({rss_parts()})")
    idx.close()


def parts(stage: SemanticStage, texts: list[str], alive: np.ndarray) -> None:
    """The stage's pieces alone: embedding, nearest leads both ways."""
    emb, scan, bits = [], [], []
    for text in texts:
        stage._questions.clear()
        t = time.perf_counter()
        q = stage.question(text)
        emb.append(time.perf_counter() - t)
        saved = stage._bits
        for out, b in ((scan, None), (bits, saved)):
            stage._bits = b
            t = time.perf_counter()
            stage.nearest(q, 10, alive)
            out.append(time.perf_counter() - t)
        stage._bits = saved
    print(f"  question embedding alone:           {ms(emb)}")
    print(f"  nearest 10 leads, int8 scan:        {ms(scan)}")
    print(f"  nearest 10 leads, sign bits + int8: {ms(bits)}")


def critical_path(idx: SearchIndex, stage: SemanticStage, texts: list[str]) -> None:
    """The default search's CPU by thread, a measure a shared machine moves less than time:
    the search's thread before it waits for the question's vector and after, the question's
    thread; on two free cores the search takes about max(before, embedding) + after."""
    clock, question, embed = time.thread_time, stage.question, stage._embed
    at: dict[str, float] = {}

    def waited(text: str):
        at["wait"] = clock()
        try:
            return question(text)
        finally:
            at["back"] = clock()

    def embedded(*a):
        t = clock()
        try:
            return embed(*a)
        finally:
            at["embed"] = clock() - t

    stage.question, stage._embed = waited, embedded  # type: ignore[method-assign]
    before, emb, after, path = [], [], [], []
    for text in texts:
        stage._questions.clear()
        at.clear()
        t = clock()
        idx.search(text)
        end = clock()
        if "wait" not in at or "embed" not in at:
            continue  # no vector asked for (no lexical candidate)
        before.append(at["wait"] - t)
        after.append(end - at["back"])
        emb.append(at["embed"])
        path.append(max(before[-1], emb[-1]) + after[-1])
    stage.question, stage._embed = question, embed  # type: ignore[method-assign]
    med = {
        k: statistics.median(v) * 1e3
        for k, v in (("before", before), ("embed", emb), ("after", after), ("path", path))
    }
    print(
        f"  CPU by thread, p50 of {len(path)} (the default): search before the wait "
        f"{med['before']:.1f} ms, question's embedding {med['embed']:.1f}, search after the "
        f"wait {med['after']:.1f}; max(before, embedding) + after = {med['path']:.1f} ms"
    )


def bench_million(args, encoder: E5Encoder) -> None:
    idx = SearchIndex.open(args.data / "m1000000", encoder=encoder)
    alive = idx.segments.live().alive
    files = synthetic(args.work / f"m1000000-w{args.windows}", np.flatnonzero(alive), args.windows)
    if args.new_chunks:
        files = beside(files, args.new_chunks, np.flatnonzero(alive), args.windows)
    texts = questions(args.questions)
    took = []
    for text in texts:  # the engine alone first: its own resident memory
        t = time.perf_counter()
        idx.best(idx.plan(text), 40)
        took.append(time.perf_counter() - t)
    print(f"\n== {int(alive.sum()):,} documents (bench/engine.py's replicated 1M segment)")
    print(f"  lexical best() alone: {ms(took)}; RSS {rss_mb():,.0f} MB ({rss_parts()})")
    t = time.perf_counter()
    stage = SemanticStage(encoder, files.dir)
    loaded, v = time.perf_counter() - t, stage.vectors
    print(
        f"  {len(files.chunks())} chunk(s) loaded in {loaded:.1f} s (the sign bits included)\n"
        f"  {len(v):,} SYNTHETIC vectors loaded ({v.codes.nbytes / 1e9:,.1f} GB int8 "
        f"memory-mapped): RSS {rss_mb():,.0f} MB ({rss_parts()})"
    )
    took = []
    for text in texts:
        stage._questions.clear()
        t = time.perf_counter()
        q = stage.question(text)
        docnos, _, _ = idx.best(idx.plan(text), 40)
        near = stage.nearest(q, 10, alive)
        both = np.concatenate([docnos, near])
        stage.rescore(q, both, np.linspace(1, 0, len(both)), idx.ranking)
        took.append(time.perf_counter() - t)
    print(f"  lexical best() + question + nearest leads + passage cosines: {ms(took)}")
    print(f"  RSS after {len(took)} questions: {rss_mb():,.0f} MB ({rss_parts()})")
    idx.close()


def beside(files: VectorFiles, chunks: int, docnos: np.ndarray, windows: int) -> VectorFiles:
    """The compacted chunk (hard-linked) and `chunks` small chunks after it, as the bot's
    worker leaves them between compactions: 4 articles each, half of them new vectors for
    articles already embedded (SYNTHETIC; reused when already there)."""
    folder = files.dir.with_name(f"{files.dir.name}-plus{chunks}")
    plus = VectorFiles(folder)
    if plus.chunks():
        return plus
    folder.mkdir(parents=True, exist_ok=True)
    for f in files.dir.glob("*.npy"):
        os.link(f, folder / f.name)
    rng, per = np.random.default_rng(1), 1 + windows
    for _ in range(chunks):
        d = rng.choice(docnos, 4, replace=False)
        rows = np.stack([np.repeat(d, per), np.tile(np.arange(per), len(d))], 1)
        v = rng.standard_normal((len(rows), DIM), np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        plus.append(rows, v, [(int(x), tier) for x in d for tier in (LEAD, WINDOWS)])
    return plus


def agreement(args, encoder: E5Encoder) -> None:
    """Sign bits against the exact int8 scan on real e5 vectors and real questions."""
    chunks = sorted(
        (
            Path(os.environ.get("NEWSBOT_BENCH_VECTORS", "/tmp/newsbot-bench-vectors"))
            / "e5-small-q4"
        ).glob("vecs-*.npy")
    )
    real = np.concatenate([np.load(c) for c in chunks]).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    codes, scales = quantise(real)
    docnos = np.arange(len(real))
    v = Vectors(codes, scales, docnos, np.zeros_like(docnos), np.zeros((0, 2), np.int64), len(real))
    bits, ok = LeadBits(v), np.ones(len(real), bool)
    texts = questions(args.questions * 3, every=3)
    vectors = [encoder.query(text) for text in texts]
    exact = [np.argsort(-v.all_leads(q), kind="stable")[:10] for q in vectors]
    print(
        f"\n== sign bits vs exact int8 scan, REAL e5 vectors: {len(real):,} cached passages "
        f"(bench/vector_cache.py) as leads, {len(texts)} real questions"
    )
    for share in (SHORTLIST_SHARE // 2, SHORTLIST_SHARE, SHORTLIST_SHARE * 2, SHORTLIST_SHARE * 4):
        same, recall = 0, []
        for q, ref in zip(vectors, exact, strict=True):
            rows = bits.shortlist(q, ok, want=len(real) // share)
            got = rows[np.argsort(-v.dot(rows, q), kind="stable")[:10]]
            same += list(got) == list(ref)
            recall.append(len(set(got) & set(ref)) / 10)
        mark = " (the stage's)" if share == SHORTLIST_SHARE else ""
        print(
            f"  shortlist a {share}th{mark}: same nearest 10 in the same order "
            f"{same}/{len(texts)}, recall@10 {np.mean(recall):.3f}"
        )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--data", type=Path, default=ROOT / "data" / "bench")
    p.add_argument("--work", type=Path, default=Path("/tmp/newsbot-semantic-speed"))
    p.add_argument("--windows", type=int, default=11, help="windows an article")
    p.add_argument("--questions", type=int, default=100)
    p.add_argument(
        "--variants",
        default="lexical,overlap,overlap2,first2",
        help="of lexical, scan, bits, overlap, overlap2, first2 (2: the question on 2 threads)",
    )
    p.add_argument("--million", action="store_true", help="also 1M documents' resident memory")
    p.add_argument("--skip-150k", action="store_true")
    p.add_argument(
        "--new-chunks",
        type=int,
        default=0,
        help="--million: this many small chunks beside the compacted one (a worker's batches)",
    )
    p.add_argument("--agreement", action="store_true", help="only the sign bits on real vectors")
    args = p.parse_args(argv)
    print_machine()
    print(f"command: {' '.join(sys.argv)}")
    encoder = E5Encoder(threads=int(os.environ.get("OMP_NUM_THREADS", "1")))
    if args.agreement:
        return agreement(args, encoder)
    if not args.skip_150k:
        bench_150k(args, encoder)
    if args.million:
        bench_million(args, encoder)


if __name__ == "__main__":
    main()
