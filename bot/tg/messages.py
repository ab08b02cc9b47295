"""Strings only the Telegram bot says (command menu, buttons, notices), each in Chinese and English.

Everything that describes models lives in ``bot.render.i18n``; this file holds the words of the chat
interface itself, so the terminal chat never carries them.
"""

from bot.engine.normalize import Lang

STRINGS: dict[str, dict[Lang, str]] = {
    # command menu (setMyCommands): at most 256 characters each
    "cmd_start": {"zh": "开始 · 示例问题", "en": "Start · example questions"},
    "cmd_help": {"zh": "帮助 · 可以问什么", "en": "Help · what you can ask"},
    "cmd_latest": {"zh": "最新发布的模型 [数量]", "en": "Newest models [count]"},
    "cmd_model": {"zh": "查看模型卡片 <名称>", "en": "A model's card <name>"},
    "cmd_compare": {"zh": "对比两三个模型 <a> <b> [c]", "en": "Compare two or three models <a> <b> [c]"},
    "cmd_list": {"zh": "按条件列出模型 [条件]", "en": "List models [filter words]"},
    "cmd_vendors": {"zh": "所有厂商及模型数", "en": "All vendors with model counts"},
    "cmd_timeline": {"zh": "2025 年时间线图片 [条件]", "en": "The 2025 timeline as a picture [filter words]"},
    # greetings and usage
    "start": {
        "zh": "直接发问题给我就行，也可以用命令：/latest /model /compare /list /timeline /vendors",
        "en": "Just send me a question, or use the commands: /latest /model /compare /list /timeline /vendors",
    },
    "group_hint": {
        "zh": "在群里请 @我、回复我的消息或使用命令来提问。",
        "en": "In groups, mention me, reply to one of my messages, or use a command.",
    },
    "usage_model": {
        "zh": "用法：/model 模型名，例如 /model Gemini 2.5 Pro",
        "en": "Usage: /model <name>, e.g. /model o3",
    },
    "usage_compare": {
        "zh": "用法：/compare 模型A 模型B [模型C]，例如 /compare o3 o4-mini",
        "en": "Usage: /compare <a> <b> [c], e.g. /compare o3 o4-mini",
    },
    "timeline_unknown": {
        "zh": "这些词不是时间线的筛选条件：{words}。可以这样用：/timeline 开源、/timeline 谷歌、/timeline 视频、"
        "/timeline Q1、/timeline 1-4月",
        "en": "These words are not timeline filters: {words}. Try /timeline open weights, /timeline Google, "
        "/timeline video, /timeline Q1, /timeline Jan-Apr",
    },
    "usage_latest": {"zh": "用法：/latest [1–20 的数字]", "en": "Usage: /latest [a number from 1 to 20]"},
    "vendors_header": {"zh": "{vendors} 家机构 · {models} 个模型", "en": "{vendors} organisations · {models} models"},
    "vendor_line": {"zh": "{label}：{n} 个", "en": "{label}: {n}"},
    # /reload
    "reload_refused": {
        "zh": "抱歉，只有管理员可以重新加载知识库。",
        "en": "Sorry, only admins can reload the knowledge.",
    },
    "reload_done": {"zh": "已重新加载：{summary}", "en": "Reloaded: {summary}"},
    "reload_same": {"zh": "没有模型变化。", "en": "No model changed."},
    "reload_more": {"zh": "……另有 {n} 项", "en": "… and {n} more"},
    "reload_failed": {
        "zh": "重新加载失败（{count} 个错误），仍在使用原来的知识库：",
        "en": "Reload failed ({count} error{s}); still using the previous knowledge:",
    },
    "reload_failed_group": {
        "zh": "重新加载失败（{count} 个错误），仍在使用原来的知识库。请在与我的私聊中发送 /reload 查看错误详情。",
        "en": "Reload failed ({count} error{s}); still using the previous knowledge. "
        "Send /reload to me in a private chat to see the errors.",
    },
    "reload_errors_more": {"zh": "……另有 {n} 个错误", "en": "… and {n} more error{s}"},
    # buttons
    "btn_source": {"zh": "🔗 来源", "en": "🔗 Source"},
    "btn_card": {"zh": "📄 完整卡片", "en": "📄 Full card"},
    "btn_vendor": {"zh": "🏢 {vendor} 的模型", "en": "🏢 More from {vendor}"},
    "btn_family": {"zh": "👪 {family} 系列", "en": "👪 {family} family"},
    "btn_compare": {"zh": "⚖️ 与 {name} 对比", "en": "⚖️ Compare with {name}"},
    "btn_prev": {"zh": "◀ 上一页", "en": "◀ Prev"},
    "btn_next": {"zh": "下一页 ▶", "en": "Next ▶"},
    "btn_as_list": {"zh": "📋 以文字列表查看", "en": "📋 As a text list"},
    # notices
    "stale_button": {
        "zh": "这个按钮已失效，请重新提问。",
        "en": "This button is no longer valid; please ask again.",
    },
    "too_fast": {"zh": "太快了，请稍后再试。", "en": "Slow down, please: too many messages at once."},
    "error": {"zh": "抱歉，出了点问题，请稍后再试。", "en": "Sorry, something went wrong. Please try again."},
    "unknown_link": {"zh": "这个链接里的模型我不认识。", "en": "I don't know the model in that link."},
}


def tr(key: str, lang: Lang, **values: object) -> str:
    """The Telegram string ``key`` in ``lang``, filled with ``values``."""
    return STRINGS[key][lang].format(**values)


def user_lang(language_code: str | None) -> Lang:
    """Telegram's ``language_code`` → the answer language: zh, zh-hans, zh-TW … → zh; anything else → en."""
    return "zh" if (language_code or "").lower().startswith("zh") else "en"
