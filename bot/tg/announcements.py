"""New-model news for subscribed chats: exactly one announcement per chat and knowledge version.

When a reload makes a new version live, the models it added, or whose dates or open weights changed, are
recorded with the version (the first replica to record it wins; the others find it there). Then every
subscribed chat without a delivery for that version is *claimed* (a row keyed by version and chat, inserted
only if absent), sent to, and marked sent. Whichever replica claims a chat sends to it, so several replicas
never send twice; a claim left by a crash mid-send is taken over after ``lease`` and sent once. (The one
message in flight at the instant of a crash may be sent again if Telegram had already accepted it: the bot
cannot know, and an announcement twice is the lesser harm than one lost.)

A chat that blocked or removed the bot (403, "chat not found") is unsubscribed. Any other Telegram error
releases the claim, and the next pass (every minute, and after every reload) tries again. Sends go through
the application's rate limiter (Telegram's 30 messages a second overall and 20 a minute per group).
"""

import asyncio
import html
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.engine import Engine
from bot.engine.normalize import Lang
from bot.kb import KnowledgeBase
from bot.kb.schema import Model
from bot.render.cards import MAX_MESSAGE
from bot.render.i18n import tr
from bot.storage import Database, StorageUnavailable, upsert
from bot.storage.tables import Delivery, KnowledgeVersion, Subscription
from bot.storage.throttled import ThrottledWarning
from bot.store import KnowledgeStore, Live
from bot.tg.keyboards import LANGS, card_data

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # a claim older than this was left by a crash: another pass may take it over
NEWS_DAYS = 7  # versions older than this are not announced any more
MAX_LINES = 30
MAX_BUTTONS = 20
SEND_CONCURRENCY = 32  # sends in flight at once; the rate limiter paces them
GONE = ("chat not found", "bot was kicked", "bot is not a member", "user is deactivated", "have no rights")


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _facts(model: Model) -> tuple[object, ...]:
    """What a change is announced for: its dates and whether its weights are open."""
    return (tuple(step.date for step in model.dates), model.open_weights)


def news_between(old: KnowledgeBase, new: KnowledgeBase) -> dict[str, list[str]]:
    """Model ids to announce: ``added``, and ``changed`` (dates or open weights)."""
    return {
        "added": [m.id for m in new.models if m.id not in old.by_id],
        "changed": [m.id for m in new.models if m.id in old.by_id and _facts(old.by_id[m.id]) != _facts(m)],
    }


def announcement(engine: Engine, news: dict[str, list[str]], lang: Lang) -> tuple[str, InlineKeyboardMarkup] | None:
    """The message (Telegram HTML, one line per model, newest first) and its card buttons; None if none of
    the models is still in the knowledge."""
    knowledge = engine.knowledge
    changed = set(news.get("changed", ()))
    ids = [*news.get("added", ()), *news.get("changed", ())]
    found = (knowledge.by_id[i] for i in ids if i in knowledge.by_id)
    models = sorted(found, key=lambda m: (m.released, m.name), reverse=True)
    if not models:
        return None
    vendor_zh = {v.name: v.name_zh for v in knowledge.vendors}
    lines = [f"<b>{_esc(tr('announce_header', lang))}</b>"]
    for model in models[:MAX_LINES]:
        vendor = vendor_zh.get(model.vendor, model.vendor) if lang == "zh" else model.vendor
        parts = [f"<b>{_esc(model.name)}</b>", _esc(vendor), str(model.released)]
        if model.open_weights:
            parts.append(_esc(tr("announce_open", lang)))
        if model.id in changed:
            parts.append(_esc(tr("announce_changed", lang)))
        lines.append("• " + " · ".join(parts))
    if len(models) > MAX_LINES:
        lines.append(_esc(tr("announce_more", lang, n=len(models) - MAX_LINES)))
    lines.append(_esc(tr("announce_footer", lang)))
    text = "\n".join(lines)
    while len(text) > MAX_MESSAGE and len(lines) > 3:  # very long names: drop model lines, never cut a tag
        del lines[-3]
        text = "\n".join(lines)
    buttons = [
        InlineKeyboardButton(model.name[:60], callback_data=data)
        for model in models[:MAX_BUTTONS]
        if (data := card_data(model, lang)) is not None
    ]
    return text, InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


class Announcer:
    """Records news per version and delivers it to subscribed chats; ``kick()`` starts a pass."""

    def __init__(self, database: Database, bot: Bot, store: KnowledgeStore, lease: timedelta = LEASE) -> None:
        self.database, self.bot, self.store, self.lease = database, bot, store, lease
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._warn = ThrottledWarning(log)
        self.last: Counter[str] = Counter()  # what the last pass did: sent, gone, retry, taken, skipped
        self._unmarked: set[tuple[str, int]] = set()  # (version, chat) sent but not yet marked sent

    async def on_live(self, live: Live) -> None:
        """After a reload: record the version and its news (if any), then deliver in the background."""
        news = news_between(live.previous.knowledge, live.engine.knowledge)
        try:
            await self.record(live.version, news)
        except StorageUnavailable as error:
            self._warn("database unavailable: the news of version %s is not announced: %s", live.version[:12], error)
            return
        self.kick()

    async def record(self, version: str, news: dict[str, list[str]]) -> None:
        """Keep the version and its news, unless another replica (or an earlier reload) recorded it first."""
        async with self.database.transaction() as session:
            insert = upsert(self.database, KnowledgeVersion).values(version=version, live_since=utcnow(), news=news)
            await session.execute(insert.on_conflict_do_nothing(index_elements=["version"]))

    def kick(self) -> None:
        """Start a delivery pass, or ask the running one to go round once more."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._passes())

    async def idle(self) -> None:
        """Wait until no pass is running (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _passes(self) -> None:
        self._again = True
        while self._again:
            self._again = False
            try:
                self.last = await self.deliver()
            except StorageUnavailable as error:
                self._warn("database unavailable: announcements wait for the next pass: %s", error)
                return
            except Exception:
                log.exception("announcement pass failed")
                return

    async def deliver(self) -> Counter[str]:
        """One pass over the recent versions with news: every subscribed chat that has not had it gets it."""
        report: Counter[str] = Counter()
        engine = self.store.engine
        for version, chat_id in sorted(self._unmarked):  # sent while the database was away: mark them first
            await self._finish(version, chat_id, "sent")
            self._unmarked.discard((version, chat_id))
        async with self.database.transaction() as session:
            versions = (
                await session.execute(
                    select(KnowledgeVersion)
                    .where(KnowledgeVersion.live_since >= utcnow() - timedelta(days=NEWS_DAYS))
                    .order_by(KnowledgeVersion.live_since)
                )
            ).scalars()
            recent = [(v.version, v.live_since, v.news) for v in versions if any(v.news.values())]
        for version, live_since, news in recent:
            if chats := await self._pending(version, live_since):
                report.update(await self._fan_out(engine, version, news, chats))
        return report

    async def _fan_out(
        self, engine: Engine, version: str, news: dict[str, list[str]], chats: list[tuple[int, str]]
    ) -> list[str]:
        """Send one version's news to these chats, many at once (the rate limiter paces them)."""
        messages = {lang: announcement(engine, news, lang) for lang in LANGS}
        limit = asyncio.Semaphore(SEND_CONCURRENCY)

        async def one(chat_id: int, lang: str) -> str:
            async with limit:
                return await self._deliver_one(version, chat_id, messages["zh" if lang == "zh" else "en"])

        results = await asyncio.gather(*(one(chat_id, lang) for chat_id, lang in chats), return_exceptions=True)
        for result in results:  # every send finished or failed; now the first fault, if any, ends the pass
            if isinstance(result, BaseException):
                raise result
        return [str(result) for result in results]

    async def _pending(self, version: str, live_since: datetime) -> list[tuple[int, str]]:
        """Chats subscribed before the version went live, with no delivery (or only a stale claim) for it."""
        stale = utcnow() - self.lease
        handled = select(Delivery.chat_id).where(
            Delivery.version == version,
            or_(Delivery.state != "claimed", and_(Delivery.state == "claimed", Delivery.claimed_at > stale)),
        )
        async with self.database.transaction() as session:
            rows = await session.execute(
                select(Subscription.chat_id, Subscription.lang)
                .where(Subscription.since <= live_since, Subscription.chat_id.not_in(handled))
                .order_by(Subscription.chat_id)
            )
            return [(chat_id, lang) for chat_id, lang in rows.all()]

    async def _claim(self, version: str, chat_id: int) -> bool:
        """True if this pass now owns the delivery: a new claim, or one a crash left older than the lease."""
        now = utcnow()
        async with self.database.transaction() as session:
            insert = upsert(self.database, Delivery).values(
                version=version, chat_id=chat_id, state="claimed", claimed_at=now
            )
            created = await session.execute(insert.on_conflict_do_nothing(index_elements=["version", "chat_id"]))
            if created.rowcount == 1:  # type: ignore[attr-defined]
                return True
            taken = await session.execute(
                update(Delivery)
                .where(
                    Delivery.version == version,
                    Delivery.chat_id == chat_id,
                    Delivery.state == "claimed",
                    Delivery.claimed_at <= now - self.lease,
                )
                .values(claimed_at=now)
            )
            return taken.rowcount == 1  # type: ignore[attr-defined]

    async def _deliver_one(self, version: str, chat_id: int, message: tuple[str, InlineKeyboardMarkup] | None) -> str:
        if not await self._claim(version, chat_id):
            return "taken"
        if message is None:  # every model of the news was removed since: nothing to say
            await self._finish(version, chat_id, "sent")
            return "skipped"
        text, markup = message
        try:
            await self.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except Forbidden as error:
            return await self._gone(version, chat_id, error)
        except ChatMigrated as error:  # a group became a supergroup: follow it, send on the next pass
            await self._move(chat_id, error.new_chat_id)
            await self._release(version, chat_id)
            return "retry"
        except BadRequest as error:
            if any(reason in str(error).lower() for reason in GONE):
                return await self._gone(version, chat_id, error)
            log.warning("announcement to chat %s rejected: %s", chat_id, error)
            await self._release(version, chat_id)
            return "retry"
        except TelegramError as error:
            log.warning("announcement to chat %s failed, retried on the next pass: %s", chat_id, error)
            await self._release(version, chat_id)
            return "retry"
        try:
            await self._finish(version, chat_id, "sent")
        except StorageUnavailable:  # sent, but the database went away: remember it, never send it again
            self._unmarked.add((version, chat_id))
            raise
        return "sent"

    async def _gone(self, version: str, chat_id: int, error: TelegramError) -> str:
        log.info("chat %s blocked or removed the bot (%s): unsubscribed", chat_id, error)
        async with self.database.transaction() as session:
            await session.execute(delete(Subscription).where(Subscription.chat_id == chat_id))
        await self._finish(version, chat_id, "gone")
        return "gone"

    async def _finish(self, version: str, chat_id: int, state: str) -> None:
        async with self.database.transaction() as session:
            await session.execute(
                update(Delivery).where(Delivery.version == version, Delivery.chat_id == chat_id).values(state=state)
            )

    async def _release(self, version: str, chat_id: int) -> None:
        async with self.database.transaction() as session:
            await session.execute(
                delete(Delivery).where(
                    Delivery.version == version, Delivery.chat_id == chat_id, Delivery.state == "claimed"
                )
            )

    async def _move(self, old: int, new: int) -> None:
        async with self.database.transaction() as session:
            row = await session.get(Subscription, old)
            if row is not None:
                await session.execute(delete(Subscription).where(Subscription.chat_id == old))
                insert = upsert(self.database, Subscription).values(chat_id=new, lang=row.lang, since=row.since)
                await session.execute(insert.on_conflict_do_nothing(index_elements=["chat_id"]))
