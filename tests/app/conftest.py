"""The command line's tests use the bot's test kits (sample articles, the fake Bot API)."""

import os
import sys
from pathlib import Path

import pytest

from app import settings as settings_module
from index.search import SearchIndex

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


@pytest.fixture(scope="session")
def news_index(tmp_path_factory):
    """An index of the bot's test articles (`newsbot chat` talks over it), built once."""
    from bot_testkit import sample_articles

    index = SearchIndex.open(tmp_path_factory.mktemp("chat-news"))
    index.add(sample_articles())
    yield index
    index.close()
