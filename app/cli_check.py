"""`newsbot check`: say what is sound in the data folder, and repair the index on request."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from index import check_data, drop_vectors, rebuild_index, remove_leftovers

from .article_store import article_store


def cmd_check(
    data_dir: Path, repair: bool = False, out: TextIO = sys.stdout, url: str | None = None
) -> int:
    """Print what is sound and what is not; exit 1 while something is damaged.

    url: the articles are in that PostgreSQL database (NEWSBOT_DATABASE_URL), not newsbot.db.
    """
    store = article_store(url)
    try:
        return _check(data_dir, repair, out, store, url)
    finally:
        if store is not None:
            store.close()


def _check(data_dir: Path, repair: bool, out: TextIO, store, url: str | None) -> int:
    found = check_data(data_dir, store)
    if not found.found:
        print(f"no index in {data_dir} (newsbot.db is missing): nothing to check", file=out)
        return 1
    if found.database_error is not None:
        print(f"newsbot.db: damaged ({found.database_error})", file=out)
        print(
            "  SQLite cannot read it: restore a backup, or index the archive again into a new"
            " data folder (NEWSBOT_DATA_DIR)",
            file=out,
        )
        return 1
    name = "newsbot.db" if store is None else store.describe()
    print(f"{name}: ok ({found.articles:,} articles)", file=out)
    problem = found.problem
    if found.segment is None:
        print(f"index segment: none yet (articles are served from {name}'s terms)", file=out)
    else:
        state = problem or ("ok, no checksums (older version)" if found.unsealed else "ok")
        print(f"index segment {found.segment}: {state}", file=out)
        if found.unsealed and repair:
            problem = "no checksums"
    if found.vectors:
        print(f"vectors:    {found.vectors}", file=out)
    leftovers = found.leftovers
    if leftovers:
        names = ", ".join(leftovers[:5]) + (" ..." if len(leftovers) > 5 else "")
        print(f"leftovers of failed compactions: {len(leftovers)} ({names})", file=out)
    if not repair:
        if problem or leftovers or found.vectors:
            print(f"run `newsbot check --repair` to rebuild the index from {name}", file=out)
        return 1 if problem or found.vectors else 0
    if problem is not None:
        # a store of its own: the rebuilt index closes it
        segment = rebuild_index(data_dir, article_store(url))
        print(f"repaired: index segment {segment} rebuilt from {name}", file=out)
    if found.vectors:  # embedded again by the worker or `newsbot embed`
        dropped = drop_vectors(data_dir, store)
        what = "vector chunks" if store is None else "vectors"
        print(f"repaired: {dropped} {what} dropped (newsbot embed rebuilds them)", file=out)
    remove_leftovers(data_dir)
    if leftovers:
        print(f"removed {len(leftovers)} leftovers", file=out)
    return 0
