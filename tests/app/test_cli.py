"""The `newsbot` command: where the data lives, --version, help, pipes, the empty index."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bot_testkit import sample_articles

from app import cli
from app.settings import load_settings
from index.search import SearchIndex

ROOT = Path(__file__).resolve().parents[2]


def newsbot(*args: str, cwd: Path, env: dict[str, str] | None = None, **kw):
    """`python -m app.cli` with only the given settings (HOME and XDG pointed at cwd)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSBOT_", "TELEGRAM_", "WEBHOOK_", "XDG_"))
    }
    full = {**base, "HOME": str(cwd), "XDG_DATA_HOME": str(cwd / "xdg"), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env={**full, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        **kw,
    )


def test_the_data_folder_is_the_setting_then_the_flag_then_the_user_folder(
    no_project_env, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert load_settings().data_dir == tmp_path / "xdg" / "newsbot"
    assert load_settings("elsewhere").data_dir == tmp_path / "elsewhere"
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "env"))
    assert load_settings("elsewhere").data_dir == tmp_path / "env"


def test_dotenv_files_in_the_project_and_the_data_folder(no_project_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (no_project_env / ".env").write_text(
        "NEWSBOT_DATA_DIR=var/data\nNEWSBOT_ADMINS=1, 2\nNEWSBOT_LOG_LEVEL=debug\n"
    )
    data = no_project_env / "var" / "data"  # relative to the project, not the current folder
    data.mkdir(parents=True)
    (data / ".env").write_text("NEWSBOT_ADMINS=3\nNEWSBOT_PROXY=socks5://127.0.0.1:1080\n")
    settings = load_settings()
    assert settings.data_dir == data
    assert settings.admins == frozenset({3})  # the data folder's .env wins
    assert settings.log_level == "DEBUG" and settings.proxy == "socks5://127.0.0.1:1080"
    monkeypatch.setenv("NEWSBOT_ADMINS", "7")
    assert load_settings().admins == frozenset({7})  # the environment wins over both


def test_bad_settings_are_refused_by_name(no_project_env, monkeypatch):
    monkeypatch.setenv("NEWSBOT_PROXY", "ftp://proxy")
    with pytest.raises(ValueError, match="NEWSBOT_PROXY"):
        load_settings()
    monkeypatch.setenv("NEWSBOT_PROXY", "")
    monkeypatch.setenv("NEWSBOT_ALLOWED_CHATS", "12, abc")
    with pytest.raises(ValueError, match="NEWSBOT_ALLOWED_CHATS"):
        load_settings()


def test_stats_from_another_folder_names_the_data_folder(tmp_path):
    data = tmp_path / "data"
    index = SearchIndex.open(data)
    index.add(sample_articles()[:3])
    index.close()
    cwd = tmp_path / "somewhere"
    cwd.mkdir()
    done = newsbot("stats", "--data-dir", str(data), cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"data:       {data}\nstate:      SQLite {data / 'bot.db'} (created when the bot first"
        " runs)\narticles:   3\n"
    )
    empty = newsbot("stats", cwd=cwd)  # nothing set: the user data folder, not the cwd
    assert empty.stdout.startswith(f"data:       {cwd / 'xdg' / 'newsbot'}\n")
    assert "is empty. Fill it with" in empty.stdout
    assert sorted(p.name for p in cwd.iterdir()) == ["xdg"]


def test_search_on_an_empty_index_says_where_it_looked(tmp_path):
    done = newsbot("search", "giá vàng", cwd=tmp_path, env={"NEWSBOT_DATA_DIR": "data"})
    assert done.returncode == 1 and done.stdout == ""
    assert f"The index in {tmp_path / 'data'} is empty" in done.stderr
    assert "newsbot index" in done.stderr and "newsbot feeds add" in done.stderr


def test_a_closed_pipe_ends_quietly(tmp_path):
    index = SearchIndex.open(tmp_path)
    index.add(sample_articles())
    index.close()
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    # one JSON line per query line, flushed each: far more than a pipe holds
    questions = tmp_path / "questions.txt"
    questions.write_text("công viên cây xanh\n" * 2000)
    for command in ("stats", f"search - -k 20 < {questions}"):
        done = subprocess.run(
            f"{sys.executable} -m app.cli {command} | head -c 10",
            shell=True,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert len(done.stdout) == 10 and done.stderr == "", done.stderr


def test_version_and_help_on_every_argument(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("newsbot 0.")
    parser = cli._parser()
    actions = [parser, *_subparsers(parser)]
    for p in actions:
        for action in p._actions:
            if action.dest in ("help", "command", "feeds_command"):
                continue
            assert action.help, f"{p.prog} {action.dest} has no help"
    for p in actions[1:]:  # every command names the settings it reads
        assert "NEWSBOT_" in p.description, p.prog
    run_help = next(p for p in actions if p.prog.endswith(" run")).description
    for name in ("TELEGRAM_BOT_TOKEN", "NEWSBOT_PROXY", "NEWSBOT_ADMINS", "NEWSBOT_HTTP_PORT"):
        assert name in run_help
    assert "NEWSBOT_DATA_DIR" in next(a for a in parser._actions if a.dest == "data_dir").help


def _subparsers(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield sub
                yield from _subparsers(sub)


def test_feeds_poll_without_feeds_names_the_folder(tmp_path):
    done = newsbot("feeds", "poll", cwd=tmp_path, env={"NEWSBOT_DATA_DIR": str(tmp_path / "d")})
    assert done.returncode == 1
    assert f"No feeds in {tmp_path / 'd'}: add one with `newsbot feeds add URL`" in done.stderr
    listed = newsbot("feeds", "list", "--data-dir", str(tmp_path / "d"), cwd=tmp_path)
    assert listed.returncode == 0 and "No feeds in" in listed.stderr


def test_the_example_env_file_loads_as_it_is(no_project_env, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / ".env").write_text((ROOT / ".env.example").read_text())
    settings = load_settings(data)
    assert settings.data_dir == data and settings.token is None
    assert settings.proxy is None and settings.error_chat is None and settings.http_port is None
    assert settings.allowed_chats == frozenset() and settings.admins == frozenset()
    assert (settings.log_format, settings.log_level) == ("text", "INFO")


@pytest.mark.parametrize(
    "command", ["index x", "stats", "search q", "check", "chat", "migrate", "run", "feeds poll"]
)
def test_every_command_that_opens_the_store_names_its_settings(command, capsys):
    from app.cli import main

    with pytest.raises(SystemExit):
        main([*command.split()[: 2 if command.startswith("feeds") else 1], "-h"])
    text = " ".join(capsys.readouterr().out.split())
    assert "NEWSBOT_DATA_DIR, NEWSBOT_DATABASE_URL" in text, text
    if command not in ("check",):
        assert "NEWSBOT_OPENSEARCH_URL (and its _INDEX, _USER, _PASSWORD, _CA" in text, text
