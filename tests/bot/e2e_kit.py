"""Helpers of the end-to-end tests: `newsbot run` in its own process against the local Bot API."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from botapi import ThreadedBotApiServer

# short ticks: a published article is polled, matched and sent within about a second
FAST = {
    "NEWSBOT_FEED_SECONDS": "0.3",
    "NEWSBOT_DELIVERY_SECONDS": "0.1",
    "NEWSBOT_REFRESH_SECONDS": "0.5",
    "NEWSBOT_ALLOW_PRIVATE_FETCH": "true",  # the tests' feed sites are on loopback
}


def launch(
    api: ThreadedBotApiServer, data_dir: Path, log: Path, settings: dict[str, str] | None = None
) -> subprocess.Popen:
    """`python -m app.cli run` against the fake server, logging to a file."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))},
        **(settings or {}),
        "NEWSBOT_DATA_DIR": str(data_dir),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{api.port}",
    }
    with open(log, "a") as out:
        # cwd is the data dir: no stray .env is read; -P keeps it off sys.path, where its
        # postings folder index/ would shadow the index package
        return subprocess.Popen(
            [sys.executable, "-P", "-m", "app.cli", "run"],
            cwd=data_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen) -> int:
    """SIGTERM, then the exit code (killed after 15 s)."""
    process.terminate()
    try:
        return process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def ready(api: ThreadedBotApiServer, starts: int = 1) -> None:
    api.wait_for_call("deleteWebhook", starts, timeout=30)  # polling starts right after


def say(api, chat_id: int, user_id: int, text: str, **kw) -> dict:
    """A user writes in a chat; returns the bot's answer there."""
    before = len(api.messages(chat_id))
    api.send_text(chat_id, user_id, text, **kw)
    return api.wait_for_messages(chat_id, before + 1, timeout=15)[before]


def pushes(api, chat_id: int) -> list[dict]:
    return [m for m in api.messages(chat_id) if m["text"].startswith("🔔")]


def wait_pushes(api, chat_id: int, count: int = 1, timeout: float = 15) -> list[dict]:
    return api.wait_for(lambda: len(p := pushes(api, chat_id)) >= count and p, timeout=timeout)


def eventually(predicate, timeout: float = 10.0):
    """Wait for a condition outside the fake server (its wait_for wakes on its own events)."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)
    return result


class User:
    """A person talking to the bot through the fake server."""

    def __init__(self, api, user_id: int, chat_id: int | None = None, language: str = "vi"):
        self.api, self.id, self.chat = api, user_id, chat_id or user_id
        if chat_id is None:
            api.add_private_chat(user_id, f"User{user_id}", language_code=language)

    def say(self, text: str, reply_to: int | None = None, count: int = 1) -> list[dict]:
        """Send text and return the bot's new messages in this chat."""
        before = len(self.api.messages(self.chat))
        self.api.send_text(self.chat, self.id, text, reply_to_message_id=reply_to)
        return self.api.wait_for_messages(self.chat, before + count, timeout=15)[before:]

    def press(self, message: dict, label: str, count: int = 0) -> list[dict]:
        """Press a button by its label; wait for `count` new messages or for the edit."""
        data = next(
            b["callback_data"]
            for row in message["reply_markup"]["inline_keyboard"]
            for b in row
            if b["text"] == label
        )
        before = len(self.api.messages(self.chat))
        edits = len(self.api.message(self.chat, message["message_id"])["history"])
        self.api.press_button(self.chat, self.id, message["message_id"], data)
        if count:
            return self.api.wait_for_messages(self.chat, before + count, timeout=15)[before:]
        return [
            self.api.wait_for(
                lambda: (
                    (m := self.api.message(self.chat, message["message_id"]))["history"][edits:]
                    and m
                ),
                timeout=15,
            )
        ]
