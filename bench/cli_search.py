"""`newsbot search -` end to end against rank-bm25, on the same 20,000 articles (issue 25).

    .venv/bin/python bench/cli_search.py                  # data/bench/n20000 (built once)
    .venv/bin/python bench/cli_search.py --data /tmp/rep  # an index already built: DIR/n20000

newsbot: one `newsbot search -` process reads the questions a line each on its stdin and
answers each with a JSON line (pyvi on the question, both stages, 10 excerpts, the JSON);
a question's time runs from writing it to reading its answer, after one warm-up question
(the process's start is shown apart). rank-bm25: BM25Okapi over the same articles' pyvi
words, and per question what it needs to answer one: pyvi on the question, get_scores, the
10 best, their articles read from the same store (no excerpts: it has none). The two are
timed turn about on the same seeded questions (bench/engine.py's), so load that comes and
goes hits both alike. Printed: wall-clock median and p90 per question, CPU time per question
(the child's from /proc, rank-bm25's from this process), and their ratios. The semantic stage
is off unless --semantic (rank-bm25 has no counterpart); the bench runs --runs times (3) in
fresh processes and prints the machine (bench/machine.py).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import build_150k, make_queries  # noqa: E402
from bench.machine import print_machine, repeat  # noqa: E402
from index.sql_store import unpack_terms  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e3:7.2f} ms (p90 {np.percentile(values, 90) * 1e3:.2f})"


def newsbot_command() -> list[str]:
    """The installed `newsbot` beside this interpreter, else the module it runs."""
    script = Path(sys.executable).parent / "newsbot"
    return (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from app.cli import main; main()"]
    )


def run(args) -> None:
    """The comparison at args.articles (bench/engine.py runs it too, at 20,000)."""
    data = args.data / f"n{args.articles}"
    idx = build_150k(data, args.articles)  # (any size: index once, reuse after)
    queries = [text for text, _ in make_queries(idx, args.queries, args.seed)]
    rows = idx.store.database.rows(
        "SELECT docno, terms FROM articles WHERE deleted_seq IS NULL ORDER BY docno"
    )
    docnos = np.array([r[0] for r in rows])
    semantic = "on" if args.semantic else "off"
    print(
        f"\n== {len(rows):,} articles ({data}), {len(queries)} questions of 2-6 words "
        f"(seed {args.seed}), semantic stage {semantic}"
    )
    from rank_bm25 import BM25Okapi

    ref = BM25Okapi([sum(unpack_terms(blob), []) for _, blob in rows])
    del rows
    gc.collect()

    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data), "NEWSBOT_SEMANTIC": semantic}
    env.pop("NEWSBOT_DATABASE_URL", None)
    env.pop("NEWSBOT_OPENSEARCH_URL", None)
    started = time.perf_counter()
    child = subprocess.Popen(
        [*newsbot_command(), "search", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
        encoding="utf-8",
        bufsize=1,
    )

    def ask(text: str) -> dict:
        child.stdin.write(text + "\n")
        child.stdin.flush()
        line = child.stdout.readline()
        if not line:
            raise SystemExit(f"newsbot search - ended (exit {child.wait()})")
        return json.loads(line)

    ask(queries[0])  # opening the index, loading pyvi: once per process, shown apart
    first = time.perf_counter() - started
    ours, theirs, ours_cpu, theirs_cpu, answered = [], [], 0.0, 0.0, 0
    for text in queries:
        cpu = cpu_seconds(child.pid)
        t = time.perf_counter()
        answer = ask(text)
        ours.append(time.perf_counter() - t)
        ours_cpu += cpu_seconds(child.pid) - cpu
        answered += bool(answer.get("hits")) and "error" not in answer
        t, cpu = time.perf_counter(), time.process_time()
        tokens = idx.analyzer.terms(text)
        scores = ref.get_scores(tokens)
        top = np.argsort(scores)[::-1][:10]
        articles = idx.store.articles(int(docnos[i]) for i in top)
        theirs.append(time.perf_counter() - t)
        theirs_cpu += time.process_time() - cpu
        assert len(articles) == len(top)
    child.stdin.close()
    child.wait()
    n = len(queries)
    print(f"newsbot search - start to first answer: {first:.2f} s")
    print(f"newsbot search - per question:  {ms(ours)}, CPU {ours_cpu / n * 1e3:.2f} ms")
    print(f"rank-bm25 per question:         {ms(theirs)}, CPU {theirs_cpu / n * 1e3:.2f} ms")
    print(f"  newsbot answered {answered}/{n} questions with hits")
    wall = statistics.median(theirs) / statistics.median(ours)
    print(f"  newsbot is {wall:.1f}x faster (medians), {theirs_cpu / ours_cpu:.1f}x (CPU time)")
    del ref
    idx.close()
    gc.collect()


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--articles", type=int, default=20_000)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--semantic", action="store_true", help="with the semantic stage on")
    p.add_argument(
        "--data", type=Path, default=ROOT / "data" / "bench", help="the folder of the indexes"
    )
    p.add_argument(
        "--runs", type=int, default=3, help="fresh processes to run it in (1: this one only)"
    )
    args = p.parse_args()
    if args.runs > 1:
        raise SystemExit(repeat([__file__, *sys.argv[1:], "--runs", "1"], args.runs))
    print_machine()
    run(args)


if __name__ == "__main__":
    main()
