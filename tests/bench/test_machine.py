"""The bench header and the merge of fresh runs into median and minimum."""

import re

from bench.machine import describe, merge, reference_work, repeat


def test_describe_names_the_cpu_numpy_blas_and_load():
    text = "\n".join(describe())
    assert "cores" in text and "numpy" in text and "BLAS:" in text
    assert "load average" in text and "thread variables:" in text
    assert "host speed at the start: reference work: numpy" in text


def test_reference_work_times_both_kinds_of_work():
    found = re.fullmatch(
        r"reference work: numpy (\d+\.\d) ms, python (\d+\.\d) ms \(best of 2\)",
        reference_work(repeats=2),
    )
    assert found and float(found[1]) > 0 and float(found[2]) > 0


def test_merge_keeps_equal_numbers_and_shows_median_and_minimum_of_others():
    runs = [
        "p50 12.5 ms (p90 30.1)\nsame 300/300\n",
        "p50 10.0 ms (p90 33.0)\nsame 300/300\n",
        "p50 11.2 ms (p90 29.9)\nsame 300/300\n",
    ]
    assert merge(runs) == ["p50 11.2 (min 10.0) ms (p90 30.1 (min 29.9))", "same 300/300"]


def test_merge_reads_thousands_separators_and_prints_lines_that_differ_per_run():
    assert merge(["RSS 1,900 MB", "RSS 2,100 MB", "RSS 950 MB"]) == ["RSS 1,900 (min 950) MB"]
    assert merge(["built", "reused"]) == ["[run 1] built", "[run 2] reused"]


def test_repeat_runs_fresh_processes(tmp_path, capsys):
    counter = tmp_path / "n"
    script = tmp_path / "bench.py"
    script.write_text(
        "from pathlib import Path\n"
        f"p = Path({str(counter)!r})\n"
        "n = int(p.read_text()) if p.exists() else 0\n"
        "p.write_text(str(n + 1))\n"
        "print(f'took {10 - n} ms; fixed 7')\n"
    )
    assert repeat([str(script)], 3) == 0
    out = capsys.readouterr().out
    assert "took 9 (min 8) ms; fixed 7" in out
    assert counter.read_text() == "3"
    bad = tmp_path / "bad.py"
    bad.write_text("raise SystemExit(3)\n")
    assert repeat([str(bad)], 2) == 3
