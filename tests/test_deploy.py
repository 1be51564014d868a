"""The deployment files: systemd units that systemd itself accepts."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = ["newsbot.service", "newsbot-feeds.service", "newsbot-feeds.timer"]


def test_systemd_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    newsbot = Path(sys.executable).parent / "newsbot"
    if not newsbot.exists():
        pytest.skip("the newsbot command is not installed next to this Python")
    for name in UNITS:
        # the units name /srv/newsbot; verify wants an executable, so this checkout stands in
        text = (DEPLOY / name).read_text().replace("/srv/newsbot/.venv", str(newsbot.parent.parent))
        (tmp_path / name).write_text(text.replace("/srv/newsbot", str(ROOT)))
    done = subprocess.run(
        [analyze, "verify", *(str(tmp_path / n) for n in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "Failed to connect to bus" in done.stderr:
        pytest.skip(f"systemd-analyze cannot run here: {done.stderr.strip()[:200]}")
    ours = [line for line in done.stderr.splitlines() if str(tmp_path) in line or "newsbot" in line]
    # systemd only warns about a bad line and exits 0: every word about our units is a failure
    assert done.returncode == 0 and ours == [], done.stderr


def test_the_timer_and_the_cron_line_run_feeds_poll():
    service = (DEPLOY / "newsbot-feeds.service").read_text()
    timer = (DEPLOY / "newsbot-feeds.timer").read_text()
    assert "ExecStart=/srv/newsbot/.venv/bin/newsbot feeds poll" in service
    assert "NEWSBOT_DATA_DIR=/var/lib/newsbot" in service
    assert "OnUnitActiveSec=5min" in timer and "newsbot feeds poll" in timer
    assert "NEWSBOT_DATA_DIR=/var/lib/newsbot" in (DEPLOY / "newsbot.service").read_text()


def test_the_compose_file_names_only_real_settings_and_commands():
    from app.settings import Settings

    text = (DEPLOY / "compose.yaml").read_text()
    named = set(re.findall(r"\b((?:NEWSBOT|TELEGRAM|WEBHOOK)_[A-Z_]+):", text))
    known = {f.validation_alias for f in Settings.model_fields.values()}
    assert named and named <= known, named - known
    commands = set(re.findall(r"newsbot (\w+)", text))
    help_text = subprocess.run(
        [sys.executable, "-m", "app.cli", "--help"], capture_output=True, text=True, cwd=ROOT
    ).stdout
    assert commands and all(c in help_text for c in commands), commands


def test_the_readme_table_lists_every_setting():
    from app.settings import Settings

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Settings") :]
    table = table[: table.index("\n## ")]
    listed = set(re.findall(r"^\| `((?:NEWSBOT|TELEGRAM|WEBHOOK)_[A-Z_]+)` \|", table, re.M))
    known = {f.validation_alias for f in Settings.model_fields.values()}
    assert listed == known, (known - listed, listed - known)
