"""Several replicas behave as one bot: a ``/reload`` on one reaches all, through PostgreSQL LISTEN/NOTIFY.

The replica asked to reload publishes ``{origin, version, chat_id, lang}`` on the channel ``almanac_reload``
as it starts its own reload (``version`` is the hash of its files), so all replicas reload at the same time.
Every other replica hears it on a dedicated connection, reloads its own ``KNOWLEDGE_DIR``, and if that fails,
or its files hash to another version, tells the admin's chat itself (every replica has the bot token). The listening connection is
re-opened when the database goes away; a notice sent while it was away is missed (the next /reload
brings that replica up to date; so does a restart).
"""

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
from sqlalchemy import text

from bot.engine.normalize import Lang
from bot.kb import KnowledgeLoadError
from bot.kb.version import knowledge_version
from bot.storage import Database, StorageUnavailable
from bot.storage.database import CONNECT_TIMEOUT
from bot.storage.throttled import ThrottledWarning
from bot.store import KnowledgeStore, ReloadRequest

log = logging.getLogger(__name__)

CHANNEL = "almanac_reload"
RETRY_SECONDS = 2.0  # between attempts to re-open the listening connection
PING_SECONDS = 10.0  # how often an idle listening connection is checked

# (chat_id, lang, message key, values) → tell the admin; supplied by the Telegram layer
Report = Callable[[int, Lang, str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ReloadNotice:
    origin: str
    version: str
    chat_id: int | None
    lang: Lang


class ReloadBroadcast:
    """Publishes this replica's reloads and follows the others'. PostgreSQL only."""

    def __init__(self, database: Database, store: KnowledgeStore, name: str, report: Report) -> None:
        self.database, self.store, self.name, self.report = database, store, name, report
        self.origin = uuid.uuid4().hex  # unique per process, so a replica ignores its own notices
        self.listening = asyncio.Event()  # set while the listening connection is open
        self._task: asyncio.Task[None] | None = None
        self._followers: set[asyncio.Task[None]] = set()
        self._warn = ThrottledWarning(log)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever())

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._followers) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def publish(self, request: ReloadRequest) -> None:
        """``on_request``: tell the other replicas about a reload asked of this one (not one it follows)."""
        if request.origin is not None:
            return
        version = await asyncio.to_thread(knowledge_version, self.store.directory)
        notice = ReloadNotice(self.origin, version, request.chat_id, request.lang)
        try:
            async with self.database.transaction() as session:
                await session.execute(
                    text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": CHANNEL, "payload": json.dumps(asdict(notice))},
                )
        except StorageUnavailable as error:
            log.warning("database unavailable: other replicas did not hear of this reload: %s", error)

    def _dsn(self) -> str:
        return self.database.url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def _listen_forever(self) -> None:
        while True:
            try:
                connection = await asyncpg.connect(self._dsn(), timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, asyncpg.PostgresError) as error:
                self._warn("database unavailable: not listening for other replicas' reloads: %s", error)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
            try:
                await connection.add_listener(CHANNEL, self._heard)
                self.listening.set()
                log.info("listening for other replicas' reloads")
                while not lost.is_set():  # closed by the server: at once; died quietly: noticed by the ping
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), PING_SECONDS)
                        break
                    await connection.execute("SELECT 1", timeout=CONNECT_TIMEOUT)
                self._warn("lost the connection listening for other replicas' reloads")
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                self._warn("lost the connection listening for other replicas' reloads: %s", error)
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    connection.terminate()
            await asyncio.sleep(RETRY_SECONDS)

    def _heard(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            notice = ReloadNotice(**json.loads(payload))
            if notice.lang not in ("zh", "en"):
                raise ValueError(notice.lang)
        except (TypeError, ValueError):
            log.warning("ignored a malformed reload notice")
            return
        if notice.origin == self.origin:
            return
        task = asyncio.create_task(self._follow(notice))
        self._followers.add(task)
        task.add_done_callback(self._followers.discard)

    async def _follow(self, notice: ReloadNotice) -> None:
        result = await self.store.reload(ReloadRequest(notice.chat_id, notice.lang, notice.origin))
        if isinstance(result, KnowledgeLoadError):
            log.error("following another replica's reload failed: %s", result)
            if notice.chat_id is not None:
                values = {"replica": self.name, "count": len(result.errors)}
                await self.report(notice.chat_id, notice.lang, "replica_reload_failed", values)
            return
        log.info("followed another replica's reload: version %s", self.store.content_hash[:12])
        if self.store.content_hash != notice.version and notice.chat_id is not None:
            values = {"replica": self.name, "version": self.store.content_hash[:12]}
            await self.report(notice.chat_id, notice.lang, "replica_version_differs", values)
