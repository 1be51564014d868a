"""Stall cases of bench/hostile.py: another user's answer time while one user attacks.

Each attack runs against the real `newsbot run` (a process of its own, polling the local Bot
API server of tests/botapi.py) on the benchmark's 20,000 articles, started afresh with an
empty bot.db; the same question from another user is timed on the quiet bot first.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from botapi import ThreadedBotApiServer  # noqa: E402

ASKED = "giá vàng hôm nay"  # the other user's question
DEEP = "việt nam"  # in most articles: the deepest lists
WAIT = 120.0  # an answer later than this is reported as "> 120 s"


class Bot:
    """`newsbot run` of a checkout on a data folder, against a fresh local Bot API server."""

    def __init__(self, checkout: Path, data: Path):
        for name in ("bot.db", "bot.db-wal", "bot.db-shm", "run.lock"):
            (data / name).unlink(missing_ok=True)  # no topics or lists from a previous run
        self.api = ThreadedBotApiServer().start()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NEWSBOT_"))},
            "NEWSBOT_DATA_DIR": str(data),
            "TELEGRAM_BOT_TOKEN": self.api.token,
            "TELEGRAM_API_URL": f"http://127.0.0.1:{self.api.port}",
            "PYTHONPATH": str(checkout),
            "NEWSBOT_FEED_SECONDS": "100000",  # no feed polls during the measurements
        }
        self.log = open(data / "stalls.log", "a")  # noqa: SIM115 (closed in stop)
        cli = "app.cli" if (checkout / "app" / "cli.py").exists() else "bot.cli"
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", cli, "run"],
            cwd=data,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.api.wait_for_call("deleteWebhook", 1, timeout=180)
        self.users = iter(range(7001, 8000))

    def user(self) -> int:
        """A new private chat."""
        user = next(self.users)
        self.api.add_private_chat(user, f"User{user}")
        return user

    def ask(self, user: int, text: str, timeout: float = WAIT) -> tuple[float, dict | None]:
        """Seconds until the bot answers text in user's chat, and the answer (None: too late)."""
        before = len(self.api.messages(user))
        started = time.perf_counter()
        self.api.send_text(user, user, text)
        try:
            answer = self.api.wait_for_messages(user, before + 1, timeout=timeout)[before]
        except Exception:  # noqa: BLE001 (the fake server's timeout)
            return time.perf_counter() - started, None
        return time.perf_counter() - started, answer

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.api.stop()
        self.log.close()


def _qid(answer: dict) -> str:
    datas = [b["callback_data"] for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    return next(m[1] for d in datas if (m := re.fullmatch(r"p:(\w+):\d+", d)))


def follows(bot: Bot) -> None:
    """20 /theodoi of topics no article matches, as fast as they can be sent."""
    user = bot.user()
    for i in range(20):
        bot.api.send_text(user, user, f"/theodoi quaxyz{i} zorblat")


def presses(page: int) -> Callable[[Bot], None]:
    """24 presses of a page of one long question (forged: no such button is shown)."""

    def attack(bot: Bot) -> None:
        user = bot.user()
        _, answer = bot.ask(user, DEEP)
        qid = _qid(answer)
        for _ in range(24):
            bot.api.press_button(user, user, answer["message_id"], f"p:{qid}:{page}", check=False)

    return attack


def inline(offset: Callable[[Bot, int], str]) -> Callable[[Bot], None]:
    """24 inline queries of one long question at an offset."""

    def attack(bot: Bot) -> None:
        user = bot.user()
        at = offset(bot, user)
        for _ in range(24):
            bot.api.inline_query(user, DEEP, offset=at)

    return attack


def deepest_offset(bot: Bot, user: int) -> str:
    """The deepest offset this bot gives: "240" before kept lists, "<qid>:40" with them."""
    before = len(bot.api.inline_answers())
    bot.api.inline_query(user, DEEP)
    first = bot.api.wait_for(
        lambda: len(bot.api.inline_answers()) > before and bot.api.inline_answers()[-1], 180
    )
    following = first.get("next_offset") or ""
    qid, colon, _ = following.partition(":")
    return f"{qid}:40" if colon else "240"


ATTACKS = [
    ("20 /theodoi of topics that match nothing", follows),
    ("24 forged presses of page 50 (`p:<qid>:49`)", presses(49)),
    ("24 presses of page 10 (`p:<qid>:9`, the last a kept list has)", presses(9)),
    ("24 inline queries at offset 240", inline(lambda bot, user: "240")),
    ("24 inline queries at the deepest offset given", inline(deepest_offset)),
]


def measure(checkout: Path, data: Path) -> list[tuple[str, float, float]]:
    """(attack, quiet seconds, seconds during the attack) for each attack, on fresh bots."""
    rows = []
    for label, attack in ATTACKS:
        bot = Bot(checkout, data)
        try:
            bot.ask(bot.user(), ASKED, timeout=180)  # warm: the index and pyvi loaded
            quiet = statistics.median(bot.ask(bot.user(), ASKED)[0] for _ in range(5))
            attack(bot)
            during, answer = bot.ask(bot.user(), ASKED)
            rows.append((label, quiet, during if answer is not None else float("inf")))
        finally:
            bot.stop()
    return rows


def report(checkouts: list[Path], data: Path) -> None:
    """The table: each checkout's quiet and attacked answer times, and the bound."""
    print(f"\n## Another user's answer during an attack (“{ASKED}”, real `newsbot run`)\n")
    print("| attack | " + " | ".join(f"`{c}`" for c in checkouts) + " |")
    print("|---|" + "---|" * len(checkouts))
    results = [measure(c, data) for c in checkouts]
    for i, (label, *_) in enumerate(ATTACKS):
        cells = []
        for rows in results:
            _, quiet, during = rows[i]
            bound = max(1.0, 3 * quiet)
            shown = f"> {WAIT:.0f} s" if during == float("inf") else f"{during:.2f} s"
            verdict = "ok" if during <= bound else "STALL"
            cells.append(f"{shown} (quiet {quiet:.2f} s; bound {bound:.1f} s: {verdict})")
        print(f"| {label} | " + " | ".join(cells) + " |")
