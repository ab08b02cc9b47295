"""Wiring: settings + knowledge store → one PTB ``Application``; and ``run_bot``, the process entry point."""

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
from bot.store import KnowledgeStore
from bot.tg.handlers import Handlers
from bot.tg.messages import tr

log = logging.getLogger(__name__)

PRIVATE_COMMANDS = ("start", "help", "latest", "model", "compare", "list", "vendors")
GROUP_COMMANDS = ("help", "latest", "model", "compare", "list", "vendors")
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "<token>"


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


def build_application(
    settings: Settings,
    store: KnowledgeStore,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> Application:
    """The one Application: real HTTP unless tests inject a fake ``request``."""
    if settings.token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is required to build the Telegram application")
    application = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .request(request or HTTPXRequest(connection_pool_size=64))
        .get_updates_request(get_updates_request or HTTPXRequest(connection_pool_size=1))
        .rate_limiter(AIORateLimiter())
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(True)  # a /reload or a slow send must not hold up everyone else's answers
        .post_init(set_command_menus)
        .build()
    )
    Handlers(store, settings.admin_ids).register(application)
    return application


class RedactToken(logging.Filter):
    """Replaces the bot token in every record (message, arguments, traceback) before it is written."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, REDACTED), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, REDACTED)
        if record.stack_info and self.token in record.stack_info:
            record.stack_info = record.stack_info.replace(self.token, REDACTED)
        return True


def install_token_filter(token: str | None) -> None:
    """Add the redacting filter to every handler of the root logger (where every record ends up)."""
    if not token:
        return
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactToken) and f.token == token for f in handler.filters):
            handler.addFilter(RedactToken(token))


def setup_logging(settings: Settings) -> None:
    """One line per record; no request URLs (they contain the token); the token redacted anyway."""
    logging.basicConfig(format=LOG_FORMAT, level=settings.log_level, stream=sys.stderr)
    logging.getLogger().setLevel(settings.log_level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    install_token_filter(settings.token)


def run_bot(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM. 0 after a clean stop; 1 if the knowledge does not load or the bot crashes;
    2 if Telegram rejects the token (a configuration error, like those of ``load_settings``)."""
    setup_logging(settings)
    try:
        store = KnowledgeStore.load(settings.knowledge_dir)
    except KnowledgeLoadError as error:
        print(error.report(), file=sys.stderr)
        print(f"{error}: the bot did not start (run `python -m bot check`)", file=sys.stderr)
        return 1
    log.info("knowledge: %s", store.engine.knowledge.summary())
    application = build_application(settings, store)
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
