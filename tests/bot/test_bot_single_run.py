"""A second `newsbot run` that would split the work is refused: same data folder, same polled token."""

from __future__ import annotations

import pytest
from botapi import ThreadedBotApiServer
from e2e_kit import FAST, launch, ready, stop

pytestmark = pytest.mark.slow


def second_is_refused(api, first_dir, second_dir, log, settings) -> str:
    """Start a bot, then another; the other's output once it exits non-zero."""
    first = launch(api, first_dir, log, settings)
    try:
        ready(api)
        other_log = log.with_name("second.log")
        second = launch(api, second_dir, other_log, settings)
        try:
            assert second.wait(30) != 0
        finally:
            if second.poll() is None:
                stop(second)
        assert first.poll() is None  # the first one serves on
        return other_log.read_text()
    finally:
        assert stop(first) == 0


def test_two_runs_on_one_data_folder_are_refused(tmp_path):
    with ThreadedBotApiServer() as api:
        out = second_is_refused(api, tmp_path, tmp_path, tmp_path / "bot.log", FAST)
    assert "Another `newsbot run` (pid " in out and str(tmp_path) in out
    assert api.token not in out


def test_two_pollers_of_one_token_on_postgresql_are_refused(tmp_path, postgres_url):
    settings = {**FAST, "NEWSBOT_DATABASE_URL": postgres_url}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()  # another folder: only the shared database sees them both
    with ThreadedBotApiServer() as api:
        out = second_is_refused(api, tmp_path / "a", tmp_path / "b", tmp_path / "bot.log", settings)
    assert "already polling this bot's updates" in out and "WEBHOOK_URL" in out
    assert api.token not in out


def test_a_run_after_the_first_ended_starts(tmp_path):
    with ThreadedBotApiServer() as api:
        first = launch(api, tmp_path, tmp_path / "bot.log", FAST)
        ready(api)
        first.kill()  # kill -9: the kernel drops its lock
        first.wait()
        again = launch(api, tmp_path, tmp_path / "bot.log", FAST)
        try:
            ready(api, starts=2)
        finally:
            assert stop(again) == 0
