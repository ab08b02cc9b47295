"""Answers → Telegram HTML and terminal text. Knows nothing of intents' rules, only of ``Answer``."""
