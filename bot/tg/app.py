"""Wiring: settings + knowledge store → one PTB ``Application``; and ``run_bot``, the process entry point."""

import asyncio
import logging
import sys

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken
from telegram.ext import AIORateLimiter, Application, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import CONFIG_ERROR_EXIT, Settings
from bot.engine.normalize import Lang
from bot.kb import KnowledgeLoadError
from bot.pictures import TimelinePictures
from bot.render.i18n import tr
from bot.storage import Database, StorageStartError
from bot.storage.database import safe_url
from bot.store import KnowledgeStore
from bot.tg.chat_queues import ChatQueues
from bot.tg.handlers import Handlers
from bot.tg.logs import setup_logging
from bot.tg.retrying_request import RetryingRequest
from bot.tg.stateful import Stateful

log = logging.getLogger(__name__)

PRIVATE_COMMANDS = (
    "start",
    "help",
    "latest",
    "model",
    "compare",
    "list",
    "timeline",
    "vendors",
    "subscribe",
    "unsubscribe",
)
GROUP_COMMANDS = ("help", "latest", "model", "compare", "list", "timeline", "vendors", "subscribe", "unsubscribe")
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]


def _commands(names: tuple[str, ...], lang: Lang) -> list[BotCommand]:
    return [BotCommand(name, tr(f"cmd_{name}", lang)) for name in names]


async def set_command_menus(application: Application) -> None:
    """The command menu per chat kind and language; other languages get the English one."""
    scopes: list[tuple[BotCommandScope, tuple[str, ...]]] = [
        (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
    ]
    for scope, names in scopes:
        languages: tuple[tuple[str | None, Lang], ...] = (("zh", "zh"), ("en", "en"), (None, "en"))
        for code, lang in languages:
            await application.bot.set_my_commands(_commands(names, lang), scope=scope, language_code=code)


async def _post_init(application: Application) -> None:
    await set_command_menus(application)
    if (stateful := Stateful.of(application)) is not None:
        await stateful.start()


async def _post_shutdown(application: Application) -> None:
    if (stateful := Stateful.of(application)) is not None:
        await stateful.stop()


def build_application(
    settings: Settings,
    store: KnowledgeStore,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    pictures: TimelinePictures | None = None,
    database: Database | None = None,
) -> Application:
    """The one Application: real HTTP unless tests inject a fake ``request``; with a ``database``, the
    features that need one (subscriptions, insights, replicas: ``bot.tg.stateful``).

    Bot API calls go through ``RetryingRequest`` (a send that never left is sent again); updates go through
    ``ChatQueues`` (one bounded lane per chat, so a flooding chat never holds PTB's shared slots), which
    gets to finish or cancel its work after the Application stops and before the connection closes."""
    if settings.token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is required to build the Telegram application")
    handlers = Handlers(store, settings.admin_ids, pictures=pictures or TimelinePictures(store))
    queues = ChatQueues(on_overflow=handlers.too_fast)

    async def drain(_: Application) -> None:
        await queues.drain()

    application = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .request(RetryingRequest(request or HTTPXRequest(connection_pool_size=64)))
        .get_updates_request(get_updates_request or HTTPXRequest(connection_pool_size=1))
        .rate_limiter(AIORateLimiter())
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(queues)
        .post_init(_post_init)
        .post_stop(drain)
        .post_shutdown(_post_shutdown)
        .build()
    )
    if database is not None:
        Stateful(application, handlers, store, database, settings.replica_name)
    handlers.register(application)
    return application


def run_bot(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM. 0 after a clean stop; 1 if the knowledge does not load or the bot crashes;
    2 if Telegram rejects the token (a configuration error, like those of ``load_settings``)."""
    setup_logging(settings.log_level, settings.secrets)
    try:
        store = KnowledgeStore.load(settings.knowledge_dir)
    except KnowledgeLoadError as error:
        print(error.report(), file=sys.stderr)
        print(f"{error}: the bot did not start (run `python -m bot check`)", file=sys.stderr)
        return 1
    log.info("knowledge: %s (version %s)", store.engine.knowledge.summary(), store.content_hash[:12])
    try:
        database = asyncio.run(open_database(settings))
    except StorageStartError as error:
        print(error, file=sys.stderr)
        return CONFIG_ERROR_EXIT
    application = build_application(settings, store, database=database)
    try:
        _run(application, settings)
    except InvalidToken:  # PTB's message repeats the token: say it our way
        print("configuration error: TELEGRAM_BOT_TOKEN: rejected by Telegram", file=sys.stderr)
        return CONFIG_ERROR_EXIT
    except Exception:  # logged through the redacting filter, never as a raw traceback on stderr
        log.critical("the bot stopped after an unexpected error", exc_info=True)
        return 1
    log.info("stopped")
    return 0


async def open_database(settings: Settings) -> Database:
    """Open and migrate the database at start-up, then return its connections to the pool's maker: the
    bot's own event loop (started by PTB) opens new ones."""
    database = await Database.open(settings.database_url.get_secret_value())
    await database.close()
    log.info("storage: %s (%s)", safe_url(database.url), database.dialect)
    return database


def _run(application: Application, settings: Settings) -> None:
    """Blocks in PTB's loop, which stops on SIGINT, SIGTERM and SIGABRT."""
    if settings.mode == "webhook":
        assert settings.webhook_url is not None and settings.webhook_secret is not None  # checked by Settings
        log.info("webhook mode on port %d, path /%s", settings.port, settings.webhook_path)
        application.run_webhook(
            listen="0.0.0.0",
            port=settings.port,
            url_path=settings.webhook_path,
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
            bootstrap_retries=-1,
        )
    else:
        log.info("polling mode")
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
