"""Fault benchmark: questions keep coming while PostgreSQL, then OpenSearch, is down.

Two `newsbot run` replicas behind a webhook share a throwaway PostgreSQL and an OpenSearch
node; the local Bot API server (tests/botapi.py) plays Telegram: it holds the readers' chats
and this script posts each question to a replica, the other one when a replica does not
take it (as Telegram retries). PostgreSQL is stopped (pg_ctl stop) for --outage seconds;
once both replicas are ready again, OpenSearch is frozen (SIGSTOP: it accepts connections
and never answers, the harder case) for as long. Questions arrive evenly all along.

    nice -n 10 .venv/bin/python bench/faults.py                # 200 questions, 30 s outages
    nice -n 10 .venv/bin/python bench/faults.py --questions 40 --outage 10 --keep /tmp/logs

It prints, for every question: the first reply's delay (the answer, or "temporarily
unavailable, I will answer when back" in the reader's language), final answers exactly once
(lost: none; doubled: two or more); and for each outage and each replica, how long /readyz
took to turn 503 after it began and 200 after it ended. tests/bot/test_bot_faults_e2e.py
runs it smaller.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "tests", ROOT / "tests" / "bot"):
    sys.path.insert(0, str(extra))

from backend_kit import Backend  # noqa: E402
from bot_testkit import sample_articles  # noqa: E402
from botapi import ThreadedBotApiServer  # noqa: E402
from opensearch_node import OpenSearchNode, free_port, fresh_index_name  # noqa: E402
from servers.postgres import PostgresServer  # noqa: E402

from bench.machine import print_machine  # noqa: E402
from bot.texts_en import EN  # noqa: E402
from bot.texts_vi import VI  # noqa: E402

SECRET = "faults-s3cret"
QUESTIONS = ("công viên cây xanh", "bão số 3", "giá cà phê", "báo cáo kinh tế xã hội")
NOTICES = (VI.unavailable, EN.unavailable)
FIRST_CHAT = 9_100_000


@dataclass
class Outage:
    """One backend down: when, and when each replica's /readyz saw it."""

    name: str
    began: float = 0.0
    ended: float = 0.0
    not_ready: dict[int, float] = field(default_factory=dict)  # replica -> seconds after began
    ready: dict[int, float] = field(default_factory=dict)  # replica -> seconds after ended


@dataclass
class Result:
    """What the run measured."""

    asked: int
    answered_once: int
    lost: int
    doubled: int
    first_reply: list[float]
    noticed: int
    outages: list[Outage]
    refused_posts: int
    by_phase: dict[str, list[float]] = field(default_factory=dict)  # first-reply delays
    slow: list[str] = field(default_factory=list)  # each question whose first reply took > 5 s

    def lines(self) -> list[str]:
        delays = sorted(self.first_reply)
        out = [
            f"questions {self.asked}: final answer exactly once {self.answered_once},"
            f" lost {self.lost}, doubled {self.doubled}; told to wait {self.noticed};"
            f" posts a replica refused (sent to the other) {self.refused_posts}",
            f"first reply: median {statistics.median(delays):.2f} s,"
            f" max {delays[-1]:.2f} s, over 5 s: {sum(d > 5 for d in delays)}",
        ]
        for phase, values in self.by_phase.items():
            if values:
                out.append(f"  asked {phase}: {len(values)}, first reply median"
                           f" {statistics.median(values):.2f} s, max {max(values):.2f} s")  # fmt: skip
        out.extend(f"  slow: {line}" for line in self.slow)
        for o in self.outages:
            down = ", ".join(f"replica {r}: {s:.1f} s" for r, s in sorted(o.not_ready.items()))
            up = ", ".join(f"replica {r}: {s:.1f} s" for r, s in sorted(o.ready.items()))
            out.append(f"{o.name} down {o.ended - o.began:.0f} s: /readyz 503 after [{down}];"
                       f" 200 after recovery [{up}]")  # fmt: skip
        return out


class Readyz(threading.Thread):
    """Polls one replica's /readyz; the status history as (time, code)."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.url = f"http://127.0.0.1:{port}/readyz"
        self.history: list[tuple[float, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self.done.is_set():
                try:
                    code = client.get(self.url).status_code
                except httpx.HTTPError:
                    code = 0
                self.history.append((time.monotonic(), code))
                time.sleep(0.25)

    def first(self, code: int, after: float) -> float | None:
        """Seconds from `after` to the first poll that answered code."""
        for when, got in self.history:
            if when >= after and got == code:
                return when - after
        return None

    def now(self) -> int:
        return self.history[-1][1] if self.history else 0


def replica(api, data: Path, log: Path, backend: Backend, port: int) -> subprocess.Popen:
    """`newsbot run` in webhook mode on a port."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "NEWSBOT_"))},
        **backend.env,
        "PYTHONPATH": str(ROOT),
        "NEWSBOT_DATA_DIR": str(data),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{api.port}",
        "WEBHOOK_URL": "https://bot.example.vn/hook",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }  # fmt: skip
    data.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as out:
        return subprocess.Popen(
            [sys.executable, "-P", "-m", "app.cli", "run"],
            cwd=data, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def run(
    where: Path,
    server: PostgresServer,
    node: OpenSearchNode,
    questions: int = 200,
    outage: float = 30.0,
    report=lambda line: print(line, flush=True),
) -> Result:
    """The whole scenario on these servers; where holds the replicas' folders and logs."""
    backend = Backend("servers", server.create_database(), node.url, fresh_index_name())
    backend.add(where / "writer", sample_articles())
    ports = [free_port(), free_port()]
    monitors = [Readyz(p) for p in ports]
    asked_ref: dict[int, float] = {}
    outages = [Outage("PostgreSQL"), Outage("OpenSearch")]
    asked = asked_ref  # chat -> when asked
    refused = [0]
    with ThreadedBotApiServer() as api:
        for n in range(questions):
            chat = FIRST_CHAT + n
            api.add_private_chat(chat, f"Reader {n}", language_code="en" if n % 3 == 0 else "vi")
        launched = time.monotonic()
        processes = [
            replica(api, where / f"replica{i}", where / f"replica{i}.log", backend, p)
            for i, p in enumerate(ports)
        ]
        replies = FirstReplies(api, asked)
        try:
            for m in monitors:
                m.start()
            replies.start()
            _until(lambda: all(m.now() == 200 for m in monitors), 300, "both replicas ready")
            report(f"both replicas ready {time.monotonic() - launched:.1f} s after their"
                   " launch (/readyz 200); questions start")  # fmt: skip
            # the timeline: 5 s calm, PostgreSQL down, recovery, OpenSearch down, 10 s calm
            spread = 2 * outage + 40.0
            sender = threading.Thread(
                target=_ask, args=(api, ports, questions, spread, asked, refused), daemon=True
            )
            began = time.monotonic()
            sender.start()
            time.sleep(5)
            outages[0].began = time.monotonic()
            server.halt()
            report(f"PostgreSQL stopped ({len(asked)} asked so far)")
            time.sleep(outage)
            # recovery: the moment PostgreSQL accepts again (pg_ctl may return later)
            restart = threading.Thread(target=server.resume)
            restart.start()
            _until(lambda: _accepts(server.url()), 120, "PostgreSQL accepts again")
            outages[0].ended = time.monotonic()
            restart.join()
            report(f"PostgreSQL back ({len(asked)} asked so far)")
            # a replica found ready again by a poll made since PostgreSQL accepts
            back = outages[0].ended
            _until(lambda: all(m.first(200, back) is not None for m in monitors), 120,
                   "ready after PostgreSQL")  # fmt: skip
            outages[1].began = time.monotonic()
            node.process.send_signal(signal.SIGSTOP)
            report(f"OpenSearch frozen ({len(asked)} asked so far)")
            try:
                time.sleep(outage)
            finally:
                node.process.send_signal(signal.SIGCONT)
            outages[1].ended = time.monotonic()
            report(f"OpenSearch back ({len(asked)} asked so far)")
            sender.join(spread + 120)
            report(
                f"all {len(asked)} asked in {time.monotonic() - began:.0f} s; waiting for answers"
            )
            _until(lambda: all(_answers(api, c) for c in asked), 240, "every question answered")
            time.sleep(5)  # more replay ticks: a double would show now
        finally:
            for m in monitors:
                m.done.set()
            replies.done.set()
            for p in processes:
                p.terminate()
            for p in processes:
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
        for o in outages:
            for i, m in enumerate(monitors):
                if (s := m.first(503, o.began)) is not None:
                    o.not_ready[i] = s
                if (s := m.first(200, o.ended)) is not None:
                    o.ready[i] = s
        answers = {c: len(_answers(api, c)) for c in asked}
        firsts = replies.delays()
        by_phase: dict[str, list[float]] = {}
        for chat, when in asked.items():
            if chat in replies.seen:
                by_phase.setdefault(_phase(when, outages), []).append(replies.seen[chat] - when)
        noticed = sum(any(m["text"] in NOTICES for m in api.messages(c)) for c in asked)
        slow = [
            _slow(chat, when, replies, outages, began)
            for chat, when in sorted(asked.items(), key=lambda a: a[1])
            if replies.seen.get(chat, float("inf")) - when > 5
        ]
    server.drop_database(backend.database_url)
    return Result(
        asked=len(asked),
        answered_once=sum(n == 1 for n in answers.values()),
        lost=sum(n == 0 for n in answers.values()),
        doubled=sum(n > 1 for n in answers.values()),
        first_reply=firsts or [float("inf")],
        noticed=noticed,
        outages=outages,
        refused_posts=refused[0],
        by_phase=by_phase,
        slow=slow,
    )


def _slow(
    chat: int, when: float, replies: FirstReplies, outages: list[Outage], began: float
) -> str:
    """When a slow question was asked against the outages, and what its first reply was."""
    if chat not in replies.seen:
        return f"chat {chat} asked at {when - began:.1f} s: no reply"
    marks = ", ".join(
        f"{o.name} down {when - o.began:+.1f} s, back {when - o.ended:+.1f} s"
        for o in outages if o.began
    )  # fmt: skip
    sent = replies.first_text.get(chat, "")
    kind = "told to wait" if any(n in sent for n in NOTICES) else "the answer"
    return (f"chat {chat} asked at {when - began:.1f} s ({marks}): first reply"
            f" {replies.seen[chat] - when:.1f} s later, {kind}")  # fmt: skip


def _ask(api, ports, questions: int, spread: float, asked: dict, refused: list) -> None:
    """Post the questions evenly over spread seconds, alternating replicas (as a balancer)."""
    with httpx.Client(timeout=10) as client:
        start = time.monotonic()
        for n in range(questions):
            time.sleep(max(0.0, start + n * spread / questions - time.monotonic()))
            chat = FIRST_CHAT + n
            asked[chat] = time.monotonic()
            update = api.get_update(api.send_text(chat, chat, QUESTIONS[n % len(QUESTIONS)]))
            for attempt in range(60):  # Telegram retries an update a replica did not take
                port = ports[(n + attempt) % 2]
                try:
                    answer = client.post(
                        f"http://127.0.0.1:{port}/hook", json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    )  # fmt: skip
                    if answer.status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                refused[0] += 1
                time.sleep(1)


def _answers(api, chat: int) -> list[dict]:
    return [m for m in api.messages(chat) if m["text"] not in NOTICES]


class FirstReplies(threading.Thread):
    """When each asked chat first got a message (the server's dates are whole seconds)."""

    def __init__(self, api, asked: dict[int, float]):
        super().__init__(daemon=True)
        self.api, self.asked = api, asked
        self.seen: dict[int, float] = {}
        self.first_text: dict[int, str] = {}
        self.done = threading.Event()

    def run(self) -> None:
        # new calls only, read in place: copying every chat's messages 20 times a second
        # would slow the very server whose replies are timed
        server, cursor = self.api.server, 0
        while not self.done.is_set():
            with server._lock:
                new, cursor = server._calls[cursor:], len(server._calls)
            now = time.monotonic()
            for method, params in new:
                if method in ("sendMessage", "sendPhoto"):
                    chat = int(params.get("chat_id", 0))
                    if chat in self.asked and chat not in self.seen:
                        self.seen[chat] = now
                        self.first_text[chat] = str(params.get("text", ""))
            time.sleep(0.05)

    def delays(self) -> list[float]:
        return [self.seen[c] - t for c, t in self.asked.items() if c in self.seen]


def _phase(when: float, outages: list[Outage]) -> str:
    for o in outages:
        if o.began <= when <= o.ended:
            return f"while {o.name} was down"
    return "while both answered"


def _accepts(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=1).close()
    except psycopg.OperationalError:
        return False
    return True


def _until(predicate, timeout: float, what: str, every: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--questions", type=int, default=200)
    p.add_argument("--outage", type=float, default=30.0, help="seconds each backend is down")
    p.add_argument("--keep", type=Path, help="a folder to keep the replicas' logs in")
    args = p.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory(prefix="newsbot-faults-") as tmp:
        where = Path(tmp)
        node = OpenSearchNode(where / "opensearch")
        with PostgresServer() as server:
            node.start()
            print(f"OpenSearch node answered {node.started_in:.1f} s after its launch")
            try:
                result = run(where, server, node, args.questions, args.outage)
            finally:
                node.stop()
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    for log in where.glob("replica*.log"):
                        shutil.copy2(log, args.keep / log.name)
    print("\n".join(result.lines()))
    return 0 if result.lost == result.doubled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
