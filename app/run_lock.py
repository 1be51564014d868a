"""One `newsbot run` at a time where two would split the work: a data folder, a polled token.

Embedded state (bot.db): an exclusive flock on <data folder>/run.lock, held while the
process lives; the kernel drops it when the process dies, kill -9 included. PostgreSQL
state: polling takes an advisory lock named by a hash of the token (never the token
itself), so a second poller of the same bot is refused; webhook replicas need no lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable

from .settings import Settings

__all__ = ["AlreadyRunning", "acquire"]

LOCK_FILE = "run.lock"


class AlreadyRunning(RuntimeError):
    """Another process already runs the bot on this data folder, or polls this token.

    Also raised when the PostgreSQL that would hold the lock cannot be reached: either
    way this process must not start.
    """


def acquire(settings: Settings) -> Callable[[], None]:
    """Take the lock this run needs; returns its release. AlreadyRunning says who has it."""
    url = settings.database
    if url is None:
        return _data_dir_lock(settings)
    if settings.webhook_url:
        return lambda: None  # replicas behind a webhook share PostgreSQL by design
    from storage.postgres import hold, masked

    digest = hashlib.sha256((settings.token or "").encode()).hexdigest()
    try:
        held = hold(url, f"newsbot polling {digest}")
    except Exception as error:  # psycopg.OperationalError: the server is down or refuses us
        raise AlreadyRunning(
            f"Cannot reach NEWSBOT_DATABASE_URL ({masked(url)}): {error}"
        ) from None
    if held is None:
        raise AlreadyRunning(
            "Another `newsbot run` is already polling this bot's updates (its state is in"
            " NEWSBOT_DATABASE_URL). Telegram gives each update to one poller: stop the other"
            " process, or run several replicas behind a webhook (WEBHOOK_URL)."
        )
    return held.close


def _data_dir_lock(settings: Settings) -> Callable[[], None]:
    folder = settings.data_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.read(fd, 32).decode(errors="replace").strip()
        os.close(fd)
        who = f" (pid {owner})" if owner.isdigit() else ""
        raise AlreadyRunning(
            f"Another `newsbot run`{who} is already using {folder}. Two would split the"
            " deliveries between them: stop it first, or give this one its own"
            " NEWSBOT_DATA_DIR (replicas share state with NEWSBOT_DATABASE_URL)."
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())

    def release() -> None:
        os.close(fd)  # closing drops the flock

    return release
