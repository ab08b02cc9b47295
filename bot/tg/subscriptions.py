"""``/subscribe`` and ``/unsubscribe``: which chats get the news of new models.

In private chats anyone may change it; in groups only the group's administrators (Telegram is asked with
``getChatMember``; an anonymous administrator posting as the group counts as one). The chat's language is
that of whoever subscribed it. If the database is down the user hears that the service is temporarily
unavailable, and nothing else changes.
"""

import html
import logging

from sqlalchemy import delete
from telegram import Bot, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.engine.normalize import Lang
from bot.render.i18n import tr
from bot.storage import Database, StorageUnavailable
from bot.storage.tables import Subscription
from bot.tg.announcements import utcnow
from bot.tg.messages import user_lang

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})


async def may_manage(update: Update, bot: Bot) -> bool:
    """Private chat: yes. Group: only its administrators. Raises ``TelegramError`` if Telegram cannot say."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    if chat is None or chat.type == ChatType.CHANNEL:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous administrator, posting as the group itself
    if user is None:
        return False
    member = await bot.get_chat_member(chat.id, user.id)
    return member.status in ADMIN_STATUSES


class SubscriptionCommands:
    """The two commands, bound to the database. They run in a handler group of their own and stop there."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def subscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._change(update, context, subscribe=True)

    async def unsubscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._change(update, context, subscribe=False)

    async def _change(self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, subscribe: bool) -> None:
        message, chat = update.effective_message, update.effective_chat
        assert message is not None and chat is not None
        lang: Lang = user_lang(update.effective_user.language_code if update.effective_user else None)
        try:
            allowed = await may_manage(update, context.bot)
        except TelegramError as error:
            log.warning("getChatMember failed in chat %s: %s", chat.id, error)
            key = "admin_check_failed"
        else:
            key = "admins_only_subscribe"
            if allowed:
                try:
                    key = await (self._subscribe(chat.id, lang) if subscribe else self._unsubscribe(chat.id))
                except StorageUnavailable as error:
                    log.warning("database unavailable for /%ssubscribe: %s", "" if subscribe else "un", error)
                    key = "storage_unavailable"
        await message.reply_html(html.escape(tr(key, lang), quote=False))
        raise ApplicationHandlerStop  # handled: the general handlers (private-chat help) must not answer too

    async def _subscribe(self, chat_id: int, lang: Lang) -> str:
        async with self.database.transaction() as session:
            existing = await session.get(Subscription, chat_id)
            if existing is not None:
                existing.lang = lang
                return "already_subscribed"
            session.add(Subscription(chat_id=chat_id, lang=lang, since=utcnow()))
            return "subscribed"

    async def _unsubscribe(self, chat_id: int) -> str:
        async with self.database.transaction() as session:
            result = await session.execute(delete(Subscription).where(Subscription.chat_id == chat_id))
            return "unsubscribed" if result.rowcount else "not_subscribed"  # type: ignore[attr-defined]
