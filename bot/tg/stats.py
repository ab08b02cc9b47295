"""``/stats`` for the bot's admins (``ADMIN_IDS``): the last 7 days' insights, in the admin's language."""

import html
import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.insights import Insights
from bot.render.i18n import tr
from bot.storage import StorageUnavailable
from bot.tg.messages import user_lang

log = logging.getLogger(__name__)


class StatsCommand:
    def __init__(self, insights: Insights, admin_ids: frozenset[int]) -> None:
        self.insights = insights
        self.admin_ids = admin_ids

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None
        lang = user_lang(user.language_code if user else None)
        if user is None or user.id not in self.admin_ids:
            await message.reply_html(html.escape(tr("stats_refused", lang), quote=False))
            raise ApplicationHandlerStop
        await self.insights.flush()  # include the answers counted since the last flush
        try:
            report = await self.insights.report()
        except StorageUnavailable as error:
            log.warning("database unavailable for /stats: %s", error)
            await message.reply_html(html.escape(tr("storage_unavailable", lang), quote=False))
        else:
            await message.reply_html(f"<pre>{html.escape(report.format(lang), quote=False)}</pre>")
        raise ApplicationHandlerStop
