"""Configuration, read once at the edge from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of the bot and the index; see .env.example."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(Path("./data"), validation_alias="NEWSBOT_DATA_DIR")
    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field("https://api.telegram.org", validation_alias="TELEGRAM_API_URL")
    webhook_url: str | None = Field(None, validation_alias="WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(None, validation_alias="WEBHOOK_SECRET")
    webhook_listen: str = Field("0.0.0.0", validation_alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(8443, validation_alias="WEBHOOK_PORT")
    flood_questions: int = Field(8, validation_alias="NEWSBOT_FLOOD_QUESTIONS")
    flood_seconds: float = Field(30.0, validation_alias="NEWSBOT_FLOOD_SECONDS")
    # feed pages on loopback, private or link-local addresses (a lab, an intranet)
    allow_private_fetch: bool = Field(False, validation_alias="NEWSBOT_ALLOW_PRIVATE_FETCH")
    refresh_seconds: float = Field(30.0, validation_alias="NEWSBOT_REFRESH_SECONDS")
    feed_seconds: float = Field(300.0, gt=0, validation_alias="NEWSBOT_FEED_SECONDS")
    delivery_seconds: float = Field(5.0, gt=0, validation_alias="NEWSBOT_DELIVERY_SECONDS")
    timezone: str = Field("Asia/Ho_Chi_Minh", validation_alias="NEWSBOT_TIMEZONE")
    # one push in flight at a time: a crash then repeats at most that one message
    send_concurrency: int = Field(1, ge=1, le=32, validation_alias="NEWSBOT_SEND_CONCURRENCY")
    # Telegram user ids of the bot's operators (feeds from the chat, /admin, /broadcast)
    admins: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), validation_alias="NEWSBOT_ADMINS"
    )

    @field_validator("admins", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> object:
        # "123, 456 789" as well as a JSON list: operators write ids by hand
        if isinstance(value, str):
            parts = value.replace(",", " ").split()
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as error:
                raise ValueError(
                    f"NEWSBOT_ADMINS holds Telegram user ids, got {value!r}"
                ) from error
        if isinstance(value, int):
            return frozenset({value})
        return value

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

    @property
    def token(self) -> str | None:
        """The bot token, or None when unset or blank."""
        value = self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""
        return value.strip() or None
