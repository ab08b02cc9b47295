"""Faults: the database going away (PostgreSQL stopped) or locked (SQLite), and coming back; a corrupt SQLite
file or an unreachable DATABASE_URL at start. Questions are answered throughout."""

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.render.i18n import STRINGS
from tests.conftest import ROOT
from tests.knowledge_edits import add_model
from tests.postgres import PostgresServer, free_port
from tests.stateful_bot import StatefulBot, stateful_bot
from tests.test_telegram import ADMIN, esc
from tests.tg_fakes import TOKEN

UNAVAILABLE = esc(STRINGS["storage_unavailable"]["en"])


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own, to stop and start again."""
    server = PostgresServer.create()
    yield server
    server.destroy()


async def _still_answers(bot: StatefulBot) -> None:
    (card,) = await bot.say("what is gemini 2.5 pro", user_id=ADMIN)
    assert card["text"].startswith("<b>Gemini 2.5 Pro</b>")


async def _degrades(bot: StatefulBot, caplog: pytest.LogCaptureFixture, *, can_read: bool = False) -> None:
    """Down: answers go on, insights are dropped with one warning, the commands that need the database say so
    (``can_read``: a locked SQLite in WAL mode still serves reads, so /stats still answers)."""
    caplog.clear()
    for _ in range(3):
        await _still_answers(bot)
        assert await bot.stateful.insights.flush() is False
    dropped = [r for r in caplog.records if "insights dropped" in r.getMessage()]
    assert len(dropped) == 1 and dropped[0].levelno == logging.WARNING and not dropped[0].exc_info
    (subscribe,) = await bot.say("/subscribe", user_id=ADMIN)
    (stats,) = await bot.say("/stats", user_id=ADMIN)
    assert subscribe["text"] == UNAVAILABLE
    assert stats["text"].startswith("<pre>") if can_read else stats["text"] == UNAVAILABLE


async def _recovers(bot: StatefulBot) -> None:
    await _still_answers(bot)
    assert await bot.stateful.insights.flush() is True
    (subscribe,) = await bot.say("/subscribe", user_id=ADMIN)
    assert subscribe["text"] == esc(STRINGS["subscribed"]["en"])
    (stats,) = await bot.say("/stats", user_id=ADMIN)
    assert "card: 1" in stats["text"]  # counted after the database came back; the dropped ones are gone


async def test_postgresql_going_away_and_coming_back(
    own_postgres: PostgresServer, knowledge_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = await own_postgres.create_database("almanac")
    async with stateful_bot(url, knowledge_copy, timeout=2.0) as bot:
        await bot.stateful.start()
        listener = bot.stateful.broadcast
        assert listener is not None
        await asyncio.wait_for(listener.listening.wait(), 10)
        await _still_answers(bot)
        own_postgres.stop()
        await _degrades(bot, caplog)
        add_model(knowledge_copy, "almanac-test-1", "Almanac Test One")
        (reload,) = await bot.say("/reload", user_id=ADMIN)  # the reload itself works; its news cannot be kept
        assert "+ Almanac Test One" in reload["text"]
        assert not listener.listening.is_set()  # noticed the lost connection at once, not at the next ping
        own_postgres.start()
        await _recovers(bot)
        await asyncio.wait_for(listener.listening.wait(), 10)  # listening again for other replicas' reloads


async def test_sqlite_locked_and_released(
    tmp_path: Path, knowledge_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "almanac.db"
    async with stateful_bot(f"sqlite+aiosqlite:///{path}", knowledge_copy, timeout=0.2) as bot:
        await _still_answers(bot)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            await _degrades(bot, caplog, can_read=True)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await _recovers(bot)


def _start_bot(tmp_path: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    """``python -m bot`` with a token: the database is opened before anything touches the network."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    env |= {"KNOWLEDGE_DIR": str(ROOT / "knowledge"), "PYTHONPATH": str(ROOT)}
    env["TELEGRAM_API_URL"] = f"http://127.0.0.1:{free_port()}"  # nobody listens: never reached
    return subprocess.run(
        [sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def test_a_corrupt_sqlite_file_at_start_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "almanac.db").write_bytes(b"\x00corrupt" * 2000)
    done = _start_bot(tmp_path, "")  # blank: the default data/almanac.db
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("storage error: cannot use SQLite database") and "data/almanac.db" in done.stderr
    assert "file is not a database" in done.stderr


def test_an_unreachable_database_url_at_start_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = _start_bot(tmp_path, f"postgres://almanac:s3cret@127.0.0.1:{free_port()}/almanac")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr and "s3cret" not in done.stderr
    assert done.stderr.startswith("storage error: cannot reach postgresql+asyncpg://almanac:***@127.0.0.1:")
