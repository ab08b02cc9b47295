"""The storage layer on SQLite and on a real PostgreSQL: schema on open, upgrades keep data, faults at start."""

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from bot.storage import Database, StorageStartError
from bot.storage.tables import Base, Subscription
from tests.postgres import free_port


async def test_open_creates_every_table_and_reopening_keeps_the_data(database_url: str) -> None:
    first = await Database.open(database_url)
    async with first.transaction() as session:
        session.add(Subscription(chat_id=-100123, lang="zh", since=datetime(2026, 1, 1)))
    async with first.engine.connect() as connection:
        tables = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    await first.close()
    assert set(Base.metadata.tables) | {"alembic_version"} <= tables

    again = await Database.open(database_url)  # the migration runs again: a no-op that keeps every row
    async with again.transaction() as session:
        kept = (await session.execute(select(Subscription.chat_id, Subscription.lang))).all()
        head = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    await again.close()
    assert kept == [(-100123, "zh")]
    assert head == "0001"


async def test_the_default_sqlite_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "data" / "almanac.db"
    database = await Database.open(f"sqlite+aiosqlite:///{path}")
    await database.close()
    assert path.is_file()


async def test_a_corrupt_sqlite_file_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "almanac.db"
    path.write_bytes(b"this is not a database" * 400)
    with pytest.raises(StorageStartError) as raised:
        await Database.open(f"sqlite+aiosqlite:///{path}")
    message = str(raised.value)
    assert "\n" not in message and "file is not a database" in message and str(path) in message
    assert path.read_bytes().startswith(b"this is not a database")  # never "repaired" by overwriting


async def test_an_unreachable_postgresql_is_one_line_without_the_password() -> None:
    url = f"postgresql+asyncpg://almanac:hunter2@127.0.0.1:{free_port()}/almanac"
    with pytest.raises(StorageStartError) as raised:
        await Database.open(url)
    message = str(raised.value)
    assert "\n" not in message and "cannot reach" in message and "127.0.0.1" in message
    assert "hunter2" not in message


async def test_an_unsupported_url_is_named() -> None:
    with pytest.raises(StorageStartError, match="mysql"):
        await Database.open("mysql://localhost/almanac")


async def test_sqlite_file_is_readable_by_the_standard_library(tmp_path: Path) -> None:
    """The default database is a plain SQLite file in WAL mode that ordinary tools can open (and back up)."""
    path = tmp_path / "almanac.db"
    await (await Database.open(f"sqlite+aiosqlite:///{path}")).close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_database_url_setting() -> None:
    from pydantic import ValidationError

    from bot.config import DEFAULT_DATABASE_URL, Settings, describe_error

    def url(value: str) -> str:
        return Settings(_env_file=None, database_url=value).database_url.get_secret_value()  # type: ignore[call-arg]

    assert url("") == DEFAULT_DATABASE_URL == "sqlite+aiosqlite:///data/almanac.db"
    assert (
        url("postgres://u:pw@db/almanac")
        == url("postgresql://u:pw@db/almanac")
        == "postgresql+asyncpg://u:pw@db/almanac"
    )
    with pytest.raises(ValidationError) as raised:
        url("mysql://u:hunter2@db/almanac")
    line = describe_error(raised.value)
    assert line.startswith("configuration error: DATABASE_URL: must be") and "hunter2" not in line
    assert "hunter2" not in repr(Settings(_env_file=None, database_url="postgres://u:hunter2@db/a"))  # type: ignore[call-arg]


def test_only_the_database_password_is_a_secret_to_redact() -> None:
    from bot.config import Settings

    plain = Settings(_env_file=None)  # type: ignore[call-arg]
    with_password = Settings(_env_file=None, database_url="postgresql://almanac:hunter2@db/almanac")  # type: ignore[call-arg]
    assert plain.secrets == () and with_password.secrets == ("hunter2",)
