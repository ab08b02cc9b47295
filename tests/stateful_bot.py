"""A bot with a database, driven like tests/test_telegram.py's: real Updates in, recorded Bot API calls out."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.storage import Database
from bot.storage.tables import Subscription
from bot.store import KnowledgeStore
from bot.tg.app import build_application
from bot.tg.stateful import Stateful
from tests.test_telegram import Bot, make_settings
from tests.tg_fakes import RecordingRequest, UpdateFactory


@dataclass
class StatefulBot(Bot):
    stateful: Stateful
    database: Database

    async def subscriptions(self) -> dict[int, str]:
        async with self.database.transaction() as session:
            rows = await session.execute(select(Subscription.chat_id, Subscription.lang))
            return dict(rows.all())

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [params for params in self.api.sent() if int(params["chat_id"]) == chat_id]


@asynccontextmanager
async def stateful_bot(
    url: str, knowledge: Path, store: KnowledgeStore | None = None, **settings: Any
) -> AsyncIterator[StatefulBot]:
    """An initialised Application with its own Database on ``url`` (as one replica would have)."""
    database = await Database.open(url, timeout=settings.pop("timeout", 5.0))
    store = store or KnowledgeStore.load(knowledge)
    api = RecordingRequest()
    app = build_application(
        make_settings(knowledge_dir=knowledge, **settings),
        store,
        request=api,
        get_updates_request=RecordingRequest(),
        database=database,
    )
    await app.initialize()
    api.clear()
    stateful = Stateful.of(app)
    assert stateful is not None
    try:
        yield StatefulBot(app, api, UpdateFactory(), store, stateful, database)
    finally:
        await stateful.stop()
        await app.shutdown()
