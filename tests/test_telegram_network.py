"""The real update loops over real sockets, all on 127.0.0.1: polling against a tiny fake Bot API server
(which goes away and comes back), and PTB's webhook server receiving posted updates.

Every wait is bounded (``asyncio.wait_for``), so a regression fails fast instead of hanging.
"""

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import time
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.engine import Engine
from bot.kb import KnowledgeBase
from bot.store import KnowledgeStore
from bot.tg.app import build_application
from tests.conftest import KNOWLEDGE
from tests.tg_fakes import GET_ME, TOKEN, RecordingRequest, UpdateFactory

LIMIT = 20.0  # seconds any one test may take, at most


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FakeBotAPI:
    """A minimal HTTP/1.1 Bot API: answers /bot<token>/<method>, serves queued updates, records sends.

    ``stop()`` closes the listening socket and every open connection (the server "goes away");
    ``start()`` listens again on the same port. Its state survives, like Telegram's would.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, str]] = []
        self.methods: list[str] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._message_ids = iter(range(9000, 10000))
        self.reject_token = False
        self.send_delay: dict[str, float] = {}  # chat id → seconds a sendMessage to it takes (a throttled chat)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while request_line := await reader.readline():
                _, path, _ = request_line.decode("latin-1").split(" ", 2)
                headers = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if self.reject_token:
                    status, answer = "401 Unauthorized", {"ok": False, "error_code": 401, "description": "Unauthorized"}
                else:
                    status, answer = (
                        "200 OK",
                        {"ok": True, "result": await self._answer(path, dict(parse_qsl(body.decode())))},
                    )
                payload = json.dumps(answer).encode()
                head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
                writer.write(head.encode() + payload)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(self, path: str, params: dict[str, str]) -> Any:
        assert path.startswith(f"/bot{TOKEN}/"), path
        method = path.rsplit("/", 1)[-1]
        self.methods.append(method)
        if method == "getMe":
            return GET_ME
        if method == "getUpdates":
            offset = int(params.get("offset", "0"))
            deadline = time.monotonic() + 0.3  # a short long-poll
            while time.monotonic() < deadline:
                if pending := [u for u in self.updates if u["update_id"] >= offset]:
                    return pending
                await asyncio.sleep(0.02)
            return []
        if method == "sendMessage":
            await asyncio.sleep(self.send_delay.get(params["chat_id"], 0.0))
            self.sent.append(params)
            chat = {"id": int(params["chat_id"]), "type": "private", "first_name": "Ada"}
            return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat, "text": "x"}
        return True  # deleteWebhook, setMyCommands, answerCallbackQuery …


@pytest.fixture(scope="module")
def engine(knowledge: KnowledgeBase) -> Engine:
    return Engine(knowledge)


async def wait_until(condition: Any, what: str) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    try:
        await asyncio.wait_for(poll(), LIMIT / 2)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


@contextlib.asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    await app.initialize()
    await app.start()
    try:
        yield app
    finally:
        if app.updater and app.updater.running:
            await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_polling_survives_the_api_going_away(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    api = FakeBotAPI(free_port())
    await api.start()
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, telegram_api_url=f"http://127.0.0.1:{api.port}")  # type: ignore[call-arg]
    app = build_application(settings, KnowledgeStore(KNOWLEDGE, engine))
    make = UpdateFactory()

    async def scenario() -> None:
        async with running(app):
            assert app.updater is not None
            api.updates.append(make.message("o3", user_id=11))
            await app.updater.start_polling(
                poll_interval=0,
                timeout=1,
                bootstrap_retries=-1,
                # as run_polling does: fetch errors go to the application's error handler
                error_callback=lambda error: app.create_task(app.process_error(None, error)),  # type: ignore[arg-type]
            )
            await wait_until(lambda: len(api.sent) == 1, "the first answer")

            await api.stop()  # Telegram goes away …
            await asyncio.sleep(0.3)
            api.updates.append(make.message("gpt-5", user_id=12))
            await api.start()  # … and comes back
            await wait_until(lambda: len(api.sent) == 2, "the answer after reconnecting")

    with caplog.at_level(logging.WARNING):
        await asyncio.wait_for(scenario(), LIMIT)
    assert [s["chat_id"] for s in api.sent] == ["11", "12"]
    ours = [r for r in caplog.records if r.name == "bot.tg.handlers"]
    assert ours and all(r.levelno == logging.WARNING and r.exc_info is None for r in ours)  # brief, no traceback
    assert api.sent[0]["text"].startswith("<b>o3</b>") and api.sent[1]["text"].startswith("<b>GPT-5</b>")
    assert api.sent[0]["parse_mode"] == "HTML"
    assert api.methods[0] == "getMe" and "deleteWebhook" in api.methods  # bootstrap before polling


async def test_webhook_requires_the_secret_token(engine: Engine) -> None:
    fake = RecordingRequest()
    port = free_port()
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN)  # type: ignore[call-arg]
    app = build_application(settings, KnowledgeStore(KNOWLEDGE, engine), request=fake, get_updates_request=fake)
    make = UpdateFactory()
    url = f"http://127.0.0.1:{port}/hook"

    async def scenario() -> None:
        async with running(app):
            assert app.updater is not None
            await app.updater.start_webhook(
                listen="127.0.0.1",
                port=port,
                url_path="hook",
                webhook_url="https://bot.example.com/hook",
                secret_token="s3cret-token_1",
                bootstrap_retries=0,
            )
            async with httpx.AsyncClient(timeout=5) as client:
                unsigned = await client.post(url, json=make.message("o3", user_id=21))
                wrong = await client.post(
                    url, json=make.message("o3", user_id=22), headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
                )
                signed = await client.post(
                    url,
                    json=make.message("o4-mini", user_id=23),
                    headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token_1"},
                )
            assert (unsigned.status_code, wrong.status_code, signed.status_code) == (403, 403, 200)
            await wait_until(lambda: len(fake.sent()) == 1, "the webhook update's answer")

    await asyncio.wait_for(scenario(), LIMIT)
    (sent,) = fake.sent()
    assert sent["chat_id"] == 23 and sent["text"].startswith("<b>o4-mini</b>")
    (registered,) = fake.of("setWebhook")
    assert registered["url"] == "https://bot.example.com/hook" and registered["secret_token"] == "s3cret-token_1"


RUN_BOT = (
    "import sys; from bot.config import load_settings; from bot.tg import run_bot; sys.exit(run_bot(load_settings()))"
)


@asynccontextmanager
async def bot_process(api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """``run_bot`` in its own process (it owns the event loop and the signal handlers), against ``api``;
    killed and the fake API stopped on the way out, whatever happened."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": f"http://127.0.0.1:{api.port}"}
    env |= {"KNOWLEDGE_DIR": str(KNOWLEDGE), "MODE": "polling", "PYTHONPATH": str(KNOWLEDGE.parent)}
    await api.start()
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUN_BOT, cwd=tmp_path, env=env, stdout=PIPE, stderr=PIPE
    )
    try:
        yield bot
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()
        await api.stop()


async def test_run_bot_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    api = FakeBotAPI(free_port())
    api.updates.append(UpdateFactory().message("o3", user_id=31))
    async with bot_process(api, tmp_path) as bot:
        await wait_until(lambda: len(api.sent) == 1, "the bot process to answer")
        assert "setMyCommands" in api.methods  # post_init ran
        bot.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(bot.communicate(), LIMIT / 2)
    assert bot.returncode == 0, err.decode()
    assert TOKEN not in err.decode() and "text chat=private intent=card" in err.decode()


async def test_run_bot_answers_and_stops_within_ten_seconds_during_a_group_flood(tmp_path: Path) -> None:
    """The issue's scenario in a real process: 300 × /latest in a group whose sends hang, then a private
    question. The private answer comes, and SIGTERM stops the bot within 10 s with exit code 0."""
    api = FakeBotAPI(free_port())
    make = UpdateFactory()
    group = -1001234567890
    api.send_delay[str(group)] = 60.0
    api.updates += [make.message("/latest", chat_type="supergroup", chat_id=group) for _ in range(300)]
    api.updates.append(make.message("o3", user_id=32))
    async with bot_process(api, tmp_path) as bot:
        await wait_until(lambda: any(s["chat_id"] == "32" for s in api.sent), "the private answer")
        started = time.monotonic()
        bot.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(bot.communicate(), LIMIT / 2)
        stopped_in = time.monotonic() - started
    assert bot.returncode == 0, err.decode()
    assert stopped_in < 10.0
    assert "updates left unanswered" in err.decode() and TOKEN not in err.decode()


async def test_run_bot_exits_2_when_telegram_rejects_the_token(tmp_path: Path) -> None:
    api = FakeBotAPI(free_port())
    api.reject_token = True
    async with bot_process(api, tmp_path) as bot:
        _, err = await asyncio.wait_for(bot.communicate(), LIMIT / 2)
    assert bot.returncode == 2
    lines = err.decode().splitlines()
    assert lines[-1] == "configuration error: TELEGRAM_BOT_TOKEN: rejected by Telegram"
    assert all(" INFO " in line for line in lines[:-1])  # no traceback, only the start-up lines before it
    assert TOKEN not in err.decode()


async def test_run_bot_warns_while_the_bot_api_is_unreachable(tmp_path: Path) -> None:
    """Nothing listens at TELEGRAM_API_URL: every failed attempt is a WARNING at the default level, and
    SIGTERM still stops the bot cleanly while it waits to retry."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}"}
    env |= {"KNOWLEDGE_DIR": str(KNOWLEDGE), "MODE": "polling", "PYTHONPATH": str(KNOWLEDGE.parent)}
    env.pop("LOG_LEVEL", None)
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUN_BOT, cwd=tmp_path, env=env, stdout=PIPE, stderr=PIPE
    )
    warnings: list[str] = []
    try:
        assert bot.stderr is not None
        while len(warnings) < 2:
            line = (await asyncio.wait_for(bot.stderr.readline(), LIMIT / 2)).decode()
            assert line, "the bot exited before warning twice"
            if " WARNING " in line:
                warnings.append(line)
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.communicate(), LIMIT / 2)
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()
    assert bot.returncode == 0
    assert all("getMe: the Bot API was not reached (attempt" in w and TOKEN not in w for w in warnings)
    assert "attempt 1:" in warnings[0] and "attempt 2:" in warnings[1]


async def test_run_bot_exits_1_when_the_knowledge_is_broken(tmp_path: Path) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "KNOWLEDGE_DIR": str(tmp_path / "missing")}
    env |= {"MODE": "polling", "PYTHONPATH": str(KNOWLEDGE.parent)}
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUN_BOT, cwd=tmp_path, env=env, stdout=PIPE, stderr=PIPE
    )
    _, err = await asyncio.wait_for(bot.communicate(), LIMIT / 2)
    assert bot.returncode == 1 and "knowledge directory not found" in err.decode()
