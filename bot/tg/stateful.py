"""The features that need the database, wired onto one Application: subscriptions and announcements,
insights and ``/stats``, and (on PostgreSQL) reloads that reach every replica.

``install`` registers the commands in a handler group that runs before the general ones, adds the follow-ups
of "a new snapshot is live" to the knowledge store, and keeps itself in ``bot_data`` so that start-up and
shutdown (``post_init`` / ``post_shutdown``) and the tests can find it.
"""

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, filters

from bot.engine.normalize import Lang
from bot.insights import Insights
from bot.render.i18n import tr
from bot.replicas import ReloadBroadcast
from bot.storage import Database
from bot.store import KnowledgeStore
from bot.tg.announcements import Announcer
from bot.tg.handlers import Handlers
from bot.tg.stats import StatsCommand
from bot.tg.subscriptions import SubscriptionCommands

log = logging.getLogger(__name__)

KEY = "stateful"
GROUP = -1  # before the general handlers, which answer unknown commands in private chats with help
FLUSH_SECONDS = 10.0  # insights are written this often
ANNOUNCE_SECONDS = 60.0  # announcements left over (retries, a crash's claims) are looked at this often


class Stateful:
    def __init__(
        self, application: Application, handlers: Handlers, store: KnowledgeStore, database: Database, name: str
    ) -> None:
        self.application, self.store, self.database = application, store, database
        self.insights = Insights(database)
        self.announcer = Announcer(database, application.bot, store)
        self.subscriptions = SubscriptionCommands(database)
        self.broadcast = (
            ReloadBroadcast(database, store, name, self._report) if database.dialect == "postgresql" else None
        )
        self._loops: list[asyncio.Task[None]] = []
        handlers.on_answer = self.insights.record
        store.on_live.append(self.announcer.on_live)
        if self.broadcast is not None:
            store.on_request.append(self.broadcast.publish)
        fresh = filters.UpdateType.MESSAGE
        stats = StatsCommand(self.insights, handlers.admin_ids)
        for command, callback in (
            ("subscribe", self.subscriptions.subscribe),
            ("unsubscribe", self.subscriptions.unsubscribe),
            ("stats", stats.stats),
        ):
            application.add_handler(CommandHandler(command, callback, filters=fresh), group=GROUP)
        application.bot_data[KEY] = self

    @staticmethod
    def of(application: Application) -> "Stateful | None":
        found = application.bot_data.get(KEY)
        return found if isinstance(found, Stateful) else None

    async def start(self) -> None:
        """Listen to other replicas, write insights and look for undelivered announcements periodically."""
        if self.broadcast is not None:
            await self.broadcast.start()
        self._loops = [
            asyncio.create_task(_every(FLUSH_SECONDS, self.insights.flush)),
            asyncio.create_task(_every(ANNOUNCE_SECONDS, self._kick)),
        ]
        self.announcer.kick()  # resume what a restart interrupted

    async def _kick(self) -> None:
        self.announcer.kick()

    async def stop(self) -> None:
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        if self.broadcast is not None:
            await self.broadcast.stop()
        await self.announcer.stop()
        await self.insights.flush()
        await self.database.close()

    async def _report(self, chat_id: int, lang: Lang, key: str, values: dict[str, Any]) -> None:
        try:
            await self.application.bot.send_message(chat_id, html.escape(tr(key, lang, **values), quote=False))
        except TelegramError as error:
            log.warning("could not tell chat %s about a replica's reload: %s", chat_id, error)


async def _every(seconds: float, work: Callable[[], Awaitable[Any]]) -> None:
    """Run ``work`` every ``seconds``; database faults are handled inside it, anything else is a bug: logged."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await work()
        except Exception:
            log.exception("periodic %s failed", getattr(work, "__qualname__", work))
