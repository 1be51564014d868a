"""The two backends a bot under test runs on, and backend-neutral access to what it stores.

"embedded": bot.db and newsbot.db in the data folder, the embedded search. "servers": every
table (chats, topics, outbox, feeds, articles) in a PostgreSQL database of its own, search in
an OpenSearch index of its own; the data folder keeps only the bot's postings and run.lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.search_backend import open_index
from app.settings import Settings
from feeds import FeedRegistry
from index.models import Article
from index.search import SearchIndex
from storage import open_database

BACKENDS = ["embedded", "servers"]


@dataclass(frozen=True)
class Backend:
    """Where a bot keeps its state and what serves its search, as its settings say."""

    name: str
    database_url: str | None = None
    opensearch_url: str | None = None
    opensearch_index: str | None = None

    @property
    def env(self) -> dict[str, str]:
        """The settings that pick this backend, for `newsbot run`'s environment."""
        env = {}
        if self.database_url:
            env["NEWSBOT_DATABASE_URL"] = self.database_url
        if self.opensearch_url and self.opensearch_index:
            env["NEWSBOT_OPENSEARCH_URL"] = self.opensearch_url
            env["NEWSBOT_OPENSEARCH_INDEX"] = self.opensearch_index
        return env

    def settings(self, data_dir: Path) -> Settings:
        # explicit values: a developer's own NEWSBOT_ environment must not pick the backend
        return Settings(
            NEWSBOT_DATA_DIR=data_dir,
            NEWSBOT_DATABASE_URL=self.database_url,
            NEWSBOT_OPENSEARCH_URL=self.opensearch_url,
            _env_file=None,
            **(
                {"NEWSBOT_OPENSEARCH_INDEX": self.opensearch_index} if self.opensearch_index else {}
            ),
        )

    def index(self, data_dir: Path) -> SearchIndex:
        """The archive of a data folder opened as the bot opens it (as `newsbot index` does)."""
        data_dir.mkdir(parents=True, exist_ok=True)  # a PostgreSQL store writes nothing there yet
        return open_index(self.settings(data_dir), data_dir)

    def add(self, data_dir: Path, articles: Iterable[Article]) -> Path:
        """Index articles where the bot of data_dir reads them; returns the folder."""
        index = self.index(data_dir)
        try:
            index.add(list(articles))
        finally:
            index.close()
        return data_dir

    def feeds(self, data_dir: Path) -> FeedRegistry:
        """The feed registry the bot of data_dir polls (newsbot.db, or PostgreSQL)."""
        return FeedRegistry.open(data_dir, url=self.database_url)

    def rows(self, data_dir: Path, sql: str, args: Sequence = ()) -> list[tuple]:
        """A query of the bot's state (bot.db, or PostgreSQL): chats, topics, deliveries."""
        database = open_database(self.database_url or Path(data_dir) / "bot.db")
        try:
            return [tuple(row) for row in database.rows(sql, args)]
        finally:
            database.close()
