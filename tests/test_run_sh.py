"""./run.sh: set up once; a restart with nothing changed runs no pip (no reinstall, no warning)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NATIVE = ROOT / "index" / "native"


def run_sh(data: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data),
        "NEWSBOT_DATA_DIR": str(data),
        "TELEGRAM_BOT_TOKEN": "",
    }
    return subprocess.run(
        ["bash", str(ROOT / "run.sh")],
        input="q\n",
        capture_output=True,
        text=True,
        cwd=data,
        env=env,
        timeout=900,
    )


def test_a_restart_with_nothing_changed_does_not_reinstall(tmp_path):
    first = run_sh(tmp_path)  # installs when the checkout is new or pyproject.toml changed
    assert first.returncode == 0, first.stderr
    stamp = ROOT / ".venv" / ".installed"
    assert stamp.exists() and "Python" in stamp.read_text()
    records = sorted((ROOT / ".venv").glob("lib/python*/site-packages/newsbot-*.dist-info/RECORD"))
    assert records  # the editable install's own record
    before = [r.stat().st_mtime_ns for r in records]
    again = run_sh(tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Xin chào" in again.stdout  # the chat ran
    assert "setuptools" not in again.stderr and "!!" not in again.stderr
    assert [r.stat().st_mtime_ns for r in records] == before  # no pip install ran


def test_the_stamp_covers_the_c_sources(tmp_path):
    # an update that changes index/native/*.c must rebuild, or the engine refuses to import
    assert run_sh(tmp_path).returncode == 0
    # the order of run.sh's glob: sorted
    files = [ROOT / "pyproject.toml", ROOT / "setup.py", *sorted(NATIVE.glob("*.c"))]
    assert len(files) > 3
    checksum = subprocess.run(
        f"cat {' '.join(map(str, files))} | cksum",
        shell=True,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert (ROOT / ".venv" / ".installed").read_text().strip().endswith(checksum)
