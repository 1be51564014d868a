"""The command line's tests use the bot's test kits (sample articles, the fake Bot API)."""

import sys
from pathlib import Path

import pytest

from index.search import SearchIndex

# --import-mode=importlib puts no test folder on sys.path
sys.path.append(str(Path(__file__).parent.parent / "bot"))


@pytest.fixture(scope="session")
def news_index(tmp_path_factory):
    """An index of the bot's test articles (`newsbot chat` talks over it), built once."""
    from bot_testkit import sample_articles

    index = SearchIndex.open(tmp_path_factory.mktemp("chat-news"))
    index.add(sample_articles())
    yield index
    index.close()
