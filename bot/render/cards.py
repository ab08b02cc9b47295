"""``Answer`` → Telegram HTML messages (each ≤ 4096 characters, split between cards) or terminal text.

Every string that came from the knowledge base or the user is escaped; the layout is the same in both
forms, only the markup differs.
"""

import html
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.engine import Answer, Filters, Intent
from bot.engine.normalize import Lang
from bot.kb.schema import Milestone, Model
from bot.render.i18n import COMMERCIAL_USE, COUNTRIES, LICENSE_WORDS, MODALITIES, REASONING, TYPES, text

MAX_MESSAGE = 4096
PAGE_SIZE = 10
LISTS = (Intent.LIST, Intent.COUNT, Intent.LATEST, Intent.SUPERLATIVE)


@dataclass(frozen=True, slots=True)
class Markup:
    """HTML for Telegram, nothing for the terminal."""

    html: bool

    def esc(self, value: object) -> str:
        return html.escape(str(value), quote=False) if self.html else str(value)

    def bold(self, value: object) -> str:
        return f"<b>{self.esc(value)}</b>" if self.html else str(value)

    def italic(self, value: object) -> str:
        return f"<i>{self.esc(value)}</i>" if self.html else str(value)

    def link(self, label: str, url: str) -> str:
        return f'<a href="{html.escape(url, quote=True)}">{self.esc(label)}</a>' if self.html else f"{label}: {url}"

    def pre(self, value: str) -> str:
        return f"<pre>{self.esc(value)}</pre>" if self.html else value


HTML = Markup(html=True)
PLAIN = Markup(html=False)


def _tokens(value: int | None, lang: Lang) -> str:
    return text("not_disclosed", lang) if value is None else text("tokens", lang, n=f"{value:,}")


def _modalities(values: tuple[str, ...], lang: Lang) -> str:
    return "/".join(MODALITIES[v][lang] for v in values)


def _timeline(model: Model, lang: Lang) -> str:
    if len(model.dates) == 1:
        return str(model.released)
    return " · ".join(f"{step.date} {step.stage(lang)}" for step in model.dates)


def billions(value: float) -> str:
    """235 → "235B", 0.308 → "308M", 2400 → "2.4T": the unit people write parameter counts in."""
    if value >= 1000:
        return f"{value / 1000:g}T"
    if value < 1:
        return f"{value * 1000:g}M"
    return f"{value:g}B"


def _params_short(model: Model, lang: Lang) -> str:
    """ "235B (激活 22B)": the numbers alone, for tables and rankings."""
    total, active = model.params_total_b, model.params_active_b
    if total is None and active is None:
        return text("not_disclosed", lang)
    shown = billions(total) if total is not None else text("total_unknown", lang)
    return f"{shown} ({text('active', lang)} {billions(active)})" if active is not None else shown


def _params(model: Model, lang: Lang) -> str:
    note = model.params_note_zh if lang == "zh" else model.params_note_en
    if model.params_total_b is None and model.params_active_b is None:
        return note or text("not_disclosed", lang)
    return f"{_params_short(model, lang)}{text('note', lang, note=note) if note else ''}"


def license_name(model: Model, lang: Lang) -> str:
    """The short licence name; the few that are words ("proprietary") in the answer's language."""
    if model.license is None:
        return text("not_verified", lang)
    return LICENSE_WORDS.get(model.license, {}).get(lang, model.license)


def _license(model: Model, lang: Lang) -> str:
    """ "Apache-2.0，可商用" / "Llama 4 Community License, commercial use with conditions (…)"."""
    if not model.open_weights:
        return license_name(model, lang)
    note = model.license_note_zh if lang == "zh" else model.license_note_en
    use = COMMERCIAL_USE[model.commercial_use][lang] if model.commercial_use else text("terms_not_verified", lang)
    return f"{license_name(model, lang)}{text('comma', lang)}{use}{text('note', lang, note=note) if note else ''}"


def _openness(model: Model, lang: Lang) -> str:
    key = "is_open" if model.open_weights else "is_closed"
    return text(key, lang, license=_license(model, lang))


def _capabilities(model: Model, answer: Answer) -> str:
    return " · ".join(answer.capability_label(c) for c in model.capabilities)


def card(model: Model, answer: Answer, m: Markup) -> str:
    """The full card of one model."""
    lang = answer.lang
    summary = model.summary_zh if lang == "zh" else model.summary_en
    highlights = model.highlights_zh if lang == "zh" else model.highlights_en
    lines = [
        f"{m.bold(model.name)} · {m.esc(answer.vendor_label(model.vendor))}",
        m.italic(summary),
        f"📅 {text('released', lang)}: {m.esc(_timeline(model, lang))}",
        f"🏷 {text('type', lang)}: {m.esc(TYPES[model.type][lang])} · {text('reasoning', lang)}: "
        f"{m.esc(REASONING[model.reasoning][lang])}",
        f"🔓 {text('open_weights', lang)}: {m.esc(_openness(model, lang))}",
        f"🧮 {text('params', lang)}: {m.esc(_params(model, lang))}",
        f"📏 {text('context_window', lang)}: {m.esc(_tokens(model.context_window, lang))} · "
        f"{text('max_output', lang)}: {m.esc(_tokens(model.max_output, lang))}",
        f"🎛 {text('input', lang)}: {m.esc(_modalities(model.input_modalities, lang))} → "
        f"{text('output', lang)}: {m.esc(_modalities(model.output_modalities, lang))}",
        f"🧰 {text('capabilities', lang)}: {m.esc(_capabilities(model, answer))}",
        *(f"• {m.esc(h)}" for h in highlights),
        f"🔗 {m.link(text('source', lang), model.source)}"
        + (f" · {m.esc(text('press_reports', lang))}" if model.confidence == "medium" else ""),
    ]
    return "\n".join(lines)


def _listed_step(model: Model, filters: Filters) -> Milestone:
    """The step a list shows: the first one inside the time range, else the release."""
    return filters.steps_in_range(model)[0] if filters.start else model.dates[0]


def list_line(model: Model, answer: Answer, m: Markup) -> str:
    """date · name · vendor · open (license) / closed, with the milestone that put it in a time range."""
    lang, filters = answer.lang, answer.filters
    step = _listed_step(model, filters)
    note = f" ({step.stage(lang)})" if filters.start and not step.is_release else ""
    openness = f"{text('open', lang)} ({license_name(model, lang)})" if model.open_weights else text("closed", lang)
    return (
        f"{step.date} · {m.bold(model.name)}{m.esc(note)} · {m.esc(answer.vendor_label(model.vendor))} · "
        f"{m.esc(openness)}"
    )


def _describe_filters(answer: Answer) -> str:
    filters, lang = answer.filters, answer.lang
    parts: list[str] = []
    if filters.vendors:
        parts.append("/".join(sorted(answer.vendor_label(v) for v in filters.vendors)))
    if filters.country:
        parts.append(COUNTRIES.get(filters.country, {}).get(lang, filters.country))
    if filters.family:
        parts.append(filters.family)
    if filters.start and filters.end:
        parts.append(f"{filters.start}…{filters.end}")
    if filters.open_weights is not None:
        parts.append(text("filter_open" if filters.open_weights else "filter_closed", lang))
    if filters.reasoning:
        parts.append(text("filter_reasoning", lang))
    if filters.hybrid:
        parts.append(text("filter_hybrid", lang))
    parts.extend(TYPES[t][lang] for t in sorted(filters.types))
    parts.extend(answer.capability_label(c) for c in sorted(filters.capabilities))
    if filters.input_modality:
        parts.append(text("filter_input", lang, modality=MODALITIES[filters.input_modality][lang]))
    return " · ".join(parts)


def _metric_value(model: Model, answer: Answer, lang: Lang) -> str:
    if answer.metric == "params_total":
        return _params_short(model, lang)
    if answer.metric == "oldest":
        return str(model.released)
    return _tokens(getattr(model, answer.metric or "context_window"), lang)


def page_count(answer: Answer) -> int:
    return max(1, math.ceil(len(answer.models) / PAGE_SIZE)) if answer.intent in (Intent.LIST, Intent.COUNT) else 1


def _width(value: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in value)


def _pad(value: str, width: int) -> str:
    return value + " " * (width - _width(value))


def compare_table(models: tuple[Model, ...], lang: Lang) -> str:
    """One aligned table, a column per model (monospace; CJK counted double width)."""
    rows: list[tuple[str, Callable[[Model], str]]] = [
        (text("vendor", lang), lambda x: x.vendor),
        (text("released", lang), lambda x: str(x.released)),
        (text("type", lang), lambda x: TYPES[x.type][lang]),
        (text("reasoning", lang), lambda x: REASONING[x.reasoning][lang].split("（")[0].split(" (")[0]),
        (text("open_weights", lang), lambda x: text("yes" if x.open_weights else "no", lang)),
        (text("license", lang), lambda x: license_name(x, lang)),
        (text("params", lang), lambda x: _params_short(x, lang)),
        (text("context_window", lang), lambda x: f"{x.context_window:,}" if x.context_window else "-"),
        (text("max_output", lang), lambda x: f"{x.max_output:,}" if x.max_output else "-"),
        (text("input", lang), lambda x: _modalities(x.input_modalities, lang)),
    ]
    table = [["", *(m.name for m in models)]] + [[label, *(get(m) for m in models)] for label, get in rows]
    widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in table)


def _blocks(answer: Answer, m: Markup, page: int | None) -> list[str]:
    """The answer as blocks (a card, a table, a paragraph): messages are split only between blocks."""
    lang = answer.lang
    if answer.intent == Intent.HELP:
        vendors = len(answer.vendor_names)
        return [m.esc(text("help", lang, models=answer.total, vendors=vendors)), m.esc(text("examples", lang))]
    if answer.intent == Intent.OUT_OF_SCOPE:
        reason = answer.reason or "topic"
        head = text("out_of_scope" if reason == "topic" else reason, lang, name=answer.unknown_name)
        if answer.suggestions:
            return [m.esc(head), m.esc(text("clarify", lang)), _suggestion_lines(answer, m)]
        examples = text("filter_examples" if reason == "filter" else "examples", lang)
        return [m.esc(head), f"{text('try', lang)}\n{m.esc(examples)}"]
    if answer.intent == Intent.CLARIFY:
        unknown = text("unknown", lang, name=answer.unknown_name) + "\n" if answer.unknown_name else ""
        return [m.esc(unknown + text("clarify", lang)), _suggestion_lines(answer, m)]
    if answer.intent == Intent.CARD:
        return [card(answer.models[0], answer, m)]
    if answer.intent == Intent.FIELD:
        return [_field(answer, m), card(answer.models[0], answer, m)]
    if answer.intent == Intent.COMPARE:
        return [m.bold(text("compare_header", lang)), m.pre(compare_table(answer.models, lang))]
    return _list_blocks(answer, m, page)


def _suggestion_lines(answer: Answer, m: Markup) -> str:
    return "\n".join(f"• {m.bold(s.name)} · {m.esc(answer.vendor_label(s.vendor))}" for s in answer.suggestions)


def _field(answer: Answer, m: Markup) -> str:
    model, lang = answer.models[0], answer.lang
    name = model.name
    values: dict[str, Callable[[], str]] = {
        "context_window": lambda: _tokens(model.context_window, lang),
        "max_output": lambda: _tokens(model.max_output, lang),
        "params": lambda: _params(model, lang),
        "license": lambda: _openness(model, lang),
        "released": lambda: _timeline(model, lang),
        "modalities": lambda: (
            f"{_modalities(model.input_modalities, lang)} → {_modalities(model.output_modalities, lang)}"
        ),
        "reasoning": lambda: REASONING[model.reasoning][lang],
    }
    if answer.fact == "price" or answer.fact not in values:
        return m.esc(text("price", lang, name=name))
    return m.bold(text(f"field_{answer.fact}", lang, name=name, value=values[answer.fact]()))


def _list_blocks(answer: Answer, m: Markup, page: int | None) -> list[str]:
    lang, filters = answer.lang, answer.filters
    what = _describe_filters(answer)
    if answer.intent == Intent.LATEST:
        header = text("latest_header", lang, n=len(answer.models), what=f" · {what}" if what else "")
    elif answer.intent == Intent.SUPERLATIVE:
        metric = text(f"metric_{answer.metric}", lang) + (text("smallest_first", lang) if answer.lowest else "")
        header = text("superlative_header", lang, metric=metric, what=f" · {what}" if what else "")
    elif answer.intent == Intent.COUNT:
        header = text(
            "count", lang, total=answer.total, s="" if answer.total == 1 else "s", what=f" ({what})" if what else ""
        )
    else:
        header = text("list_header", lang, what=what or text("all_models", lang), total=answer.total)
    blocks = [m.bold(header)]
    if not answer.models:
        return [*blocks, m.esc(text("no_match", lang))]
    if filters.open_weights:
        blocks.append(m.esc(text("open_note", lang)))
    models = answer.models
    if page is not None and answer.intent in (Intent.LIST, Intent.COUNT):
        models = models[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if answer.intent == Intent.SUPERLATIVE:
        lines = [
            f"{i}. {m.bold(x.name)} · {m.esc(answer.vendor_label(x.vendor))} · {m.esc(_metric_value(x, answer, lang))}"
            for i, x in enumerate(models, 1)
        ]
        blocks.append("\n".join(lines))
    else:
        blocks.extend(_month_groups(models, answer, m))
    if page is not None and page_count(answer) > 1:
        blocks.append(m.italic(text("page", lang, page=page + 1, pages=page_count(answer), total=len(answer.models))))
    return blocks


def _month_groups(models: tuple[Model, ...], answer: Answer, m: Markup) -> list[str]:
    """One block per month (with a month heading) when the models span several months, else one block."""
    months: dict[str, list[str]] = {}
    for model in models:
        day = _listed_step(model, answer.filters).date
        months.setdefault(f"{day:%Y-%m}", []).append(list_line(model, answer, m))
    if len(months) == 1 or answer.intent == Intent.LATEST:
        return ["\n".join(line for lines in months.values() for line in lines)]
    return [f"{m.bold(month)}\n" + "\n".join(lines) for month, lines in months.items()]


def _greedy(parts: Iterable[str], separator: str, limit: int) -> list[str]:
    """Join ``parts`` with ``separator`` into as few strings of at most ``limit`` characters as possible."""
    joined: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + len(separator) + len(part) > limit:
            joined.append(current)
            current = ""
        current = f"{current}{separator}{part}" if current else part
    if current:
        joined.append(current)
    return joined


_HTML_TOKEN = re.compile(r"<[^>]*>|&[#\w]+;|[^<&]+|[<&]")


def _split_html_line(line: str, limit: int) -> list[str]:
    """Cut one over-long line of Telegram HTML into pieces of at most ``limit`` characters, never inside a tag
    or an entity: tags open at a cut are closed before it and opened again after it."""
    pieces: list[str] = []
    opened: list[tuple[str, str]] = []  # (opening tag, name) still open at this point
    current = ""

    def closing() -> str:
        return "".join(f"</{name}>" for _, name in reversed(opened))

    for token in _HTML_TOKEN.findall(line):
        units = [token] if token.startswith(("<", "&")) else list(token)  # text may be cut anywhere
        for unit in units:
            if current and len(current) + len(unit) + len(closing()) > limit:
                pieces.append(current + closing())
                current = "".join(tag for tag, _ in opened)
            current += unit
        if token.startswith("</"):
            name = token[2:-1].strip()
            if opened and opened[-1][1] == name:
                opened.pop()
        elif token.startswith("<") and not token.endswith("/>"):
            opened.append((token, token[1:-1].split()[0]))
    if current:
        pieces.append(current + closing())
    return pieces


def _pack(blocks: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join blocks into messages under ``limit``; a block longer than that is cut between its lines, and a
    line longer than that between tags (see ``_split_html_line``)."""
    pieces: list[str] = []
    for block in blocks:
        if len(block) <= limit:
            pieces.append(block)
            continue
        lines = [piece for line in block.split("\n") for piece in _split_html_line(line, limit)]
        pieces.extend(_greedy(lines, "\n", limit))
    return _greedy(pieces, "\n\n", limit)


def render_html(answer: Answer, page: int = 0) -> list[str]:
    """Telegram HTML messages; lists show one page of ``PAGE_SIZE`` models."""
    page = min(max(page, 0), page_count(answer) - 1)
    return _pack(_blocks(answer, HTML, page))


def render_text(answer: Answer) -> str:
    """Plain text for the terminal: everything on one screen, no paging."""
    return "\n\n".join(_blocks(answer, PLAIN, None))
