"""Insights and /stats on SQLite and PostgreSQL: what is counted, who may see it, and that nothing personal
is stored (every table is read back and searched for the user, the chat and the question)."""

import logging
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.insights import Insights, today_utc, unknown_name
from bot.render.i18n import STRINGS
from bot.storage import Database
from bot.storage.tables import Base, IntentCount, UnknownName
from bot.storage.throttled import ThrottledWarning
from tests.conftest import ROOT
from tests.stateful_bot import StatefulBot, stateful_bot
from tests.test_telegram import ADMIN, GROUP, esc

USER = 4242424242
QUESTIONS = ("what is gemini 2.5 pro", "claude 5", "tell me about Claude 5", "GPT-5.5 是什么", "mistral small")


@pytest.fixture
async def bot(database_url: str, knowledge_copy: Path) -> AsyncIterator[StatefulBot]:
    async with stateful_bot(database_url, knowledge_copy) as running:
        yield running


async def test_stats_is_for_admins_only(bot: StatefulBot) -> None:
    (refused,) = await bot.say("/stats", user_id=USER)
    (zh,) = await bot.say("/stats", user_id=USER, language_code="zh")
    assert refused["text"] == esc(STRINGS["stats_refused"]["en"]) and zh["text"] == esc(STRINGS["stats_refused"]["zh"])
    (group,) = await bot.say("/stats", user_id=USER, chat_type="supergroup")  # group admins are not bot admins
    assert group["text"] == esc(STRINGS["stats_refused"]["en"])


async def test_stats_counts_intents_unknown_names_and_did_you_mean(bot: StatefulBot) -> None:
    """What /stats shows is what the engine answered (each question from its own user: no conversation)."""
    engine = bot.store.engine
    answers = [engine.answer(question) for question in QUESTIONS]
    intents = Counter(answer.intent.value for answer in answers)
    names = Counter(name for answer in answers if (name := unknown_name(answer)))
    assert intents["clarify"] and names["claude 5"] == 2  # the questions still cover what is reported
    for user, question in enumerate(QUESTIONS, start=USER):
        await bot.say(question, user_id=user)
    await bot.say(
        f"@{bot.app.bot.username} zorblax 9",
        chat_type="supergroup",
        user_id=USER,
        entities=[{"type": "mention", "offset": 0, "length": len(bot.app.bot.username) + 1}],
    )
    await bot.say("/model claude 5", user_id=USER + 100)
    intents += Counter(a.intent.value for a in (engine.answer("zorblax 9"), engine.answer("claude 5")))
    names += Counter({"zorblax 9": 1, "claude 5": 1})

    (stats,) = await bot.say("/stats", user_id=ADMIN)
    text = stats["text"]
    total = len(QUESTIONS) + 2
    assert text.startswith("<pre>") and text.endswith("</pre>")
    today = today_utc()
    assert f"Questions answered {today - timedelta(days=6)} … {today}: {total}, by intent:" in text
    assert all(f"  {intent}: {count}\n" in text for intent, count in intents.items())
    assert f"Share of “did you mean” answers: {intents['clarify'] / total:.1%}" in text
    shown = text.split("(top ")[1]
    assert all(f"  {name}: {count}" in shown for name, count in names.items())
    assert shown.index("claude 5: 3") < min(shown.index(f"{name}: ") for name in names if name != "claude 5")
    report = await bot.stateful.insights.report()
    assert report.total == total and dict(report.unknown_names) == dict(names)


async def test_nothing_personal_is_stored(bot: StatefulBot) -> None:
    secret = "my phone is 5550123 and what is claude 5"
    await bot.say(secret, user_id=USER, chat_id=USER)
    await bot.say(
        "what is gemini 2.5 pro",
        chat_type="supergroup",
        user_id=USER,
        chat_id=GROUP,
        entities=[],
        reply_to=bot.make.bot_message(GROUP, "supergroup"),
    )
    await bot.stateful.insights.flush()
    async with bot.database.transaction() as session:
        rows = {
            table.name: [tuple(row) for row in (await session.execute(table.select())).all()]
            for table in Base.metadata.sorted_tables
        }
    assert rows["subscriptions"] == [] and rows["deliveries"] == []  # nobody subscribed
    values = [value for table in rows.values() for row in table for value in row]
    assert USER not in values and GROUP not in values and str(USER) not in map(str, values)
    assert not any(isinstance(v, str) and ("5550123" in v or "phone" in v) for v in values)
    assert {row[1:] for row in rows["unknown_names"]} == {("claude 5", 1)}  # the name only, never the message
    columns = {c.name for table in Base.metadata.sorted_tables if table.name != "subscriptions" for c in table.columns}
    assert not columns & {"user_id", "user", "username", "text", "message", "question"}


async def test_days_outside_the_window_are_not_reported(database: Database) -> None:
    today = date(2026, 3, 10)
    insights = Insights(database, today=lambda: today)
    async with database.transaction() as session:
        session.add_all(
            [
                IntentCount(day=today - timedelta(days=7), intent="card", count=5),
                IntentCount(day=today - timedelta(days=6), intent="card", count=2),
                UnknownName(day=today - timedelta(days=7), name="old name", count=9),
            ]
        )
    report = await insights.report()
    assert report.first_day == today - timedelta(days=6) and report.last_day == today
    assert report.intents == (("card", 2),) and report.unknown_names == () and report.clarify_share == 0


async def test_flushes_add_up(bot: StatefulBot) -> None:
    for _ in range(3):
        await bot.say("claude 5", user_id=USER)
        await bot.stateful.insights.flush()
    assert dict((await bot.stateful.insights.report()).unknown_names) == {"claude 5": 3}


def test_throttled_warning_says_how_many_it_held_back(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    warn = ThrottledWarning(logging.getLogger("t"), every=60, clock=lambda: now[0])
    for second in (0, 1, 30, 59.9, 60, 61):
        now[0] = second
        warn("database down")
    assert [r.getMessage() for r in caplog.records] == ["database down", "database down (3 similar warnings held back)"]


async def test_the_command_line_prints_the_same_report(bot: StatefulBot, database_url: str, tmp_path: Path) -> None:
    for question in QUESTIONS:
        await bot.say(question, user_id=USER)
    await bot.stateful.insights.flush()
    expected = (await bot.stateful.insights.report()).format("zh")
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "stats", "--lang", "zh"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected and "claude 5: 2" in expected


def test_the_command_line_fails_in_one_line_on_a_corrupt_database(tmp_path: Path) -> None:
    (tmp_path / "bad.db").write_bytes(b"garbage" * 1000)
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bad.db'}", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "stats"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "file is not a database" in done.stderr
