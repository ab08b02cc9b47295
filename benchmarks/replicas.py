"""Announcement fan-out to 100 subscribed chats, and /reload propagation between two replicas.

Fan-out: the time from a reload that adds a model until every subscribed chat has had its announcement,
through the real Application and its rate limiter (PTB's AIORateLimiter: 30 messages a second overall),
against an offline Bot API that takes ``--latency`` ms per sendMessage, on SQLite and on PostgreSQL.
Propagation: two replicas (two Applications in this process, each with its own engine, knowledge folder and
database connections) on one PostgreSQL; the time from a /reload on one until the other serves the new
version (both reload at once: the notice goes out as the reload starts). PostgreSQL is started in a temporary folder, as the tests do.

Run: python -m benchmarks.replicas [--chats 100] [--latency 30] [--reloads 10]
"""

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.store import ReloadRequest
from tests.conftest import KNOWLEDGE
from tests.knowledge_edits import add_model
from tests.postgres import PostgresServer
from tests.stateful_bot import stateful_bot
from tests.test_telegram import ADMIN


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


async def propagation(url: str, folder: Path, reloads: int) -> tuple[list[float], list[float]]:
    """(a's own reload times, and b's: from the /reload on a until b serves the new version)."""
    own, timings = [], []
    async with (
        stateful_bot(url, _copy(folder / "a"), replica_name="a") as a,
        stateful_bot(url, _copy(folder / "b"), replica_name="b") as b,
    ):
        bots = [a, b]
        for bot in bots:
            await bot.stateful.start()
            assert bot.stateful.broadcast is not None
            await asyncio.wait_for(bot.stateful.broadcast.listening.wait(), 10)
        for i in range(reloads):
            for bot in bots:
                with (bot.store.directory / "vendors.yaml").open("a", encoding="utf-8") as out:
                    out.write(f"# bench {i}\n")  # a new version on both
            started = time.perf_counter()
            await a.store.reload(ReloadRequest(ADMIN))
            own.append(time.perf_counter() - started)
            while b.store.version != a.store.version:
                await asyncio.sleep(0.001)
            timings.append(time.perf_counter() - started)
    return own, timings


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
            own, timings = await propagation(await server.create_database("prop"), root / "r", reloads)
            for label, values in (("/reload on a: a's own reload", own), ("until b serves the new version", timings)):
                ms = sorted(t * 1000 for t in values)
                print(
                    f"{label}, {reloads} reloads: median {statistics.median(ms):.0f} ms, "
                    f"min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms"
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
