"""The operator's errors as one line each: a full disk, a folder we cannot write, a bad database."""

from __future__ import annotations

import errno
import functools
import sys
from collections.abc import Callable

from storage import DatabaseError, DatabaseUnavailable, SchemaError

__all__ = ["explain", "one_line_errors"]

_FULL = "the disk is full: nothing half-written was kept; free some space and run it again"


def explain(error: BaseException) -> str | None:
    """One sentence for an error an operator can fix, or None for a bug (keep its traceback)."""
    if isinstance(error, DatabaseUnavailable):
        return (
            f"the database is unavailable ({error}): another process may hold newsbot.db,"
            " or NEWSBOT_DATABASE_URL's server is down; try again"
        )
    if isinstance(error, SchemaError):
        return f"{error}: a newer newsbot wrote this database; upgrade newsbot to use it"
    if isinstance(error, DatabaseError):
        message = str(error)
        if "full" in message:
            return _FULL
        if "unable to open" in message:
            return f"cannot open newsbot.db ({message}): check NEWSBOT_DATA_DIR and its rights"
        return (
            f"newsbot.db cannot be used ({message}): restore a backup, or index the archive"
            " again into a new data folder (NEWSBOT_DATA_DIR)"
        )
    if isinstance(error, OSError):
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return _FULL
        where = f"{error.filename}: " if error.filename else ""
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR):
            return f"cannot use {where}{error.strerror} (check NEWSBOT_DATA_DIR)"
        return f"{where}{error.strerror or error}"
    return None


def one_line_errors(main: Callable[[list[str] | None], int]) -> Callable[[list[str] | None], int]:
    """Wrap a command's entry point: operator errors print one line and exit 1."""

    @functools.wraps(main)
    def wrapper(argv: list[str] | None = None) -> int:
        try:
            return main(argv)
        except (DatabaseError, OSError) as error:
            sentence = explain(error)
            if sentence is None:
                raise
            print(f"newsbot: {sentence}", file=sys.stderr)
            return 1

    return wrapper
