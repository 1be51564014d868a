"""Each command's -h names every setting the command reads (seen while it runs, not listed)."""

from __future__ import annotations

import argparse
import io
import json
import re

import pytest
from opensearch_node import fresh_index_name

from app import cli
from app.settings import Settings

ALIASES = {name: field.validation_alias for name, field in Settings.model_fields.items()}
EVERY_COMMAND = {"NEWSBOT_DATA_DIR", "NEWSBOT_LOG_LEVEL", "NEWSBOT_LOG_FORMAT"}  # `newsbot -h`
# each command as it runs here (the test's data folder, PostgreSQL and OpenSearch)
COMMANDS = [
    ["index", "{archive}"],
    ["stats"],
    ["purge"],
    ["search", "công viên"],
    ["check"],
    ["embed"],  # NEWSBOT_SEMANTIC=off in the tests: it says so and stops
    ["migrate", "--schema"],
    ["migrate"],
    ["feeds", "add", "http://127.0.0.1:9/feed.rss"],  # refused: a loopback address
    ["feeds", "import", "{opml}"],
    ["feeds", "list"],
    ["feeds", "export"],
    ["feeds", "remove", "1"],
    ["feeds", "poll"],
    ["chat"],
]


def _named(help_text: str) -> set[str]:
    """The settings a help text names: "X_URL (and its _A, _B)" names X_A and X_B too."""
    text = " ".join(help_text.split())
    names = set(re.findall(r"\b(?:NEWSBOT|TELEGRAM|WEBHOOK)_[A-Z_]*[A-Z]", text))
    pattern = r"\b([A-Z]+(?:_[A-Z]+)*?)_(?:URL|PORT) \(and (?:its )?([^)]*)\)"
    for prefix, tails in re.findall(pattern, text):
        names |= {prefix + tail.strip() for tail in tails.split(",")}
    return names


def _help(words: list[str], capsys) -> str:
    depth = 2 if words[0] == "feeds" else 1
    with pytest.raises(SystemExit):
        cli.main([*words[:depth], "-h"])
    return capsys.readouterr().out


@pytest.fixture
def reads(monkeypatch):
    """The settings read (by alias) since the fixture began."""
    seen: set[str] = set()
    plain = Settings.__getattribute__

    def recording(self, name):
        if name in ALIASES:
            seen.add(ALIASES[name])
        return plain(self, name)

    monkeypatch.setattr(Settings, "__getattribute__", recording)
    return seen


def test_every_command_names_the_settings_it_reads(
    no_project_env, tmp_path, monkeypatch, capsys, postgres_url, opensearch_url, reads
):
    archive = tmp_path / "news.jsonl"
    archive.write_text(
        json.dumps({"id": "a", "title": "Công viên mới", "body": "Hà Nội mở công viên."}) + "\n"
    )
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline type="rss" xmlUrl="https://vnexpress.net/rss/a.rss"/>'
        "</body></opml>"
    )
    index = fresh_index_name()
    for name, value in {
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_DATABASE_URL": postgres_url,
        "NEWSBOT_OPENSEARCH_URL": opensearch_url,
        "NEWSBOT_OPENSEARCH_INDEX": index,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdin", io.StringIO("q\n"))
    missing = {}
    for words in COMMANDS:
        words = [w.format(archive=archive, opml=opml) for w in words]
        reads.clear()
        try:
            cli.main(words)
        except SystemExit:
            pass
        used = set(reads)
        named = _named(_help(words, capsys)) | EVERY_COMMAND
        if used - named:
            missing[" ".join(words[:2])] = sorted(used - named)
        assert used, words  # it ran far enough to read its settings
    assert missing == {}, json.dumps(missing, indent=1)


def _commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()) -> set[str]:
    """Every command of the parser, as its words ("feeds poll")."""
    found = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= _commands(sub, (*words, name)) or {" ".join((*words, name))}
    return found


def test_every_command_is_run_above():
    ran = {" ".join(w[:2] if w[0] == "feeds" else w[:1]) for w in COMMANDS}
    assert _commands(cli._parser()) - {"run"} == ran  # run: test_run_names_every_setting


def test_run_names_every_setting(capsys):
    assert set(ALIASES.values()) - _named(_help(["run"], capsys)) == set()
