"""Logging for the Telegram bot: one line per record, and no secret in any of them, at any level.

Secrets reach log records by several roads: request URLs (they contain the token; httpx's own request
logging is silenced), exception messages and tracebacks, and PTB's DEBUG line that prints every Bot API
call's parameters (``setWebhook`` carries the webhook secret). A filter on every handler of the root logger
replaces each secret setting wherever it appears in a record, so no road is missed.
"""

import logging
import sys
from collections.abc import Iterable

from telegram.error import InvalidToken

REDACTED = "<redacted>"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    """Replaces every secret in a record (message, arguments, traceback, stack) before it is written."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))  # longest first

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if (cleaned := self._clean(message)) != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


class QuietInvalidToken(logging.Filter):
    """PTB logs a refused token with a full traceback; ``run_bot`` says it in one line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InvalidToken))


def install_secret_filter(secrets: Iterable[str]) -> None:
    """Add the redacting filter to every handler of the root logger (where every record ends up)."""
    redact = RedactSecrets(secrets)
    if not redact.secrets:
        return
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) and f.secrets == redact.secrets for f in handler.filters):
            handler.addFilter(redact)


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    """One line per record on stderr; no request URLs; every secret redacted anyway."""
    logging.basicConfig(format=LOG_FORMAT, level=level, stream=sys.stderr)
    logging.getLogger().setLevel(level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, QuietInvalidToken) for f in handler.filters):
            handler.addFilter(QuietInvalidToken())
    install_secret_filter(secrets)
