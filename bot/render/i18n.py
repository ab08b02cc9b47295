"""Every user-facing string, in Chinese and English — answers, the terminal and the Telegram interface.
``tr(key, lang, **values)`` picks and fills one."""

from bot.engine.normalize import Lang

STRINGS: dict[str, dict[Lang, str]] = {
    "help": {
        "zh": "你好！我是 AI 模型年鉴，熟悉 2025 年发布的 {models} 个 AI 模型（{vendors} 家机构）。可以这样问我：",
        "en": "Hi! I'm Model Almanac. I know the {models} AI models released in 2025 by {vendors} organisations. Try:",
    },
    "examples": {
        "zh": "Gemini 2.5 Pro 是什么\n哪些是开源模型\n谷歌发布了哪些模型\n3月发布了什么\no3 和 o4-mini 有什么区别\n"
        "上下文最长的模型\n最新的5个模型",
        "en": "What is Gemini 2.5 Pro?\nWhich Qwen models are open weights?\nWhat did Google release in Q2?\n"
        "Compare o3 vs o4-mini\nWhich model has the longest context?\nLatest 5 models",
    },
    "out_of_scope": {
        "zh": "这个问题超出了我的范围：我只回答 2025 年发布的 AI 模型（发布时间、开源、参数、上下文、对比等）。",
        "en": "That's outside what I cover: I answer questions about AI models released in 2025 "
        "(dates, open weights, parameters, context, comparisons).",
    },
    "legacy": {
        "zh": "{name} 不是 2025 年发布的模型，我只收录 2025 年的模型。",
        "en": "{name} was not released in 2025; I only cover 2025 models.",
    },
    "unknown": {
        "zh": "我的 2025 年模型库里没有「{name}」：它可能不是 2025 年发布的，或者叫别的名字。",
        "en": "“{name}” is not among the 2025 models I know: it may be from another year, or go by another name.",
    },
    "subjective": {
        "zh": "“最强/最好”没法只凭事实排出来。我可以按上下文长度、参数量、最大输出或发布时间排名，或者对比具体的模型。",
        "en": "“Best” can't be ranked from facts alone. I can rank by context window, parameters, max output or "
        "release date, or compare specific models.",
    },
    "try": {"zh": "可以试试：", "en": "You could ask:"},
    "filter": {
        "zh": "我没看懂「{name}」这个条件，所以没有列出全部模型。可以按厂商、开源、类型、能力、月份或国家筛选，比如：",
        "en": "I didn't understand “{name}” as a filter, so I'm not listing every model. You can filter by maker, open "
        "weights, type, capability, month or country, for example:",
    },
    "filter_examples": {
        "zh": "谷歌的视频模型\n开源的编程模型\n3月发布的推理模型\n能做OCR的模型\n全部模型",
        "en": "Google video models\nopen-weights coding models\nreasoning models from March\nmodels that can do OCR\n"
        "all models",
    },
    "clarify": {"zh": "你是不是想问：", "en": "Did you mean:"},
    "no_match": {"zh": "没有找到符合条件的模型。", "en": "No model matches that."},
    "count": {"zh": "共 {total} 个模型{what}。", "en": "{total} model{s}{what}."},
    "list_header": {"zh": "{what}：共 {total} 个", "en": "{what}: {total} in all"},
    "all_models": {"zh": "2025 年的模型", "en": "Models of 2025"},
    "latest_header": {"zh": "最新发布的 {n} 个模型{what}", "en": "The {n} newest models{what}"},
    "superlative_header": {"zh": "{metric}排名{what}", "en": "Ranked by {metric}{what}"},
    "smallest_first": {"zh": "（从小到大）", "en": " (smallest first)"},
    "open_note": {
        "zh": "（“开源”指模型权重可下载，即 open weights；各自许可不同，见每行括号。）",
        "en": "(Open = downloadable weights; licenses differ, shown per model.)",
    },
    "page": {"zh": "第 {page}/{pages} 页 · 共 {total} 个", "en": "page {page}/{pages} · {total} in all"},
    "price": {
        "zh": "价格经常变动，我不回答价格问题，请以 {name} 官方定价页为准（卡片里若提到价格，那是发布时的价格）。",
        "en": "Prices change often, so I don't answer price questions: please check {name}'s official pricing page "
        "(any price in the card is the launch price).",
    },
    "tl_title": {"zh": "2025 年 AI 模型时间线", "en": "AI models of 2025: timeline"},
    "tl_span": {"zh": "{first}–{last}", "en": "{first}–{last}"},
    "tl_total": {"zh": "共 {total} 个模型", "en": "{total} model{s}"},
    "tl_counts": {
        "zh": "共 {total} 个模型（开源 {open} · 闭源 {closed}）",
        "en": "{total} models ({open} open, {closed} closed)",
    },
    "tl_legend_open": {"zh": "开源（权重可下载）", "en": "open weights"},
    "tl_legend_closed": {"zh": "闭源", "en": "closed"},
    "tl_others": {"zh": "其他", "en": "Others"},
    "tl_page": {"zh": "第 {n}/{pages} 张", "en": "picture {n}/{pages}"},
    "tl_per_month": {"zh": "按月汇总", "en": "counted per month"},
    "tl_summary_note": {
        "zh": "模型太多，按月汇总数量；点下面的按钮看完整列表，或缩小范围，如 /timeline Q1、/timeline 谷歌。",
        "en": "Too many models to label: counts per month. The button below lists them all; or narrow it down, e.g. /timeline Q1, /timeline Google.",
    },
    "tl_footer": {"zh": "AI 模型年鉴 · Model Almanac", "en": "Model Almanac · AI 模型年鉴"},
    "not_disclosed": {"zh": "未公开", "en": "not disclosed"},
    "total_unknown": {"zh": "总量未公开", "en": "total not disclosed"},
    "not_verified": {"zh": "许可未核实", "en": "licence not verified"},
    "terms_not_verified": {"zh": "商用条款未核实", "en": "commercial terms not verified"},
    "note": {"zh": "（{note}）", "en": " ({note})"},
    "comma": {"zh": "，", "en": ", "},
    "capabilities": {"zh": "擅长", "en": "Good at"},
    "press_reports": {"zh": "据公开报道", "en": "per press reports"},
    "tokens": {"zh": "{n} token", "en": "{n} tokens"},
    "compare_header": {"zh": "对比：{names}", "en": "Comparison: {names}"},
    "versus": {"zh": " 对 ", "en": " vs "},
    "list_sep": {"zh": "、", "en": ", "},
    "pair_sep": {"zh": "；", "en": "; "},
    "differs": {"zh": "不同之处", "en": "Where they differ"},
    "same": {"zh": "相同：{facts}", "en": "The same: {facts}"},
    "verdict_newer": {"zh": "{name} 更新（{values}）", "en": "{name} is newer ({values})"},
    "verdict_older": {"zh": "{name} 更早（{values}）", "en": "{name} is older ({values})"},
    "verdict_params_total": {"zh": "{name} 参数更多（{values}）", "en": "{name} has more parameters ({values})"},
    "verdict_smaller": {"zh": "{name} 参数更少（{values}）", "en": "{name} has fewer parameters ({values})"},
    "verdict_context_window": {"zh": "{name} 上下文更长（{values}）", "en": "{name} has the longer context ({values})"},
    "verdict_max_output": {"zh": "{name} 最大输出更长（{values}）", "en": "{name} can output more ({values})"},
    "verdict_tie": {"zh": "{what}一样（{values}）", "en": "The same {what} ({values})"},
    "verdict_unknown": {
        "zh": "没法比较{what}：{names} 未公开",
        "en": "Can't compare {what}: not disclosed for {names}",
    },
    "not_a_ranking": {
        "zh": "“最好”没法只凭事实排出来：下面是具备这项能力的模型（按时间列出，不是排名）。可以按上下文长度、参数量、"
        "最大输出或发布时间排名，比如“上下文最长的编程模型”。",
        "en": "“Best” can't be ranked from facts alone: these are the models with that capability, by date, not a "
        "ranking. I can rank by context, parameters, max output or release date, e.g. “coding models with the "
        "longest context”.",
    },
    "unknown_fact": {"zh": "{name} 的{what}未公开。", "en": "{name}'s {what} is not disclosed."},
    "is_context": {"zh": "{name} 的上下文窗口是 {value}。", "en": "{name} has a context window of {value}."},
    "is_max_output": {
        "zh": "{name} 最多输出 {value} token（上下文 {context}）。",
        "en": "{name} outputs at most {value} tokens (context {context}).",
    },
    "is_params": {"zh": "{name} 的参数量：{value}。", "en": "{name} parameters: {value}."},
    "is_released": {"zh": "{name} 于 {date} 发布{later}。", "en": "{name} was released on {date}{later}."},
    "is_made_by": {"zh": "{name} 由 {vendor}（{country}）发布。", "en": "{name} is made by {vendor} ({country})."},
    "is_licensed": {"zh": "{name}：{value}。", "en": "{name}: {value}."},
    "yes_open": {"zh": "是的，{name} 开放权重（许可：{license}）。", "en": "Yes, {name} has open weights ({license})."},
    "not_open": {"zh": "不，{name} 没有开放权重（闭源）。", "en": "No, {name} is not open (closed weights)."},
    "reasoning_true": {"zh": "是，{name} 是推理模型。", "en": "Yes, {name} is a reasoning model."},
    "reasoning_hybrid": {
        "zh": "{name} 是混合推理模型：可以切换思考与不思考。",
        "en": "{name} is a hybrid reasoning model: thinking can be switched on and off.",
    },
    "reasoning_variants": {
        "zh": "{name} 有独立的思考版和非思考版。",
        "en": "{name} comes in separate thinking and non-thinking editions.",
    },
    "reasoning_false": {"zh": "不是，{name} 不是推理模型。", "en": "No, {name} is not a reasoning model."},
    "reasoning_none": {"zh": "{name} 是否推理模型没有说明。", "en": "Whether {name} reasons is not stated."},
    "is_modalities": {
        "zh": "{name} 输入：{inputs}；输出：{outputs}。",
        "en": "{name} takes {inputs} and outputs {outputs}.",
    },
    "is_access": {"zh": "{name} 的使用方式：{ways}。", "en": "{name} is available through: {ways}."},
    "access_api": {"zh": "API", "en": "API"},
    "access_app": {"zh": "官方应用", "en": "the vendor's app"},
    "access_cloud": {"zh": "云平台", "en": "cloud platforms"},
    "access_weights": {"zh": "下载权重本地运行", "en": "downloadable weights"},
    "commercial_yes": {
        "zh": "可以商用：{name} 的权重以 {license} 发布，允许商用{detail}。",
        "en": "Yes: {name}'s weights are under {license}, which allows commercial use{detail}.",
    },
    "commercial_conditional": {
        "zh": "有条件可以商用：{name} 的权重以 {license} 发布{detail}。",
        "en": "With conditions: {name}'s weights are under {license}{detail}.",
    },
    "commercial_no": {
        "zh": "不可以商用：{name} 的权重以 {license} 发布{detail}。",
        "en": "No: {name}'s weights are under {license}, which does not allow commercial use{detail}.",
    },
    "commercial_unverified": {
        "zh": "{name} 开放了权重，但商用条款未核实（许可：{license}{detail}）。",
        "en": "{name} has open weights, but its commercial terms are not verified ({license}{detail}).",
    },
    "commercial_closed": {
        "zh": "{name} 不开放权重；商用只能通过 {vendor} 的 API 或产品，按其服务条款。",
        "en": "{name} has no open weights; commercial use goes through {vendor}'s API or products, on its terms.",
    },
    "source": {"zh": "来源", "en": "Source"},
    "vendor": {"zh": "厂商", "en": "Vendor"},
    "released": {"zh": "发布", "en": "Released"},
    "type": {"zh": "类型", "en": "Type"},
    "open_weights": {"zh": "开源", "en": "Open weights"},
    "license": {"zh": "许可", "en": "License"},
    "params": {"zh": "参数", "en": "Parameters"},
    "active": {"zh": "激活", "en": "active"},
    "context_window": {"zh": "上下文", "en": "Context"},
    "max_output": {"zh": "最大输出", "en": "Max output"},
    "input": {"zh": "输入", "en": "Input"},
    "output": {"zh": "输出", "en": "Output"},
    "reasoning": {"zh": "推理", "en": "Reasoning"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "open": {"zh": "开源", "en": "open"},
    "closed": {"zh": "闭源", "en": "closed"},
    "is_open": {"zh": "开源（权重可下载），许可：{license}", "en": "open weights, license: {license}"},
    "is_closed": {"zh": "不开源（闭源），许可：{license}", "en": "not open (proprietary), license: {license}"},
    "filter_open": {"zh": "开源", "en": "open-weights"},
    "filter_closed": {"zh": "闭源", "en": "closed"},
    "filter_reasoning": {"zh": "推理", "en": "reasoning"},
    "filter_hybrid": {"zh": "混合推理（可切换思考）", "en": "hybrid reasoning (switchable thinking)"},
    "filter_input": {"zh": "支持{modality}输入", "en": "accepting {modality} input"},
    "metric_context_window": {"zh": "上下文长度", "en": "context window"},
    "metric_max_output": {"zh": "最大输出", "en": "max output"},
    "metric_params_total": {"zh": "参数量", "en": "parameters"},
    "metric_oldest": {"zh": "发布时间（最早）", "en": "release date (oldest first)"},
    # -- the Telegram interface: command menu, buttons, notices --
    # command menu (setMyCommands): at most 256 characters each
    "cmd_start": {"zh": "开始 · 示例问题", "en": "Start · example questions"},
    "cmd_help": {"zh": "帮助 · 可以问什么", "en": "Help · what you can ask"},
    "cmd_latest": {"zh": "最新发布的模型 [数量]", "en": "Newest models [count]"},
    "cmd_model": {"zh": "查看模型卡片 <名称>", "en": "A model's card <name>"},
    "cmd_compare": {"zh": "对比两三个模型 <a> <b> [c]", "en": "Compare two or three models <a> <b> [c]"},
    "cmd_list": {"zh": "按条件列出模型 [条件]", "en": "List models [filter words]"},
    "cmd_vendors": {"zh": "所有厂商及模型数", "en": "All vendors with model counts"},
    "cmd_timeline": {"zh": "2025 年时间线图片 [条件]", "en": "The 2025 timeline as a picture [filter words]"},
    "cmd_subscribe": {"zh": "订阅新模型通知", "en": "Get news of new models here"},
    "cmd_unsubscribe": {"zh": "取消新模型通知", "en": "Stop the news of new models"},
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
    # subscriptions, announcements, /stats, replicas
    "subscribed": {
        "zh": "已订阅：知识库加入新模型、或模型的日期或开源信息变化时，我会在这里通知。/unsubscribe 可取消。",
        "en": "Subscribed: I'll post here when new models are added or a model's dates or open weights change. "
        "/unsubscribe stops it.",
    },
    "already_subscribed": {"zh": "这个聊天已经订阅了。", "en": "This chat is already subscribed."},
    "unsubscribed": {"zh": "已取消订阅。", "en": "Unsubscribed."},
    "not_subscribed": {"zh": "这个聊天没有订阅。", "en": "This chat is not subscribed."},
    "admins_only_subscribe": {
        "zh": "在群里只有群管理员可以订阅或取消订阅。",
        "en": "In groups, only the group's administrators can subscribe or unsubscribe.",
    },
    "admin_check_failed": {
        "zh": "暂时无法确认你是不是群管理员，请稍后再试。",
        "en": "I couldn't check whether you are an administrator here; please try again later.",
    },
    "storage_unavailable": {
        "zh": "这项服务暂时不可用，请稍后再试（问答不受影响）。",
        "en": "This is temporarily unavailable; please try again later (questions still work).",
    },
    "stats_refused": {"zh": "抱歉，只有管理员可以查看统计。", "en": "Sorry, only admins can see the statistics."},
    "announce_header": {"zh": "🆕 模型年鉴更新：", "en": "🆕 New in Model Almanac:"},
    "announce_changed": {"zh": "（日期或开源信息有更新）", "en": "(dates or open weights updated)"},
    "announce_open": {"zh": "开源", "en": "open weights"},
    "announce_more": {"zh": "……另有 {n} 个，见 /latest", "en": "… and {n} more: /latest"},
    "announce_footer": {"zh": "退订：/unsubscribe", "en": "To stop these: /unsubscribe"},
    "replica_reload_failed": {
        "zh": "副本 {replica} 重新加载失败（{count} 个错误），仍在使用原来的知识库。",
        "en": "Replica {replica} could not reload ({count} errors); it still serves the previous knowledge.",
    },
    "replica_version_differs": {
        "zh": "副本 {replica} 已重新加载，但它的知识文件与这里不同（版本 {version}）。",
        "en": "Replica {replica} reloaded, but its knowledge files differ from these (version {version}).",
    },
    # insights (/stats and `python -m bot stats`)
    "stats_header": {
        "zh": "{first} 至 {last} 回答的问题：{total} 个，按意图：",
        "en": "Questions answered {first} … {last}: {total}, by intent:",
    },
    "stats_clarify": {"zh": "“你是不是想问”回答占比：{share}", "en": "Share of “did you mean” answers: {share}"},
    "stats_unknown": {
        "zh": "知识库里没有、被问到最多的名字（前 {n} 个）：",
        "en": "Most asked names the knowledge lacks (top {n}):",
    },
    "stats_none": {"zh": "（暂无）", "en": "(none yet)"},
}

TYPES: dict[str, dict[Lang, str]] = {
    "llm": {"zh": "大语言模型", "en": "LLM"},
    "multimodal-llm": {"zh": "多模态大模型", "en": "multimodal LLM"},
    "image": {"zh": "图像生成", "en": "image generation"},
    "video": {"zh": "视频生成", "en": "video generation"},
    "audio": {"zh": "音频/语音", "en": "audio"},
    "embedding": {"zh": "嵌入", "en": "embedding"},
    "3d": {"zh": "3D 生成", "en": "3D generation"},
    "world-model": {"zh": "世界模型", "en": "world model"},
    "other": {"zh": "其他", "en": "other"},
}
MODALITIES: dict[str, dict[Lang, str]] = {
    "text": {"zh": "文本", "en": "text"},
    "image": {"zh": "图像", "en": "image"},
    "audio": {"zh": "音频", "en": "audio"},
    "video": {"zh": "视频", "en": "video"},
    "pdf": {"zh": "PDF", "en": "PDF"},
    "embedding": {"zh": "向量", "en": "embedding"},
    "3d": {"zh": "3D", "en": "3D"},
}
LICENSE_WORDS: dict[str, dict[Lang, str]] = {  # licence values that are words, not names
    "proprietary": {"zh": "专有", "en": "proprietary"},
    "varies by size": {"zh": "因尺寸而异", "en": "varies by size"},
}
COMMERCIAL_USE: dict[str, dict[Lang, str]] = {
    "yes": {"zh": "可商用", "en": "commercial use allowed"},
    "conditional": {"zh": "有条件可商用", "en": "commercial use with conditions"},
    "no": {"zh": "不可商用", "en": "no commercial use"},
}
REASONING: dict[object, dict[Lang, str]] = {
    True: {"zh": "是（推理模型）", "en": "yes (reasoning model)"},
    False: {"zh": "否", "en": "no"},
    "hybrid": {"zh": "混合（可切换思考）", "en": "hybrid (switchable thinking)"},
    "variants": {"zh": "有独立的思考版与非思考版", "en": "separate thinking and non-thinking editions"},
    None: {"zh": "未说明", "en": "not stated"},
}
COUNTRIES: dict[str, dict[Lang, str]] = {
    "China": {"zh": "中国", "en": "Chinese"},
    "US": {"zh": "美国", "en": "US"},
    "France": {"zh": "法国", "en": "French"},
    "Germany": {"zh": "德国", "en": "German"},
    "Canada": {"zh": "加拿大", "en": "Canadian"},
    "South Korea": {"zh": "韩国", "en": "South Korean"},
    "UAE": {"zh": "阿联酋", "en": "Emirati"},
}
MONTHS: dict[Lang, tuple[str, ...]] = {
    "zh": tuple(f"{n}月" for n in range(1, 13)),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def tr(key: str, lang: Lang, **values: object) -> str:
    """The string ``key`` in ``lang``, filled with ``values``: the one translation function of the bot."""
    return STRINGS[key][lang].format(**values)
