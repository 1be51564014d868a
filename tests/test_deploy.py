"""The systemd units, verified after the README's set-up steps; the OpenSearch node as a service."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from image_kit import ROOT, build_image

DEPLOY = ROOT / "deploy"
UNITS = [
    "newsbot.service",
    "newsbot-feeds.service",
    "newsbot-feeds.timer",
    "newsbot-opensearch.service",
]


def _readme_setup(root: Path) -> None:
    """README, "Running as a service", done in a test root instead of /."""
    # the newsbot user
    etc = root / "etc"
    etc.mkdir(parents=True)
    (etc / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nnewsbot:x:999:999::/var/lib/newsbot:/usr/sbin/nologin\n"
    )
    (etc / "group").write_text("root:x:0:\nnewsbot:x:999:\n")
    # the checkout in /srv/newsbot
    checkout = root / "srv" / "newsbot"
    shutil.copytree(
        ROOT,
        checkout,
        ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "target", "*.egg-info"),
    )
    # its venv, with the project installed
    build_image(root / "tmp" / "build", venv=checkout / ".venv")
    # the units where systemd reads them
    units = etc / "systemd" / "system"
    units.mkdir(parents=True)
    for name in UNITS:
        shutil.copy2(checkout / "deploy" / name, units / name)
    # what the machine already has: systemd's own targets, and java for the OpenSearch node
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True,
                    ignore=lambda d, names: [n for n in names if not n.endswith(".target")])  # fmt: skip
    java = shutil.which("java")
    (root / "usr" / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copy2(os.path.realpath(java), root / "usr" / "bin" / "java")


@pytest.mark.slow
def test_systemd_units_verify_after_the_readme_setup(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None or shutil.which("java") is None:
        pytest.skip("systemd-analyze (or java) is not installed here")
    root = tmp_path / "root"
    _readme_setup(root)
    done = subprocess.run(
        [analyze, "verify", f"--root={root}", *(f"/etc/systemd/system/{n}" for n in UNITS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "Failed to connect to bus" in done.stderr:
        pytest.skip(f"systemd-analyze cannot run here: {done.stderr.strip()[:200]}")
    ours = [line for line in done.stderr.splitlines() if "newsbot" in line or str(root) in line]
    # systemd only warns about a bad line and exits 0: every word about our units is a failure
    assert done.returncode == 0 and ours == [], done.stderr
    # and what it checked is there: a broken ExecStart path is reported
    unit = root / "etc/systemd/system/newsbot.service"
    unit.write_text(unit.read_text().replace(".venv/bin/newsbot", ".venv/bin/nowhere"))
    broken = subprocess.run(
        [analyze, "verify", f"--root={root}", "/etc/systemd/system/newsbot.service"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "nowhere" in broken.stderr, broken.stderr


def test_the_timer_and_the_cron_line_run_feeds_poll():
    service = (DEPLOY / "newsbot-feeds.service").read_text()
    timer = (DEPLOY / "newsbot-feeds.timer").read_text()
    assert "ExecStart=/srv/newsbot/.venv/bin/newsbot feeds poll" in service
    assert "NEWSBOT_DATA_DIR=/var/lib/newsbot" in service
    assert "OnUnitActiveSec=5min" in timer and "newsbot feeds poll" in timer
    assert "NEWSBOT_DATA_DIR=/var/lib/newsbot" in (DEPLOY / "newsbot.service").read_text()


def test_the_opensearch_unit_starts_the_launcher_as_the_tests_do():
    from opensearch_node import MAIN

    unit = (DEPLOY / "newsbot-opensearch.service").read_text()
    assert MAIN in unit and "--watch-stdin" not in unit
    assert "SuccessExitStatus=143" in unit and "KillSignal=SIGTERM" in unit


@pytest.mark.slow
def test_the_opensearch_node_runs_as_a_service_and_stops_on_sigterm(tmp_path):
    """No stdin (as under systemd): it keeps serving; SIGTERM closes it with status 143."""
    if shutil.which("java") is None:
        pytest.skip("java is not installed here")
    from opensearch_node import OpenSearchNode

    node = OpenSearchNode(tmp_path / "os", name="service-1", watch_stdin=False)
    node.launch()
    try:
        node.wait()
        time.sleep(3)  # stdin is /dev/null from the start: still up after reading its end
        assert node.process.poll() is None, node.tail()
        node.wait()
        node.process.send_signal(signal.SIGTERM)
        code = node.process.wait(90)
    finally:
        node.kill()
    assert code == 143, node.tail()
    assert "Exception" not in node.tail(200), node.tail(200)


def test_the_readme_table_lists_every_setting():
    from app.settings import Settings

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Settings") :]
    table = table[: table.index("\n## ")]
    listed = set(re.findall(r"^\| `((?:NEWSBOT|TELEGRAM|WEBHOOK)_[A-Z_]+)` \|", table, re.M))
    known = {f.validation_alias for f in Settings.model_fields.values()}
    assert listed == known, (known - listed, listed - known)
