"""Settings from the environment and ``.env``: one typed class, read once at start-up.

A bad setting stops the bot before it touches the network, with one line that names the variable, so a
deployment fails loudly at once rather than at the first update. The token is a ``SecretStr`` and is
never part of a repr, a log line or an error message.
"""

import re
import socket
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CONFIG_ERROR_EXIT = 2
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/almanac.db"
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as a webhook secret_token


class Settings(BaseSettings):
    """Every setting of the bot; names are the environment variables (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True)

    telegram_bot_token: SecretStr | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    knowledge_dir: Path = Path("knowledge")
    telegram_api_url: str = "https://api.telegram.org"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)  # a PostgreSQL URL may hold a password
    replica_name: str = Field(default_factory=socket.gethostname, min_length=1, max_length=64)

    @field_validator("replica_name", mode="before")
    @classmethod
    def _host_name(cls, value: Any) -> Any:
        """``REPLICA_NAME=`` (as in .env.example) means the host name (the container's, under compose)."""
        return socket.gethostname() if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: Any) -> Any:
        """Blank → the default SQLite file; ``postgres://`` and ``postgresql://`` (as hosting platforms
        write them) → the asyncpg driver. The URL itself is checked when the database is opened."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(raw, str):
            return value
        raw = raw.strip()
        if not raw:
            return SecretStr(DEFAULT_DATABASE_URL)
        for prefix in ("postgres://", "postgresql://"):
            if raw.startswith(prefix):
                raw = "postgresql+asyncpg://" + raw.removeprefix(prefix)
        if not raw.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:pw@host/db")
        return SecretStr(raw)

    @field_validator("telegram_bot_token", "webhook_secret", "webhook_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        """``TELEGRAM_BOT_TOKEN=`` (as in .env.example) means "not set", not an empty token."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN.fullmatch(value.get_secret_value().strip()):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return None if value is None else SecretStr(value.get_secret_value().strip())

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        """``ADMIN_IDS=1,2`` → {1, 2}; an empty value means no admins."""
        if not isinstance(value, str):
            return value
        ids = set()
        for part in value.replace(";", ",").split(","):
            if not (part := part.strip()):
                continue
            if not re.fullmatch(r"-?\d+", part):
                raise ValueError(f"not a comma-separated list of numeric user ids ({part!r})")
            ids.add(int(part))
        return frozenset(ids)

    @field_validator("mode", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_root(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        return value.strip().rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _public_https(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value.strip())
            if parts.scheme != "https" or not parts.netloc:
                raise ValueError("must be a public https:// URL (Telegram posts only to HTTPS)")
            return value.strip()
        return value

    @model_validator(mode="after")
    def _webhook_needs(self) -> "Settings":
        if self.mode == "webhook":
            missing = [
                name
                for name, value in (
                    ("TELEGRAM_BOT_TOKEN", self.telegram_bot_token),
                    ("WEBHOOK_URL", self.webhook_url),
                    ("WEBHOOK_SECRET", self.webhook_secret),
                )
                if value is None
            ]
            if missing:
                raise ValueError(f"{', '.join(missing)} required when MODE=webhook")
        return self

    # -- derived values ------------------------------------------------------------------------------

    @property
    def token(self) -> str | None:
        """The raw token, for the one place that needs it (the Application builder)."""
        return None if self.telegram_bot_token is None else self.telegram_bot_token.get_secret_value()

    @property
    def secrets(self) -> tuple[str, ...]:
        """The value of every secret setting (every ``SecretStr`` field), for the log filter to redact; of
        ``DATABASE_URL`` only its password (the rest of it names the database in log lines)."""
        values = (getattr(self, name) for name in type(self).model_fields if name != "database_url")
        secrets = [v.get_secret_value() for v in values if isinstance(v, SecretStr) and v.get_secret_value()]
        if password := urlsplit(self.database_url.get_secret_value()).password:
            secrets.append(password)
        return tuple(secrets)

    @property
    def base_url(self) -> str:
        return f"{self.telegram_api_url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.telegram_api_url}/file/bot"

    @property
    def webhook_path(self) -> str:
        """The local path the webhook server listens on: the path part of WEBHOOK_URL."""
        return urlsplit(self.webhook_url or "").path.strip("/")


def describe_error(error: ValidationError) -> str:
    """One line naming every bad variable; values are never echoed back (one of them may be the token)."""
    problems = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{str(item['loc'][0]).upper()}: {message}" if item["loc"] else message)
    return "configuration error: " + "; ".join(problems)


def load_settings(env_file: Path | str | None = ".env") -> Settings:
    """Read the settings, or print one line naming what is wrong and exit with code 2."""
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        _fail(describe_error(exc))


def _fail(line: str) -> NoReturn:
    print(line, file=sys.stderr)
    raise SystemExit(CONFIG_ERROR_EXIT)
