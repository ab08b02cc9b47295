"""/subscribe, /unsubscribe and the announcements after a reload, on SQLite and on a real PostgreSQL."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.error import NetworkError

from bot.engine import Engine
from bot.kb import KnowledgeBase
from bot.render.i18n import STRINGS
from bot.storage.tables import Delivery
from bot.tg.announcements import MAX_BUTTONS, MAX_LINES, announcement
from bot.tg.keyboards import resolve
from tests.knowledge_edits import add_model, first_model_id, move_release_earlier
from tests.stateful_bot import StatefulBot, stateful_bot
from tests.test_telegram import ADMIN, GROUP, assert_telegram_html, esc

USER = 42


@pytest.fixture
async def bot(database_url: str, knowledge_copy: Path) -> AsyncIterator[StatefulBot]:
    async with stateful_bot(database_url, knowledge_copy) as running:
        yield running


def said(key: str, lang: str = "en") -> str:
    return esc(STRINGS[key][lang])


async def test_private_chat_subscribes_and_unsubscribes(bot: StatefulBot) -> None:
    (first,) = await bot.say("/subscribe", language_code="zh-hans")
    (again,) = await bot.say("/subscribe")
    assert first["text"] == said("subscribed", "zh")
    assert again["text"] == said("already_subscribed")
    assert await bot.subscriptions() == {USER: "en"}  # the language of whoever subscribed last
    assert not bot.api.of("getChatMember")  # private chats need no permission check
    (stop,) = await bot.say("/unsubscribe")
    (stop_again,) = await bot.say("/unsubscribe")
    assert stop["text"] == said("unsubscribed") and stop_again["text"] == said("not_subscribed")
    assert await bot.subscriptions() == {}


@pytest.mark.parametrize("status", ["member", "restricted", "left"])
async def test_in_groups_ordinary_members_cannot_change_it(bot: StatefulBot, status: str) -> None:
    bot.api.members[GROUP, USER] = status
    (refused,) = await bot.say("/subscribe@AlmanacTestBot", chat_type="supergroup", user_id=USER)
    assert refused["text"] == said("admins_only_subscribe")
    assert bot.api.of("getChatMember") == [{"chat_id": GROUP, "user_id": USER}]
    assert await bot.subscriptions() == {}


@pytest.mark.parametrize("status", ["administrator", "creator"])
async def test_group_administrators_subscribe_and_unsubscribe(bot: StatefulBot, status: str) -> None:
    bot.api.members[GROUP, ADMIN] = status
    (done,) = await bot.say("/subscribe", chat_type="group", user_id=ADMIN, chat_id=GROUP)
    assert done["text"] == said("subscribed") and await bot.subscriptions() == {GROUP: "en"}
    bot.api.members[GROUP, ADMIN] = "member"  # demoted: may no longer unsubscribe
    (refused,) = await bot.say("/unsubscribe", chat_type="group", user_id=ADMIN, chat_id=GROUP)
    assert refused["text"] == said("admins_only_subscribe") and await bot.subscriptions() == {GROUP: "en"}


async def test_an_anonymous_administrator_posting_as_the_group_may(bot: StatefulBot) -> None:
    group = {"id": GROUP, "type": "supergroup", "title": "AI chat"}
    (done,) = await bot.say("/subscribe", chat_type="supergroup", user_id=1087968824, sender_chat=group)
    assert done["text"] == said("subscribed") and await bot.subscriptions() == {GROUP: "en"}


async def test_when_telegram_cannot_say_who_is_admin_nothing_changes(bot: StatefulBot) -> None:
    bot.api.fail["getChatMember"] = NetworkError("connection reset")
    (reply,) = await bot.say("/subscribe", chat_type="supergroup", user_id=USER)
    assert reply["text"] == said("admin_check_failed") and await bot.subscriptions() == {}


async def _subscribe(bot: StatefulBot, chat_id: int, lang: str = "en") -> None:
    if chat_id < 0:
        bot.api.members[chat_id, ADMIN] = "administrator"
        await bot.say("/subscribe", chat_type="supergroup", chat_id=chat_id, user_id=ADMIN, language_code=lang)
    else:
        await bot.say("/subscribe", user_id=chat_id, language_code=lang)


async def _reload(bot: StatefulBot) -> str:
    (report,) = await bot.say("/reload", user_id=ADMIN)
    await bot.stateful.announcer.idle()
    return str(report["text"])


async def test_a_reload_with_news_is_announced_once_to_every_subscribed_chat(
    bot: StatefulBot, knowledge_copy: Path
) -> None:
    await _subscribe(bot, 1001, "zh")
    await _subscribe(bot, GROUP, "en")
    await _subscribe(bot, 1002, "en")
    await bot.say("/unsubscribe", user_id=1002)
    changed = bot.store.engine.knowledge.by_id[first_model_id(knowledge_copy)]
    add_model(knowledge_copy, "almanac-test-1", "Almanac Test One")
    move_release_earlier(knowledge_copy, changed.id)
    bot.api.clear()
    assert "+ Almanac Test One" in await _reload(bot)

    (zh,) = bot.sent_to(1001)
    (en,) = bot.sent_to(GROUP)
    assert not bot.sent_to(1002)  # unsubscribed
    assert zh["text"].startswith(f"<b>{esc(STRINGS['announce_header']['zh'])}</b>")
    assert "<b>Almanac Test One</b>" in en["text"] and f"<b>{esc(changed.name)}</b>" in en["text"]
    assert STRINGS["announce_changed"]["en"] in en["text"] and en["parse_mode"] == "HTML"
    cards = [b["callback_data"] for row in en["reply_markup"]["inline_keyboard"] for b in row]
    assert cards == ["m:en:almanac-test-1", f"m:en:{changed.id}"]  # newest release first

    before = len(bot.api.sent())  # the card button works like any other
    await bot.press("m:en:almanac-test-1", message={**bot.api.messages()[-1], "chat": {"id": GROUP, "type": "group"}})
    assert bot.api.sent()[before]["text"].startswith("<b>Almanac Test One</b>")

    bot.api.clear()  # the same version again, a second pass, and a reload with nothing new: nothing is sent
    await _reload(bot)
    await bot.stateful.announcer.deliver()
    assert bot.api.sent() == [bot.api.sent()[0]] and "Almanac" not in bot.api.sent()[0]["text"]


async def test_chats_that_subscribe_later_do_not_get_old_news(bot: StatefulBot, knowledge_copy: Path) -> None:
    add_model(knowledge_copy, "almanac-test-1", "Almanac Test One")
    await _reload(bot)
    await _subscribe(bot, 1001)
    bot.api.clear()
    await bot.stateful.announcer.deliver()
    assert not bot.api.sent()


async def test_a_reload_without_news_announces_nothing(bot: StatefulBot, knowledge_copy: Path) -> None:
    await _subscribe(bot, 1001)
    path = knowledge_copy / "models" / "deepseek.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment: a new version, but no news\n", "utf-8")
    bot.api.clear()
    await _reload(bot)
    assert [p["chat_id"] for p in bot.api.sent()] == [ADMIN]  # only the /reload report


async def test_chats_that_blocked_or_removed_the_bot_are_unsubscribed(bot: StatefulBot, knowledge_copy: Path) -> None:
    for chat in (1001, 1002, 1003, -1009):
        await _subscribe(bot, chat)
    bot.api.blocked |= {1002, -1009}
    bot.api.missing.add(1003)
    add_model(knowledge_copy, "almanac-test-1", "Almanac Test One")
    bot.api.clear()
    await _reload(bot)
    assert bot.stateful.announcer.last == {"sent": 1, "gone": 3}
    assert await bot.subscriptions() == {1001: "en"}
    assert len(bot.sent_to(1001)) == 1


async def test_a_failed_send_is_retried_on_the_next_pass(bot: StatefulBot, knowledge_copy: Path) -> None:
    await _subscribe(bot, 1001)
    failures = [NetworkError("timed out")]

    async def flaky(params: dict) -> None:
        if int(params["chat_id"]) == 1001 and failures:
            raise failures.pop()

    bot.api.before_send = flaky
    add_model(knowledge_copy, "almanac-test-1", "Almanac Test One")
    bot.api.clear()
    await _reload(bot)
    assert bot.stateful.announcer.last == {"retry": 1} and not bot.sent_to(1001)
    await bot.stateful.announcer.deliver()
    assert len(bot.sent_to(1001)) == 1 and await bot.subscriptions() == {1001: "en"}


async def test_a_crash_midway_sends_the_rest_once_after_the_restart(database_url: str, knowledge_copy: Path) -> None:
    chats = list(range(2001, 2011))
    hold = asyncio.Event()  # never set: sends after the third hang, like a process about to die
    passed = 0

    async def die_after_three(params: dict) -> None:
        nonlocal passed
        if int(params["chat_id"]) in chats:
            passed += 1
            if passed > 3:
                await hold.wait()

    async with stateful_bot(database_url, knowledge_copy) as first:
        for chat in chats:
            await _subscribe(first, chat)
        first.api.before_send = die_after_three
        first.api.clear()
        add_model(knowledge_copy, "almanac-test-1", "Almanac Test One")
        await first.say("/reload", user_id=ADMIN)
        for _ in range(500):  # until seven sends hang and the first three are marked sent
            async with first.database.transaction() as session:
                marked = list((await session.execute(select(Delivery).where(Delivery.state == "sent"))).scalars())
            if passed >= len(chats) and len(marked) == 3:
                break
            await asyncio.sleep(0.01)
        delivered_before = {int(p["chat_id"]) for p in first.api.sent() if int(p["chat_id"]) in chats}
        # the "crash": stop() cancels the pass with seven sends in flight and their claims left behind
    assert len(delivered_before) == 3

    async with stateful_bot(database_url, knowledge_copy) as second:  # the restart, same files and database
        await second.stateful.announcer.deliver()
        assert not second.api.sent()  # a fresh claim might still be sending on another replica: wait the lease
        second.stateful.announcer.lease = timedelta(0)
        await second.stateful.announcer.deliver()
        delivered_after = [int(p["chat_id"]) for p in second.api.sent()]
        async with second.database.transaction() as session:
            states = set((await session.execute(select(Delivery.state))).scalars())
    assert sorted(delivered_after) == sorted(set(chats) - delivered_before)  # each of the rest exactly once
    assert states == {"sent"}


@pytest.fixture(scope="module")
def engine(knowledge: KnowledgeBase) -> Engine:
    return Engine(knowledge)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_long_announcement_is_one_valid_message(engine: Engine, lang: str) -> None:
    ids = [m.id for m in engine.knowledge.models]
    assert len(ids) > MAX_LINES + 5  # the real knowledge is long enough to need the "more" line
    made = announcement(engine, {"added": ids[:-5], "changed": [*ids[-5:], "no-such-model"]}, lang)  # type: ignore[arg-type]
    assert made is not None
    text, markup = made
    assert_telegram_html(text)
    lines = text.split("\n")
    assert lines[0] == f"<b>{esc(STRINGS['announce_header'][lang])}</b>" and len(lines) == MAX_LINES + 3
    assert lines[-2] == esc(STRINGS["announce_more"][lang].format(n=len(ids) - MAX_LINES))
    buttons = [b["callback_data"] for row in markup.to_dict()["inline_keyboard"] for b in row]
    assert len(buttons) == MAX_BUTTONS and all(resolve(data, engine) is not None for data in buttons)
    assert announcement(engine, {"added": ["no-such-model"]}, "en") is None  # removed since: nothing to say


async def test_sent_while_the_database_went_away_is_never_sent_again(tmp_path: Path, knowledge_copy: Path) -> None:
    """The send succeeds, then the database is locked before it is marked: after the lease it is not re-sent."""
    path = tmp_path / "almanac.db"
    async with stateful_bot(f"sqlite+aiosqlite:///{path}", knowledge_copy, timeout=0.2) as bot:
        await _subscribe(bot, 1001)
        holder = sqlite3.connect(path, isolation_level=None)

        async def lock_the_database(params: dict) -> None:
            if int(params["chat_id"]) == 1001:  # another writer takes the lock while the message goes out
                holder.execute("BEGIN EXCLUSIVE")

        bot.api.before_send = lock_the_database
        add_model(knowledge_copy, "almanac-test-1", "Almanac Test One")
        bot.api.clear()
        await _reload(bot)
        assert len(bot.sent_to(1001)) == 1 and bot.stateful.announcer.last == {}  # the pass ended on the fault
        holder.execute("ROLLBACK")
        holder.close()
        bot.api.before_send = None
        bot.stateful.announcer.lease = timedelta(0)  # the claim is stale: only memory says it was sent
        await bot.stateful.announcer.deliver()
        assert len(bot.sent_to(1001)) == 1
        async with bot.database.transaction() as session:
            assert list((await session.execute(select(Delivery.state))).scalars()) == ["sent"]
