"""Question answering: normalise → names and intent → ``Answer``. Knows nothing of Telegram."""

from bot.engine.answer import Answer, Engine, Filters, Intent

__all__ = ["Answer", "Engine", "Filters", "Intent"]
