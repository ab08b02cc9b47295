"""The answer language of a Telegram user (every string itself lives in ``bot.render.i18n``)."""

from bot.engine.normalize import Lang


def user_lang(language_code: str | None) -> Lang:
    """Telegram's ``language_code`` → the answer language: zh, zh-hans, zh-TW … → zh; anything else → en."""
    return "zh" if (language_code or "").lower().startswith("zh") else "en"
