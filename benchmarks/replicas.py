"""Announcement fan-out to 100 subscribed chats, and /reload propagation between two replicas.

Fan-out: the time from a reload that adds a model until every subscribed chat has had its announcement,
through the real Application and its rate limiter (PTB's AIORateLimiter: 30 messages a second overall),
against an offline Bot API that takes ``--latency`` ms per sendMessage, on SQLite and on PostgreSQL.
Propagation: two replicas (two ``python -m bot`` processes in webhook mode, each with its own knowledge folder)
on one PostgreSQL and one fake Bot API; the time from posting /reload to one until the other answers a
question with the model the reload added (both reload at once: the notice goes out as the reload starts). PostgreSQL is started in a temporary folder, as the tests do.

Run: python -m benchmarks.replicas [--chats 100] [--latency 30] [--reloads 10]
"""

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx

from bot.store import ReloadRequest
from tests.conftest import KNOWLEDGE
from tests.knowledge_edits import add_model
from tests.postgres import PostgresServer, free_port
from tests.stateful_bot import stateful_bot
from tests.test_replicas import Replica
from tests.test_telegram import ADMIN
from tests.test_telegram_network import FakeBotAPI
from tests.tg_fakes import UpdateFactory


async def fan_out(url: str, folder: Path, chats: int, latency: float) -> tuple[float, float]:
    """(the reload, then the announcements: from the reload's end until the last chat has had its message)"""
    knowledge = folder / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    async with stateful_bot(url, knowledge) as bot:
        for chat in range(10_000, 10_000 + chats):
            await bot.say("/subscribe", user_id=chat)

        async def slow(_params: dict[str, Any]) -> None:
            await asyncio.sleep(latency / 1000)

        bot.api.before_send = slow
        add_model(knowledge, "almanac-bench-1", "Almanac Bench One")
        bot.api.clear()
        started = time.perf_counter()
        await bot.store.reload(ReloadRequest(ADMIN))  # records the news and starts the pass in the background
        reloaded = time.perf_counter()
        await bot.stateful.announcer.idle()
        done = time.perf_counter()
        assert bot.stateful.announcer.last["sent"] == chats, bot.stateful.announcer.last
    return reloaded - started, done - reloaded


async def propagation(url: str, folder: Path, reloads: int) -> list[float]:
    """Seconds from posting /reload to replica a until replica b answers with the model it added, for each
    reload: two real ``python -m bot`` processes in webhook mode, as in tests/test_replicas.py."""
    api = FakeBotAPI(free_port())
    await api.start()
    folders = {name: _copy(folder / name / "knowledge") for name in "ab"}
    a, b = (Replica(name, folders[name], url, api, folder / name) for name in "ab")
    make = UpdateFactory()
    timings = []
    async with AsyncExitStack() as stack, httpx.AsyncClient(timeout=10) as client:
        for replica in (a, b):
            stack.push_async_callback(replica.stop)
            await replica.start()
        stack.push_async_callback(api.stop)
        for replica in (a, b):
            while not any("listening for other replicas" in line for line in replica.log):
                await asyncio.sleep(0.05)
        for i in range(reloads):
            name = f"Almanac Bench {i}"
            for knowledge in folders.values():
                add_model(knowledge, f"almanac-bench-{i}", name)
            started = time.perf_counter()
            await a.post(client, make.message("/reload", user_id=ADMIN))
            while True:
                before = len(api.sent)
                await b.post(client, make.message(f"what is {name}", user_id=52))
                while len(api.sent) == before:
                    await asyncio.sleep(0.01)
                if any(s["text"].startswith(f"<b>{name}</b>") for s in api.sent[before:]):
                    break
                await asyncio.sleep(0.05)
            timings.append(time.perf_counter() - started)
    return timings


def _copy(target: Path) -> Path:
    shutil.copytree(KNOWLEDGE, target)
    return target


async def main(chats: int, latency: float, reloads: int) -> None:
    server = PostgresServer.create()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            for kind, url in (
                ("SQLite", f"sqlite+aiosqlite:///{root / 'fan.db'}"),
                ("PostgreSQL", await server.create_database("fan")),
            ):
                reload, sends = await fan_out(url, root / kind, chats, latency)
                print(
                    f"{kind}: announcements to {chats} chats ({latency:.0f} ms per send) {sends:.2f} s "
                    f"after the reload ({reload:.2f} s) returned"
                )
            timings = await propagation(await server.create_database("prop"), root / "r", reloads)
            ms = sorted(t * 1000 for t in timings)
            print(
                f"/reload posted to process a until process b answers with the new model, {reloads} reloads: "
                f"median {statistics.median(ms):.0f} ms, min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms"
            )
    finally:
        server.destroy()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--latency", type=float, default=30.0, help="ms the fake Bot API takes per send")
    parser.add_argument("--reloads", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.chats, args.latency, args.reloads))
