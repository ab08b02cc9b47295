"""Several replicas against one real PostgreSQL behave as one bot.

The first test runs two real bot processes (``python -m bot`` in webhook mode, as behind a load balancer)
sharing one fake Bot API; the others run two Applications in this process, each with its own engine,
knowledge folder and database connections, which is all a replica has of its own.
"""

import asyncio
import os
import shutil
import sys
import time
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from bot.render.i18n import STRINGS
from tests.conftest import KNOWLEDGE, ROOT
from tests.knowledge_edits import add_model, break_knowledge
from tests.postgres import PostgresServer, free_port
from tests.stateful_bot import StatefulBot, stateful_bot
from tests.test_telegram import ADMIN, esc
from tests.test_telegram_network import FakeBotAPI
from tests.tg_fakes import TOKEN, UpdateFactory

LIMIT = 60.0  # seconds any one test may take
SECRET = "replica-test-secret"
PROPAGATION_LIMIT = 5.0


async def _wait(condition: object, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        await asyncio.sleep(0.02)


class Replica:
    """One ``python -m bot`` process in webhook mode; its log lines are collected as they come."""

    def __init__(self, name: str, knowledge: Path, url: str, api: FakeBotAPI, folder: Path) -> None:
        self.name, self.port, self.knowledge, self.folder = name, free_port(), knowledge, folder
        self.env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": f"http://127.0.0.1:{api.port}"}
        self.env |= {"MODE": "webhook", "WEBHOOK_URL": "https://bot.example.com/hook", "WEBHOOK_SECRET": SECRET}
        self.env |= {"PORT": str(self.port), "DATABASE_URL": url, "KNOWLEDGE_DIR": str(knowledge)}
        self.env |= {"ADMIN_IDS": str(ADMIN), "REPLICA_NAME": name, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO"}
        self.log: list[str] = []
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=self.folder, env=self.env, stdout=PIPE, stderr=PIPE
        )
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.log.append(line.decode(errors="replace"))

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def post(self, client: httpx.AsyncClient, update: dict) -> int:
        url = f"http://127.0.0.1:{self.port}/hook"
        try:
            response = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        except httpx.TransportError:
            return 0
        return response.status_code


async def test_a_reload_on_one_process_reaches_the_other_within_5_seconds(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    url = await postgres.create_database("replicas_processes")
    api = FakeBotAPI(free_port())
    await api.start()
    folders = {name: tmp_path / name / "knowledge" for name in "ab"}
    for folder in folders.values():
        shutil.copytree(KNOWLEDGE, folder)
    a, b = (Replica(name, folders[name], url, api, tmp_path / name) for name in "ab")
    make = UpdateFactory()
    async with AsyncExitStack() as stack, httpx.AsyncClient(timeout=5) as client:
        for replica in (a, b):
            stack.push_async_callback(replica.stop)
            await replica.start()
        stack.push_async_callback(api.stop)
        for replica in (a, b):  # up: the webhook answers, and it listens for the other's reloads
            await _wait(lambda r=replica: any("listening for other replicas" in line for line in r.log), "LISTEN", 30)
            assert await replica.post(client, make.message("o3", user_id=51)) == 200
        await _wait(lambda: len(api.sent) == 2, "both replicas to answer", 10)

        for folder in folders.values():  # the deployment ships the new files to every replica
            add_model(folder, "almanac-test-1", "Almanac Test One")
        started = time.monotonic()
        assert await a.post(client, make.message("/reload", user_id=ADMIN)) == 200
        await _wait(lambda: any(s["chat_id"] == str(ADMIN) for s in api.sent), "the /reload report", 10)

        async def b_knows() -> bool:
            before = len(api.sent)
            await b.post(client, make.message("what is Almanac Test One", user_id=52))
            await _wait(lambda: len(api.sent) > before, "replica b's answer", 5)
            return api.sent[-1]["text"].startswith("<b>Almanac Test One</b>")

        while not await b_knows():
            assert time.monotonic() - started < PROPAGATION_LIMIT, "replica b did not follow within 5 s"
            await asyncio.sleep(0.1)
        elapsed = time.monotonic() - started
    assert elapsed < PROPAGATION_LIMIT
    assert any("followed another replica's reload" in line for line in b.log), "".join(b.log)
    assert not any("Traceback" in line for line in a.log + b.log)


@asynccontextmanager
async def two_replicas(url: str, tmp_path: Path) -> AsyncIterator[tuple[StatefulBot, StatefulBot]]:
    async with AsyncExitStack() as stack:
        bots = []
        for name in "ab":
            knowledge = tmp_path / name
            shutil.copytree(KNOWLEDGE, knowledge)
            bot = await stack.enter_async_context(stateful_bot(url, knowledge, replica_name=name))
            await bot.stateful.start()
            assert bot.stateful.broadcast is not None
            await asyncio.wait_for(bot.stateful.broadcast.listening.wait(), 10)
            bots.append(bot)
        yield bots[0], bots[1]


async def test_a_replica_whose_reload_fails_tells_the_admin(postgres: PostgresServer, tmp_path: Path) -> None:
    url = await postgres.create_database("replicas_failure")
    async with two_replicas(url, tmp_path) as (a, b):
        add_model(a.store.directory, "almanac-test-1", "Almanac Test One")
        break_knowledge(b.store.directory)
        (report,) = await a.say("/reload", user_id=ADMIN, language_code="zh")
        assert "+ Almanac Test One" in report["text"]
        await _wait(lambda: bool(b.api.sent()), "replica b's report", 5)
    (told,) = b.api.sent()
    assert told["chat_id"] == ADMIN
    assert told["text"] == esc(STRINGS["replica_reload_failed"]["zh"].format(replica="b", count=1))
    assert "almanac-test-1" not in b.store.engine.knowledge.by_id  # b still serves what it had


async def test_two_replicas_announce_each_change_once(postgres: PostgresServer, tmp_path: Path) -> None:
    url = await postgres.create_database("replicas_announce")
    chats = list(range(3001, 3041))
    async with two_replicas(url, tmp_path) as (a, b):
        for chat in chats:
            await (a if chat % 2 else b).say("/subscribe", user_id=chat)
        for bot in (a, b):
            add_model(bot.store.directory, "almanac-test-1", "Almanac Test One")
            bot.api.clear()
        await a.say("/reload", user_id=ADMIN)
        await _wait(lambda: "almanac-test-1" in b.store.engine.knowledge.by_id, "b to follow", 5)
        for bot in (a, b):  # both ran a pass (a after its reload, b after following it); and once more each
            await bot.stateful.announcer.idle()
            await bot.stateful.announcer.deliver()
    announced = [int(p["chat_id"]) for bot in (a, b) for p in bot.api.sent() if int(p["chat_id"]) in chats]
    assert sorted(announced) == chats  # every chat once, whichever replica sent it
