"""Telegram updates → engine → renderer → reply. Thin on purpose: no knowledge of questions lives here.

Each handler reads ``store.engine`` once, so one update is answered from one snapshot even if ``/reload``
swaps it meanwhile. Replies go through ``Message.reply_html``, which keeps forum topics
(``message_thread_id``) and quotes the question in groups.
"""

import html
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.engine import Answer, Engine, Intent
from bot.engine.answer import DEFAULT_LATEST, MAX_LATEST
from bot.engine.conversation import Conversations, MemoryConversations
from bot.engine.normalize import Lang, normalize
from bot.kb import KnowledgeLoadError
from bot.kb.schema import Model
from bot.pictures import TimelinePictures
from bot.render.cards import MAX_MESSAGE, render_html
from bot.render.i18n import tr
from bot.render.timeline import Picture
from bot.store import KnowledgeDiff, KnowledgeStore, ReloadRequest
from bot.tg.keyboards import keyboard_for, resolve, timeline_keyboard, vendors_keyboard
from bot.tg.messages import user_lang

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
INLINE_RESULTS = 20
INLINE_CACHE_SECONDS = 60
RELOAD_ERRORS_SHOWN = 20
RELOAD_ERROR_CHARS = 300
RELOAD_CHANGES_SHOWN = 40


class AddressedToBot(filters.MessageFilter):
    """A group message meant for the bot: it @mentions the bot, text-mentions it, or replies to it."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied and replied.from_user and replied.from_user.id == bot.id and not replied.forum_topic_created:
            return True
        return bool(_mentions(message, bot))


def _mentions(message: Message, bot: Bot) -> list[str]:
    """The pieces of the text that address the bot (to strip them from the question)."""
    username = (bot.username or "").casefold()
    return [
        text
        for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items()
        if (entity.type == MessageEntity.MENTION and text[1:].casefold() == username)
        or (entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot.id)
    ]


def _question(message: Message) -> str:
    text = message.text or ""
    for mention in _mentions(message, message.get_bot()):
        text = text.replace(mention, " ", 1)
    return " ".join(text.split())


def _esc(text: str) -> str:
    """Escape for Telegram HTML (quotes need no escaping outside attributes)."""
    return html.escape(text, quote=False)


def _lang(update: Update) -> Lang:
    user = update.effective_user
    return user_lang(user.language_code if user else None)


def _conversation_key(update: Update) -> tuple[int, int] | None:
    """One user in one chat: group members never share a conversation."""
    if update.effective_chat is None or update.effective_user is None:
        return None
    return update.effective_chat.id, update.effective_user.id


def _chat_type(update: Update) -> str:
    return update.effective_chat.type if update.effective_chat else "-"


def _logged(kind: str, update: Update, intent: str, started: float) -> None:
    elapsed = (time.perf_counter() - started) * 1000
    log.info("%s chat=%s intent=%s %.1f ms", kind, _chat_type(update), intent, elapsed)


async def reply_answer(message: Message, answer: Answer, engine: Engine, page: int = 0) -> None:
    """Send an answer as one or more HTML messages; its buttons go under the last one."""
    texts = render_html(answer, page)
    markup = keyboard_for(answer, engine, page)
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        await message.reply_html(text, reply_markup=markup if last else None, link_preview_options=NO_PREVIEW)


class Handlers:
    """The bot's update handlers, bound to the knowledge store and the admins."""

    def __init__(
        self,
        store: KnowledgeStore,
        admin_ids: frozenset[int],
        conversations: Conversations | None = None,
        pictures: TimelinePictures | None = None,
    ) -> None:
        self.store = store
        self.admin_ids = admin_ids
        self.conversations: Conversations = conversations or MemoryConversations()
        self.pictures = pictures or TimelinePictures(store)
        self.on_answer: Callable[[Answer], None] | None = None  # insights, when there is a database

    def register(self, application: Application) -> None:
        fresh = filters.UpdateType.MESSAGE  # not edits: answering an edited question again would spam
        text_for_us = filters.ChatType.PRIVATE | (filters.ChatType.GROUPS & AddressedToBot())
        commands = {
            "start": self.start,
            "help": self.help,
            "latest": self.latest,
            "model": self.model,
            "compare": self.compare,
            "list": self.list_models,
            "timeline": self.timeline,
            "vendors": self.vendors,
            "reload": self.reload,
        }
        for name, callback in commands.items():
            application.add_handler(CommandHandler(name, callback, filters=fresh))
        application.add_handler(MessageHandler(fresh & filters.TEXT & ~filters.COMMAND & text_for_us, self.text))
        application.add_handler(MessageHandler(fresh & filters.COMMAND & filters.ChatType.PRIVATE, self.help))
        application.add_handler(CallbackQueryHandler(self.button))
        application.add_handler(InlineQueryHandler(self.inline))
        application.add_error_handler(on_error)

    async def _ask(self, update: Update, kind: str, question: str) -> None:
        """Answer ``question`` in its conversation (one user in one chat): a follow-up sees the last answer."""
        started = time.perf_counter()
        engine = self.store.engine
        key = _conversation_key(update)
        answer = engine.answer(question, self.conversations.get(key) if key else None)
        if key:
            self.conversations.put(key, answer)
        assert update.effective_message is not None
        if self.on_answer is not None:
            self.on_answer(answer)
        await reply_answer(update.effective_message, answer, engine, page=answer.page)
        _logged(kind, update, answer.intent, started)

    # -- text and commands ----------------------------------------------------------------------------

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await self._ask(update, "text", _question(update.effective_message))

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, or a deep link ``t.me/<bot>?start=m_<id>`` that opens a model's card."""
        payload = context.args[0] if context.args else ""
        if not payload.startswith("m_"):
            await self.help(update, context)
            return
        started = time.perf_counter()
        engine, lang, message = self.store.engine, _lang(update), update.effective_message
        assert message is not None
        model = engine.knowledge.by_id.get(payload[2:])
        if model is None:
            await message.reply_html(_esc(tr("unknown_link", lang)))
            _logged("/start", update, "unknown_link", started)
            return
        await reply_answer(message, engine.card(model, lang), engine)
        _logged("/start", update, Intent.CARD, started)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        started = time.perf_counter()
        engine, lang, message = self.store.engine, _lang(update), update.effective_message
        assert message is not None
        texts = render_html(replace(engine.answer(""), lang=lang))
        hint = "group_hint" if message.chat.type != "private" else "start"
        texts[-1] = f"{texts[-1]}\n\n{_esc(tr(hint, lang))}"
        for text in texts:
            await message.reply_html(text, link_preview_options=NO_PREVIEW)
        _logged("/help", update, Intent.HELP, started)

    async def latest(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang, arg = _lang(update), (context.args or [str(DEFAULT_LATEST)])[0]
        if not (arg.isascii() and arg.isdigit()) or int(arg) < 1:
            await self._usage(update, "usage_latest")
            return
        engine = self.store.engine
        await self._reply(update, "/latest", engine.latest(min(int(arg), MAX_LATEST), lang), engine)

    async def model(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/model <name>: the card when the name is one model; otherwise the name is asked as a question
        (so a near miss gets "did you mean", an unknown version a plain answer)."""
        if not context.args:
            await self._usage(update, "usage_model")
            return
        text, engine = " ".join(context.args), self.store.engine
        found = engine.models_in(text)
        if len(found) != 1:
            await self._ask(update, "/model", text)
            return
        await self._reply(update, "/model", engine.card(found[0], normalize(text).lang), engine)

    async def compare(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/compare a b [c]: the models named, compared; names it cannot find are asked about instead; one
        model alone gets the usage."""
        text, engine = " ".join(context.args or []), self.store.engine
        found = engine.models_in(text)
        if len(found) >= 2:
            await self._reply(update, "/compare", engine.compare(found, normalize(text).lang), engine)
        elif text and not found:  # names it cannot find: "did you mean …" or "not in the almanac"
            await self._ask(update, "/compare", text)
        else:
            await self._usage(update, "usage_compare")

    async def list_models(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/list [filter words]: the filters read by the question rules; words that are not filters are said."""
        words, engine = " ".join(context.args or []), self.store.engine
        request = engine.read_filters(words)
        lang = request.lang if words else _lang(update)
        if request.not_understood:
            await self._ask(update, "/list", f"{words} 有哪些模型" if lang == "zh" else f"list {words} models")
            return
        await self._reply(update, "/list", engine.listing(request.filters, lang), engine)

    async def _reply(self, update: Update, kind: str, answer: Answer, engine: Engine) -> None:
        """Send an answer a command built directly; it becomes the conversation's last answer too."""
        started = time.perf_counter()
        if key := _conversation_key(update):
            self.conversations.put(key, answer)
        assert update.effective_message is not None
        await reply_answer(update.effective_message, answer, engine)
        _logged(kind, update, answer.intent, started)

    async def timeline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/timeline [words]: the selection /list would give, as pictures; the words are read by the engine's
        one filter parser. Nothing selected → the text answer; no filter among the words → a usage hint (other
        words beside filters are passed over, as a list question passes over them)."""
        started = time.perf_counter()
        engine, version, message = self.store.engine, self.store.version, update.effective_message
        assert message is not None
        words = " ".join(context.args or [])
        request = engine.read_filters(words)
        lang = request.lang if words else _lang(update)
        if request.not_understood:
            await message.reply_html(_esc(tr("timeline_unknown", lang, words=", ".join(request.unknown))))
            _logged("/timeline", update, "unknown_filter", started)
            return
        answer = engine.listing(request.filters, lang)
        if not answer.models:
            await reply_answer(message, answer, engine)
            _logged("/timeline", update, "empty", started)
            return
        if self.pictures.cached(answer, version) is None:
            await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
        pictures = await self.pictures.get(answer, version)
        markup = timeline_keyboard(answer, engine)
        for i, picture in enumerate(pictures):
            await self._send_picture(message, picture, i + 1, markup if i == len(pictures) - 1 else None)
        _logged("/timeline", update, f"pictures={len(pictures)}", started)

    async def _send_picture(
        self, message: Message, picture: Picture, number: int, markup: InlineKeyboardMarkup | None
    ) -> None:
        """By the file_id Telegram gave it the first time, else uploaded (and its file_id remembered)."""
        caption = _esc(picture.caption)
        if (known := self.pictures.file_id(picture)) is not None:
            try:
                await message.reply_photo(known, caption=caption, reply_markup=markup)
                return
            except BadRequest as error:  # a file_id Telegram no longer knows: upload the picture again
                log.info("cached photo rejected (%s); uploading it again", error)
        # the file name tells Telegram (and PTB) that it is a PNG
        sent = await message.reply_photo(
            picture.png, filename=f"timeline-{number}.png", caption=caption, reply_markup=markup
        )
        if sent.photo:
            self.pictures.remember(picture, sent.photo[-1].file_id)

    async def vendors(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        started = time.perf_counter()
        engine, lang, message = self.store.engine, _lang(update), update.effective_message
        assert message is not None
        knowledge = engine.knowledge
        counted = sorted(knowledge.vendors, key=lambda v: (-len(knowledge.by_vendor.get(v.name, ())), v.name))
        lines = [f"<b>{_esc(tr('vendors_header', lang, vendors=len(counted), models=len(knowledge.models)))}</b>"]
        for vendor in counted:
            label = f"{vendor.name_zh} {vendor.name}" if lang == "zh" and vendor.name_zh != vendor.name else vendor.name
            lines.append(_esc(tr("vendor_line", lang, label=label, n=len(knowledge.by_vendor.get(vendor.name, ())))))
        await message.reply_html("\n".join(lines), reply_markup=vendors_keyboard(engine, lang))
        _logged("/vendors", update, "vendors", started)

    async def reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        started = time.perf_counter()
        lang, message, user = _lang(update), update.effective_message, update.effective_user
        assert message is not None
        if user is None or user.id not in self.admin_ids:
            log.warning("/reload refused for user %s", user.id if user else "unknown")
            await message.reply_html(_esc(tr("reload_refused", lang)))
            return
        result = await self.store.reload(ReloadRequest(message.chat_id, lang))
        await message.reply_html(_reload_report(result, lang, private=message.chat.type == "private"))
        _logged("/reload", update, "reload_failed" if isinstance(result, KnowledgeLoadError) else "reload", started)

    async def too_fast(self, update: Update) -> None:
        """The one notice a chat gets while it sends faster than it can be answered (see ChatQueues)."""
        lang = _lang(update)
        if update.callback_query is not None:
            await update.callback_query.answer(tr("too_fast", lang))
        elif update.effective_message is not None:
            await update.effective_message.reply_html(_esc(tr("too_fast", lang)))

    async def _usage(self, update: Update, key: str) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(_esc(tr(key, _lang(update))))

    # -- buttons and inline mode ------------------------------------------------------------------------

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: page buttons edit their message, the others answer with a new one."""
        started = time.perf_counter()
        query = update.callback_query
        assert query is not None
        engine = self.store.engine
        pressed = resolve(query.data, engine)
        message = query.message if isinstance(query.message, Message) else None
        if pressed is None or (message is None and not pressed.edit):
            await query.answer(tr("stale_button", user_lang(query.from_user.language_code)))
            _logged("button", update, "stale", started)
            return
        await query.answer()
        if pressed.edit:
            text = render_html(pressed.answer, pressed.page)[0]
            markup = keyboard_for(pressed.answer, engine, pressed.page)
            try:
                await query.edit_message_text(
                    text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW
                )
            except BadRequest as error:  # a double tap: the page is already shown
                if "not modified" not in str(error).lower():
                    raise
        else:
            assert message is not None
            await reply_answer(message, pressed.answer, engine)
        _logged("button", update, pressed.answer.intent, started)

    async def inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``@bot <query>``: the models the question is about as cards; empty → the latest releases."""
        started = time.perf_counter()
        query = update.inline_query
        assert query is not None
        engine, text = self.store.engine, query.query.strip()
        if not text:
            lang = user_lang(query.from_user.language_code)
            text = f"最新的{INLINE_RESULTS}个模型" if lang == "zh" else f"latest {INLINE_RESULTS} models"
        answer = engine.answer(text)
        models = answer.suggestions if answer.intent == Intent.CLARIFY else answer.models
        results = [
            InlineQueryResultArticle(
                id=model.id,
                title=model.name,
                description=_one_line(answer, model),
                input_message_content=InputTextMessageContent(
                    render_html(engine.card(model, answer.lang))[0],
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                ),
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton(tr("btn_source", answer.lang), url=model.source)]]
                ),
            )
            for model in models[:INLINE_RESULTS]
        ]
        # an empty query is answered in the user's language, so it must not be cached across users
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=not query.query.strip())
        _logged("inline", update, answer.intent, started)


def _one_line(answer: Answer, model: Model) -> str:
    summary = model.summary_zh if answer.lang == "zh" else model.summary_en
    line = f"{answer.vendor_label(model.vendor)} · {model.released} · {summary}"
    return line if len(line) <= 120 else line[:119] + "…"


def _plural(n: int) -> str:
    return "" if n == 1 else "s"


def _reload_errors(error: KnowledgeLoadError, lang: Lang, private: bool) -> str:
    """The first errors (paths relative to the knowledge folder) in one message, then how many more.

    In a group only the count and where to read the errors: file names and problems are for the admin."""
    count = len(error.errors)
    if not private:
        return _esc(tr("reload_failed_group", lang, count=count, s=_plural(count)))
    head = _esc(tr("reload_failed", lang, count=count, s=_plural(count)))
    budget = MAX_MESSAGE - len(head) - len("\n<pre></pre>\n") - 60  # room for the "and N more" line
    shown: list[str] = []
    for line in error.lines()[:RELOAD_ERRORS_SHOWN]:
        line = _esc(line if len(line) <= RELOAD_ERROR_CHARS else line[: RELOAD_ERROR_CHARS - 1] + "…")
        if len(line) + 1 > budget:
            break
        shown.append(line)
        budget -= len(line) + 1
    text = f"{head}\n<pre>{chr(10).join(shown)}</pre>"
    if (more := count - len(shown)) > 0:
        text += "\n" + _esc(tr("reload_errors_more", lang, n=more, s=_plural(more)))
    return text


def _reload_report(result: KnowledgeDiff | KnowledgeLoadError, lang: Lang, private: bool = True) -> str:
    """The diff (+ added, − removed, ~ changed), or the errors: root causes first, one message at most."""
    if isinstance(result, KnowledgeLoadError):
        return _reload_errors(result, lang, private)
    lines = result.lines()
    shown = lines[:RELOAD_CHANGES_SHOWN]
    if len(lines) > len(shown):
        shown.append(tr("reload_more", lang, n=len(lines) - len(shown)))
    body = "\n".join(shown) if shown else tr("reload_same", lang)
    return f"{_esc(tr('reload_done', lang, summary=result.summary))}\n{_esc(body)}"


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log first (network trouble briefly, bugs with a traceback), then tell the user something short."""
    error = context.error
    if isinstance(error, NetworkError | RetryAfter):  # TimedOut is a NetworkError
        log.warning("Telegram request failed: %s", error)
    else:
        log.error("Error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        text = _esc(tr("error", _lang(update)))
        if isinstance(update.effective_message, Message):
            await update.effective_message.reply_html(text)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError as failure:
        log.warning("Could not tell the user about the error: %s", failure)
