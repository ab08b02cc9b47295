"""The database: one async engine and session maker, the schema migrated on open, errors in two kinds.

``StorageStartError`` is for start-up (a corrupt SQLite file, an unreachable ``DATABASE_URL``): one line,
and the bot exits with code 2. ``StorageUnavailable`` is for later: the database went away or is locked;
callers answer "temporarily unavailable" or drop what they wanted to write, and the bot keeps answering.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
CONNECT_TIMEOUT = 5.0  # seconds: PostgreSQL connect; also how long SQLite waits on a lock
MIGRATION_LOCK = 0x416C6D61  # pg_advisory_xact_lock key: replicas starting together migrate one at a time
# What a database that went away or is locked raises (asyncpg's connect errors are OSError / TimeoutError).
FAULTS = (SQLAlchemyError, OSError, TimeoutError)


class StorageStartError(Exception):
    """The database cannot be used at start-up; ``str()`` is the one line to print."""


class StorageUnavailable(Exception):
    """The database is down or locked right now; the caller degrades gracefully."""


def safe_url(url: str | URL) -> str:
    """The URL without its password, for logs and error lines."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable DATABASE_URL>"


def reason(error: BaseException) -> str:
    """The useful part of an error, in one line: the driver's message, not SQLAlchemy's wrapping."""
    inner = getattr(error, "orig", None) or error
    message = " ".join(str(inner).split()) or type(inner).__name__
    return message[:300]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers work while a writer commits; foreign keys are off in SQLite unless asked for."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _upgrade(connection: Connection) -> None:
    """Alembic ``upgrade head`` on the given connection (inside the caller's transaction)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


class Database:
    """One engine per process; ``transaction()`` for every short unit of work (no session is shared)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def url(self) -> URL:
        return self.engine.url

    @classmethod
    def create(cls, url: str, timeout: float = CONNECT_TIMEOUT) -> "Database":
        """The engine only, no connection yet. Raises ``StorageStartError`` for a URL we cannot use.
        ``timeout``: seconds to wait for a PostgreSQL connection, or for a SQLite lock."""
        try:
            parsed = make_url(url)
        except ArgumentError as error:
            raise StorageStartError(f"storage error: DATABASE_URL is not a database URL ({error})") from None
        if parsed.drivername == "sqlite+aiosqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_async_engine(parsed, connect_args={"timeout": timeout})
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        elif parsed.drivername == "postgresql+asyncpg":
            engine = create_async_engine(
                parsed,
                pool_pre_ping=True,  # a restarted server leaves dead connections in the pool
                pool_size=5,
                max_overflow=5,
                pool_timeout=timeout,
                connect_args={"timeout": timeout, "command_timeout": 30},
            )
        else:
            raise StorageStartError(
                f"storage error: DATABASE_URL driver {parsed.drivername!r} is not supported "
                "(use sqlite+aiosqlite:///path or postgresql+asyncpg://user:password@host/db)"
            )
        return cls(engine)

    @classmethod
    async def open(cls, url: str, timeout: float = CONNECT_TIMEOUT) -> "Database":
        """Create the engine, check the database answers and migrate its schema to the newest version."""
        database = cls.create(url, timeout)
        try:
            await database.migrate()
        except StorageStartError:
            await database.close()
            raise
        return database

    async def migrate(self) -> None:
        """Bring the schema up to date; replicas starting together on PostgreSQL take turns."""
        try:
            async with self.engine.begin() as connection:
                if self.dialect == "postgresql":
                    await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                await connection.run_sync(_upgrade)
        except FAULTS as error:
            where = safe_url(self.url)
            if self.dialect == "sqlite":
                raise StorageStartError(f"storage error: cannot use SQLite database {where}: {reason(error)}") from None
            raise StorageStartError(f"storage error: cannot reach {where}: {reason(error)}") from None

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction, committed on exit; database faults become ``StorageUnavailable``."""
        try:
            async with self.sessions.begin() as session:
                yield session
        except FAULTS as error:
            raise StorageUnavailable(reason(error)) from error


def upsert(database: Database, table: type[Any]) -> Any:
    """``INSERT`` with ``on_conflict_do_*`` for this backend (SQLite and PostgreSQL spell it alike)."""
    if database.dialect == "postgresql":
        return postgresql_insert(table)
    return sqlite_insert(table)
