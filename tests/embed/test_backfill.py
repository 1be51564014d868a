"""`newsbot embed`'s backfill: a limit, a resume, nothing twice."""

import io

import numpy as np

from embed.backfill import backfill


def stored_rows(files):
    """Every (docno, part) row of every chunk on disk, duplicates kept (load() drops them)."""
    rows = [np.load(files.dir / f"{s:08d}.rows.npy") for s in files.chunks()]
    return [tuple(r) for r in np.concatenate(rows).tolist()] if rows else []


def test_backfill_resumes_where_it_stopped(small_index):
    encoder = small_index.semantic.encoder
    out = io.StringIO()
    assert backfill(small_index, encoder, articles=2, limit=3, out=out) == 3
    assert "5 without a lead vector" in out.getvalue()
    assert "2 leads and 5 articles' windows left" in out.getvalue()
    out = io.StringIO()
    assert backfill(small_index, encoder, articles=4, windows=False, out=out) == 2
    assert "0 leads" in out.getvalue()
    assert backfill(small_index, encoder, out=io.StringIO()) == 5  # the windows
    out = io.StringIO()
    assert backfill(small_index, encoder, out=out) == 0 and "nothing to embed" in out.getvalue()
    pairs = stored_rows(small_index.semantic.files)
    assert len(pairs) == len(set(pairs)) and len({d for d, _ in pairs}) == 5


def test_backfill_killed_mid_run_resumes_with_nothing_embedded_twice(small_index):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = (
        f"import sys; sys.path.insert(0, {str(root)!r})\n"
        "from embed.backfill import backfill\nfrom embed.encoder import load_encoder\n"
        "from index.search import SearchIndex\n"
        f"index = SearchIndex.open({str(small_index.data_dir)!r})\n"
        "backfill(index, load_encoder(True), articles=1)\n"
    )
    files = small_index.semantic.files
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(files.chunks()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    before = len(files.tiers())
    assert before >= 2
    backfill(small_index, small_index.semantic.encoder, out=io.StringIO())
    pairs = stored_rows(files)
    assert len(pairs) == len(set(pairs)) and files.load().n_leads == 5
    assert files.problem() is None and not list(files.dir.glob(".tmp*"))
