"""The Telegram bot: ``build_application`` wires the handlers, ``run_bot`` runs them (polling or webhook)."""

from bot.tg.app import build_application, run_bot

__all__ = ["build_application", "run_bot"]
