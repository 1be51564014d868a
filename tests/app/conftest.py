"""The command line's tests use the bot's test kits (sample articles, the fake Bot API)."""

import os
import sys
from pathlib import Path

import pytest

from app import settings as settings_module

# --import-mode=importlib puts no test folder on sys.path
sys.path.append(str(Path(__file__).parent.parent / "bot"))


@pytest.fixture
def no_project_env(monkeypatch, tmp_path):
    """load_settings with a project folder of the test's own (no developer's .env)."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setattr(settings_module, "PROJECT_DIR", project)
    for name in list(os.environ):
        if name.startswith(("NEWSBOT_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return project
