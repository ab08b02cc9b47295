"""Fairness between chats, through the real Application: updates enter by ``update_queue`` as polling and
the webhook deliver them, so they pass PTB's update processor (``ChatQueues``) and the real rate limiter."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.engine import Engine
from bot.kb import KnowledgeBase
from bot.render.i18n import STRINGS
from bot.store import KnowledgeStore
from bot.tg.app import build_application
from bot.tg.chat_queues import MAX_PENDING, ChatQueues
from tests.conftest import KNOWLEDGE
from tests.test_telegram import GROUP, make_settings
from tests.tg_fakes import RecordingRequest, UpdateFactory

FLOOD = 300
TELEGRAM_GROUP_BUDGET = 20  # messages a minute Telegram allows in one group
STOP_LIMIT = 10.0  # seconds from stopping to a finished shutdown


@pytest.fixture(scope="module")
def engine(knowledge: KnowledgeBase) -> Engine:
    return Engine(knowledge)


@asynccontextmanager
async def serving(engine: Engine) -> AsyncIterator[tuple[Application, RecordingRequest]]:
    """The application started as run_polling starts it; stopped as it stops it (stop, post_stop, shutdown)."""
    api = RecordingRequest()
    app = build_application(make_settings(), KnowledgeStore(KNOWLEDGE, engine), request=api)
    await app.initialize()
    await app.start()
    try:
        yield app, api
    finally:
        if app.running:
            await asyncio.wait_for(stop(app), STOP_LIMIT)


async def stop(app: Application) -> None:
    await app.stop()
    assert app.post_stop is not None
    await app.post_stop(app)
    await app.shutdown()


async def deliver(app: Application, payload: dict[str, Any]) -> None:
    await app.update_queue.put(Update.de_json(payload, app.bot))


async def until(condition: Any, what: str, limit: float = 20.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(poll(), limit)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


def to_chat(api: RecordingRequest, chat_id: int) -> list[dict[str, Any]]:
    return [params for params in api.sent() if params["chat_id"] == chat_id]


async def test_a_flooding_group_never_delays_a_private_answer(engine: Engine) -> None:
    """300 × /latest in one group, then one private question: the private answer is sent before the
    group's 21st reply (Telegram sends a group at most 20 a minute, so a reply queued behind those waits),
    the group hears "slow down" once, and none of PTB's shared slots is held by the waiting group."""
    make = UpdateFactory()
    async with serving(engine) as (app, api):
        for i in range(FLOOD):
            await deliver(app, make.message("/latest", chat_type="supergroup", chat_id=GROUP, user_id=500 + i % 3))
        await deliver(app, make.message("what is o3", user_id=42))
        await until(lambda: to_chat(api, 42), "the private answer")
        private_at = next(i for i, params in enumerate(api.sent()) if params["chat_id"] == 42)
        group_before = [p for p in api.sent()[:private_at] if p["chat_id"] == GROUP]
        assert len(group_before) <= TELEGRAM_GROUP_BUDGET
        assert api.sent()[private_at]["text"].startswith("<b>o3</b>")
        assert isinstance(app.update_processor, ChatQueues) and app.update_processor.current_concurrent_updates == 0
        await until(lambda: app.update_processor.busy_chats == 0, "the group's lane to empty")  # type: ignore[attr-defined]

    group = to_chat(api, GROUP)
    notices = [p for p in group if p["text"] == STRINGS["too_fast"]["en"]]
    assert len(notices) == 1
    assert len(group) - 1 <= MAX_PENDING + 1  # the reply being sent and those waiting; the rest dropped


async def test_stopping_cancels_a_stuck_chat_within_ten_seconds(engine: Engine) -> None:
    """A group whose sends hang (Telegram throttling it) and a private chat with a slow answer: stopping
    finishes the private answer, cancels the group's work, and is done within 10 s."""
    make = UpdateFactory()
    async with serving(engine) as (app, api):
        api.slow[GROUP] = 3600.0
        api.slow[43] = 0.3
        for _ in range(5):
            await deliver(app, make.message("/latest 2", chat_type="supergroup", chat_id=GROUP))
        await deliver(app, make.message("o4-mini", user_id=43))
        await asyncio.sleep(0.1)  # both lanes are now waiting on their sends
        await asyncio.wait_for(stop(app), STOP_LIMIT)
    (private,) = to_chat(api, 43)
    assert private["text"].startswith("<b>o4-mini</b>")
    assert to_chat(api, GROUP) == []


async def test_a_newer_inline_query_replaces_the_waiting_ones(engine: Engine) -> None:
    """Telegram shows only the answer to a user's latest inline query: older ones still queued are dropped."""
    make = UpdateFactory()
    async with serving(engine) as (app, api):
        api.slow[0] = 0.3  # answerInlineQuery has no chat: the first answer is slow
        await deliver(app, make.inline("o", user_id=77))
        await asyncio.sleep(0.1)  # being answered while the user keeps typing
        for query in ("o3", "o3 vs", "o3 vs o4", "o3 vs o4-mini"):
            await deliver(app, make.inline(query, user_id=77))
        await until(lambda: len(api.of("answerInlineQuery")) == 2, "two inline answers")
        await asyncio.sleep(0.1)
    answered = api.of("answerInlineQuery")
    assert len(answered) == 2
    assert {r["id"] for r in answered[-1]["results"]} == {"o3", "o4-mini"}
