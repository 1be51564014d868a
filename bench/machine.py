"""The machine a benchmark ran on, and the minimum and median of a benchmark's fresh runs.

    .venv/bin/python bench/machine.py                                  # this machine
    .venv/bin/python bench/machine.py --runs 3 bench/engine.py --million   # 3 fresh runs

Every bench calls print_machine() first: CPU, cores, numpy and its BLAS with the threads it
uses, the BLAS/OpenMP environment variables, the commit, and the load average now and again
when the bench ends. Timings shift with all of these (issue 25: the same bench ran 1.2-2x
slower on a machine of the same kind, and rank-bm25 twice as fast), so a table without them
cannot be checked.

With --runs N the bench runs N times, each in a fresh process one after the other, and its
output is printed once: a number that differs between runs shows as its median and its
minimum, "13.9 (min 12.8)" (the median of an even count is the lower middle run's).
"""

from __future__ import annotations

import atexit
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# environment variables that change how numpy's BLAS and OpenMP run
THREAD_VARS = ("OPENBLAS_", "OMP_", "MKL_", "BLIS_", "GOTO", "NUMEXPR_", "VECLIB_", "KMP_")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def cpu_model() -> str:
    """The CPU's model name as the kernel reports it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def blas() -> str:
    """numpy's BLAS as built and as running: library, version, core type, threads."""
    import numpy as np

    built = "unknown"
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        built = f"{deps.get('name', '?')} {deps.get('version', '')}".strip()
    except Exception:  # older numpy: no dict form
        pass
    running = []
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            running.append(
                f"{pool.get('internal_api')} {pool.get('version')} "
                f"{pool.get('architecture', '')} threads={pool.get('num_threads')}"
            )
    except ImportError:
        running.append("threads unknown (threadpoolctl not installed)")
    return f"{built}; running: {', '.join(running) or 'none loaded'}"


def simd() -> str:
    """The SIMD extensions numpy found on this CPU (of those that matter for its loops)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as found
    except ImportError:
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as found
        except ImportError:
            return "unknown"
    wanted = ("SSE42", "AVX", "AVX2", "FMA3", "AVX512F", "AVX512_SKX", "ASIMD", "SVE")
    return " ".join(name for name in wanted if found.get(name)) or "none"


def commit() -> str:
    """The commit of this tree, with '+changes' when the tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        return head + (" +changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def reference_work(repeats: int = 5) -> str:
    """The host's speed now: the best of `repeats` timings of two fixed pieces of work.

    This host's speed moved 2x by the hour with nothing else running (the same 1M ranking
    took 12.5 ms at 19:30 and 25.0 ms at 00:42, with under 1% stolen time): a figure is
    comparable with another only beside these. "numpy" is the engine's kind of work (a
    scatter-add of 700,000 postings into 1,000,000 scores, then a top 10), "python" the
    analysis' kind (dictionary lookups and string methods over 100,000 words)."""
    import numpy as np

    rng = np.random.default_rng(25)
    docs = rng.integers(0, 1_000_000, 700_000)
    adds = rng.random(700_000, dtype=np.float32)
    words = [f"từ{i % 5000}" for i in range(100_000)]
    table = {w: i for i, w in enumerate(set(words))}

    def numpy_work() -> None:
        scores = np.zeros(1_000_000, np.float32)
        np.add.at(scores, docs, adds)
        np.argpartition(scores, -10)[-10:]

    def python_work() -> None:
        total = 0
        for w in words:
            total += table[w.lower()] + len(w.upper())

    best = []
    for work in (numpy_work, python_work):
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            work()
            times.append(time.perf_counter() - t)
        best.append(min(times) * 1000)
    return f"reference work: numpy {best[0]:.1f} ms, python {best[1]:.1f} ms (best of {repeats})"


def describe() -> list[str]:
    """Lines that say what this process runs on."""
    import numpy as np

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    env = [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith(THREAD_VARS)]
    return [
        f"machine: {cpu_model()}, {os.cpu_count()} cores ({usable} usable), "
        f"{platform.system()} {platform.release()}",
        f"python {platform.python_version()}, numpy {np.__version__} (SIMD {simd()})",
        f"BLAS: {blas()}",
        f"thread variables: {' '.join(env) or 'none set'}",
        f"commit {commit()}; {time.strftime('%Y-%m-%d %H:%M %Z')}; load average {load()}",
        f"host speed at the start: {reference_work()}",
    ]


def print_machine() -> None:
    """Print the machine and load now, and the load again when the process ends."""
    print("\n".join(describe()), flush=True)
    start = time.perf_counter()
    atexit.register(
        lambda: print(
            f"load average at the end {load()} ({time.perf_counter() - start:,.0f} s later)\n"
            f"host speed at the end: {reference_work()}",
            flush=True,
        )
    )


def merge(outputs: list[str]) -> list[str]:
    """One output from several runs: numbers that differ become 'median (min x)'.

    Lines are matched by position and by their text without the numbers; a line that
    differs in words between runs is printed once per run.
    """
    runs = [out.splitlines() for out in outputs]
    lines = []
    for i in range(max(len(r) for r in runs)):
        these = [r[i] if i < len(r) else "" for r in runs]
        shapes = {NUMBER.sub("#", line) for line in these}
        if len(shapes) > 1:
            lines.extend(f"[run {n + 1}] {line}" for n, line in enumerate(these))
            continue
        numbers = [NUMBER.findall(line) for line in these]
        pieces = NUMBER.split(these[0])
        out = [pieces[0]]
        for j, piece in enumerate(pieces[1:]):
            texts = [nums[j] for nums in numbers]
            if len(set(texts)) == 1:
                out.append(texts[0])
            else:
                values = sorted(texts, key=lambda s: float(s.replace(",", "")))
                median = statistics.median_low(range(len(values)))
                out.append(f"{values[median]} (min {values[0]})")
            out.append(piece)
        lines.append("".join(out))
    return lines


def repeat(command: list[str], runs: int) -> int:
    """Run a bench `runs` times, each in a fresh process, and print the merged output."""
    print("\n".join(describe()), flush=True)
    outputs = []
    for n in range(runs):
        t = time.perf_counter()
        done = subprocess.run([sys.executable, *command], capture_output=True, text=True)
        if done.returncode:
            sys.stderr.write(done.stdout + done.stderr)
            return done.returncode
        outputs.append(done.stdout)
        print(
            f"run {n + 1}/{runs}: {time.perf_counter() - t:,.0f} s, load average {load()}",
            flush=True,
        )
    print(f"\n== {' '.join(command)}: {runs} fresh runs, median (min) where they differ")
    print("\n".join(merge(outputs)))
    print(f"load average at the end {load()}")
    return 0


def main() -> int:
    import argparse

    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, default=0, help="run the bench this many times")
    p.add_argument("command", nargs=argparse.REMAINDER, help="a bench script and its arguments")
    args = p.parse_args()
    if args.runs and args.command:
        return repeat(args.command, args.runs)
    print("\n".join(describe()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
