"""Question answering: normalise → names and intent → ``Answer``. Knows nothing of Telegram."""

from bot.engine.answer import Answer, Engine, FilterWords, Intent
from bot.engine.filters import Filters

__all__ = ["Answer", "Engine", "FilterWords", "Filters", "Intent"]
