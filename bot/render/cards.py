"""``Answer`` → Telegram HTML messages (each ≤ 4096 characters, split between cards) or terminal text.

Every string that came from the knowledge base or the user is escaped; the layout is the same in both
forms, only the markup differs.
"""

import html
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.engine import Answer, Filters, Intent
from bot.engine.normalize import Lang
from bot.kb.schema import Milestone, Model
from bot.render.i18n import COMMERCIAL_USE, COUNTRIES, LICENSE_WORDS, MODALITIES, REASONING, TYPES, tr

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
    return tr("not_disclosed", lang) if value is None else tr("tokens", lang, n=f"{value:,}")


def _modalities(values: tuple[str, ...], lang: Lang) -> str:
    return "/".join(MODALITIES[v][lang] for v in values)


def _timeline(model: Model, lang: Lang) -> str:
    if len(model.dates) == 1:
        return str(model.released)
    return " · ".join(str(step.date) if step.is_release else f"{step.date} {step.stage(lang)}" for step in model.dates)


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
        return tr("not_disclosed", lang)
    shown = billions(total) if total is not None else tr("total_unknown", lang)
    return f"{shown} ({tr('active', lang)} {billions(active)})" if active is not None else shown


def _params(model: Model, lang: Lang) -> str:
    note = model.params_note_zh if lang == "zh" else model.params_note_en
    if model.params_total_b is None and model.params_active_b is None:
        return note or tr("not_disclosed", lang)
    return f"{_params_short(model, lang)}{tr('note', lang, note=note) if note else ''}"


def license_name(model: Model, lang: Lang) -> str:
    """The short licence name; the few that are words ("proprietary") in the answer's language."""
    if model.license is None:
        return tr("not_verified", lang)
    return LICENSE_WORDS.get(model.license, {}).get(lang, model.license)


def _license(model: Model, lang: Lang) -> str:
    """ "Apache-2.0，可商用" / "Llama 4 Community License, commercial use with conditions (…)"."""
    if not model.open_weights:
        return license_name(model, lang)
    note = model.license_note_zh if lang == "zh" else model.license_note_en
    use = COMMERCIAL_USE[model.commercial_use][lang] if model.commercial_use else tr("terms_not_verified", lang)
    return f"{license_name(model, lang)}{tr('comma', lang)}{use}{tr('note', lang, note=note) if note else ''}"


def _openness(model: Model, lang: Lang) -> str:
    key = "is_open" if model.open_weights else "is_closed"
    return tr(key, lang, license=_license(model, lang))


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
        f"📅 {tr('released', lang)}: {m.esc(_timeline(model, lang))}",
        f"🏷 {tr('type', lang)}: {m.esc(TYPES[model.type][lang])} · {tr('reasoning', lang)}: "
        f"{m.esc(REASONING[model.reasoning][lang])}",
        f"🔓 {tr('open_weights', lang)}: {m.esc(_openness(model, lang))}",
        f"🧮 {tr('params', lang)}: {m.esc(_params(model, lang))}",
        f"📏 {tr('context_window', lang)}: {m.esc(_tokens(model.context_window, lang))} · "
        f"{tr('max_output', lang)}: {m.esc(_tokens(model.max_output, lang))}",
        f"🎛 {tr('input', lang)}: {m.esc(_modalities(model.input_modalities, lang))} → "
        f"{tr('output', lang)}: {m.esc(_modalities(model.output_modalities, lang))}",
        f"🧰 {tr('capabilities', lang)}: {m.esc(_capabilities(model, answer))}",
        *(f"• {m.esc(h)}" for h in highlights),
        f"🔗 {m.link(tr('source', lang), model.source)}"
        + (f" · {m.esc(tr('press_reports', lang))}" if model.confidence == "medium" else ""),
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
    openness = f"{tr('open', lang)} ({license_name(model, lang)})" if model.open_weights else tr("closed", lang)
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
        parts.append(tr("filter_open" if filters.open_weights else "filter_closed", lang))
    if filters.reasoning:
        parts.append(tr("filter_reasoning", lang))
    if filters.hybrid:
        parts.append(tr("filter_hybrid", lang))
    parts.extend(TYPES[t][lang] for t in sorted(filters.types))
    parts.extend(answer.capability_label(c) for c in sorted(filters.capabilities))
    if filters.input_modality:
        parts.append(tr("filter_input", lang, modality=MODALITIES[filters.input_modality][lang]))
    return " · ".join(parts)


def _metric_value(model: Model, answer: Answer, lang: Lang) -> str:
    if answer.metric == "params_total":
        return _params_short(model, lang)
    if answer.metric == "oldest":
        return str(model.released)
    return _tokens(getattr(model, answer.metric or "context_window"), lang)


def page_count(answer: Answer) -> int:
    return max(1, math.ceil(len(answer.models) / PAGE_SIZE)) if answer.intent in (Intent.LIST, Intent.COUNT) else 1


def _step_dates(model: Model, lang: Lang) -> str:
    later = [step for step in model.dates if not step.is_release]
    if not later:
        return ""
    return tr(
        "note",
        lang,
        note="；".join(f"{step.date} {step.stage(lang)}" for step in later)
        if lang == "zh"
        else "; ".join(f"{step.date} {step.stage(lang)}" for step in later),
    )


def direct_answer(answer: Answer) -> str:
    """The fact asked for, as the first sentence of the answer: "Claude Sonnet 4 最多输出 64,000 token（上下文 200K）"."""
    model, lang, fact = answer.models[0], answer.lang, answer.fact
    name = model.name
    if fact == "context_window":
        return tr(
            "is_context" if model.context_window else "unknown_fact",
            lang,
            name=name,
            value=_tokens(model.context_window, lang),
            what=tr("context_window", lang),
        )
    if fact == "max_output":
        if model.max_output is None:
            return tr("unknown_fact", lang, name=name, what=tr("max_output", lang))
        return tr(
            "is_max_output", lang, name=name, value=f"{model.max_output:,}", context=_tokens(model.context_window, lang)
        )
    if fact == "params":
        return tr("is_params", lang, name=name, value=_params(model, lang))
    if fact == "released":
        return tr("is_released", lang, name=name, date=str(model.released), later=_step_dates(model, lang))
    if fact == "maker":
        vendor = answer.vendor_label(model.vendor)
        country = answer.vendor_countries.get(model.vendor, "")
        return tr("is_made_by", lang, name=name, vendor=vendor, country=COUNTRIES.get(country, {}).get(lang, country))
    if fact == "license":
        return tr("is_licensed", lang, name=name, value=_openness(model, lang))
    if fact == "commercial_use":
        return _commercial(model, answer)
    if fact == "open_weights":
        key = "yes_open" if model.open_weights else "not_open"
        return tr(key, lang, name=name, license=license_name(model, lang))
    if fact == "reasoning":
        return tr(f"reasoning_{str(model.reasoning).lower()}", lang, name=name)
    if fact == "modalities":
        return tr(
            "is_modalities",
            lang,
            name=name,
            inputs=_modalities(model.input_modalities, lang),
            outputs=_modalities(model.output_modalities, lang),
        )
    if fact == "access":
        ways = tr("list_sep", lang).join(tr(f"access_{a}", lang) for a in model.access)
        return tr("is_access", lang, name=name, ways=ways)
    return tr("price", lang, name=name)


def _commercial(model: Model, answer: Answer) -> str:
    lang, name = answer.lang, model.name
    if not model.open_weights:
        return tr("commercial_closed", lang, name=name, vendor=answer.vendor_label(model.vendor))
    note = model.license_note_zh if lang == "zh" else model.license_note_en
    detail = tr("note", lang, note=note) if note else ""
    key = f"commercial_{model.commercial_use}" if model.commercial_use else "commercial_unverified"
    return tr(key, lang, name=name, license=license_name(model, lang), detail=detail)


def short_card(model: Model, answer: Answer, m: Markup) -> str:
    """The few lines under a direct answer; the full card is a button (Telegram) or a question away."""
    lang = answer.lang
    summary = model.summary_zh if lang == "zh" else model.summary_en
    lines = [
        f"{m.bold(model.name)} · {m.esc(answer.vendor_label(model.vendor))}",
        m.italic(summary),
        f"📅 {m.esc(_timeline(model, lang))} · {m.esc(TYPES[model.type][lang])} · {m.esc(_openness(model, lang))}",
    ]
    if model.confidence == "medium":
        lines.append(m.esc(tr("press_reports", lang)))
    return "\n".join(lines)


_DIMENSIONS: dict[str, tuple[str, Callable[[Model], float | None]]] = {
    "newer": ("released", lambda x: float(x.released.toordinal())),
    "older": ("released", lambda x: -float(x.released.toordinal())),
    "params_total": ("params", lambda x: x.params_b),
    "context_window": ("context_window", lambda x: None if x.context_window is None else float(x.context_window)),
    "max_output": ("max_output", lambda x: None if x.max_output is None else float(x.max_output)),
}


def _shown(model: Model, label: str, lang: Lang) -> str:
    if label == "released":
        return str(model.released)
    if label == "params":
        return _params_short(model, lang)
    return _tokens(model.context_window if label == "context_window" else model.max_output, lang)


def _verdict(answer: Answer) -> str | None:
    """ "哪个参数多": the winner first, with the values ("DeepSeek-V3.1 更大（671B 对 235B）")."""
    if answer.dimension is None:
        return None
    lang, models = answer.lang, answer.models
    label, value = _DIMENSIONS[answer.dimension]
    scored = [(value(x), x) for x in models]
    known = [(v, x) for v, x in scored if v is not None]
    if len(known) < len(models):
        missing = tr("list_sep", lang).join(x.name for v, x in scored if v is None)
        return tr("verdict_unknown", lang, what=tr(label, lang), names=missing)
    best = max(v for v, _ in known)
    winners = [x for v, x in known if v == best]
    lowest = answer.lowest and answer.dimension == "params_total"
    if lowest:
        best = min(v for v, _ in known)
        winners = [x for v, x in known if v == best]
    ordered = [*winners, *(x for x in models if x not in winners)]  # the winner's value first
    values = tr("versus", lang).join(f"{x.name} {_shown(x, label, lang)}" for x in ordered)
    if len(winners) == len(models):
        return tr("verdict_tie", lang, what=tr(label, lang), values=values)
    key = f"verdict_{'smaller' if lowest else answer.dimension}"
    return tr(key, lang, name=tr("list_sep", lang).join(w.name for w in winners), values=values)


def _differences(answer: Answer, m: Markup) -> list[str]:
    """What differs, as sentences; what is equal, in one line; then each model's highlights side by side."""
    lang, models = answer.lang, answer.models
    facts: list[tuple[str, Callable[[Model], str]]] = [
        ("vendor", lambda x: answer.vendor_label(x.vendor)),
        ("released", lambda x: str(x.released)),
        ("type", lambda x: TYPES[x.type][lang]),
        ("reasoning", lambda x: REASONING[x.reasoning][lang]),
        ("open_weights", lambda x: _openness(x, lang)),
        ("params", lambda x: _params_short(x, lang)),
        ("context_window", lambda x: _tokens(x.context_window, lang)),
        ("max_output", lambda x: _tokens(x.max_output, lang)),
        ("input", lambda x: _modalities(x.input_modalities, lang)),
        ("output", lambda x: _modalities(x.output_modalities, lang)),
    ]
    different, same = [], []
    for label, show in facts:
        values = [show(x) for x in models]
        if len(set(values)) == 1:
            same.append(f"{tr(label, lang)} {values[0]}")
        else:
            pairs = tr("pair_sep", lang).join(f"{x.name} {v}" for x, v in zip(models, values, strict=True))
            different.append(f"• {m.bold(tr(label, lang))}: {m.esc(pairs)}")
    blocks = []
    if different:
        blocks.append(m.bold(tr("differs", lang)) + "\n" + "\n".join(different))
    if same:
        blocks.append(m.esc(tr("same", lang, facts=tr("list_sep", lang).join(same))))
    for model in models:
        highlights = model.highlights_zh if lang == "zh" else model.highlights_en
        blocks.append(m.bold(model.name) + "\n" + "\n".join(f"• {m.esc(h)}" for h in highlights))
    return blocks


def _blocks(answer: Answer, m: Markup, page: int | None) -> list[str]:
    """The answer as blocks (a card, a table, a paragraph): messages are split only between blocks."""
    lang = answer.lang
    if answer.intent == Intent.HELP:
        vendors = len(answer.vendor_names)
        return [m.esc(tr("help", lang, models=answer.total, vendors=vendors)), m.esc(tr("examples", lang))]
    if answer.intent == Intent.OUT_OF_SCOPE:
        reason = answer.reason or "topic"
        head = tr("out_of_scope" if reason == "topic" else reason, lang, name=answer.unknown_name)
        if answer.suggestions:
            return [m.esc(head), m.esc(tr("clarify", lang)), _suggestion_lines(answer, m)]
        examples = tr("filter_examples" if reason == "filter" else "examples", lang)
        return [m.esc(head), f"{tr('try', lang)}\n{m.esc(examples)}"]
    if answer.intent == Intent.CLARIFY:
        unknown = tr("unknown", lang, name=answer.unknown_name) + "\n" if answer.unknown_name else ""
        return [m.esc(unknown + tr("clarify", lang)), _suggestion_lines(answer, m)]
    if answer.intent == Intent.CARD:
        return [card(answer.models[0], answer, m)]
    if answer.intent == Intent.FIELD:
        return [m.bold(direct_answer(answer)), short_card(answer.models[0], answer, m)]
    if answer.intent == Intent.COMPARE:
        names = tr("versus", lang).join(x.name for x in answer.models)
        verdict = _verdict(answer)
        head = m.bold(verdict) if verdict else m.bold(tr("compare_header", lang, names=names))
        return [head, *_differences(answer, m)]
    return _list_blocks(answer, m, page)


def _suggestion_lines(answer: Answer, m: Markup) -> str:
    return "\n".join(f"• {m.bold(s.name)} · {m.esc(answer.vendor_label(s.vendor))}" for s in answer.suggestions)


def _list_blocks(answer: Answer, m: Markup, page: int | None) -> list[str]:
    lang, filters = answer.lang, answer.filters
    what = _describe_filters(answer)
    if answer.intent == Intent.LATEST:
        header = tr("latest_header", lang, n=len(answer.models), what=f" · {what}" if what else "")
    elif answer.intent == Intent.SUPERLATIVE:
        metric = tr(f"metric_{answer.metric}", lang) + (tr("smallest_first", lang) if answer.lowest else "")
        header = tr("superlative_header", lang, metric=metric, what=f" · {what}" if what else "")
    elif answer.intent == Intent.COUNT:
        header = tr(
            "count", lang, total=answer.total, s="" if answer.total == 1 else "s", what=f" ({what})" if what else ""
        )
    else:
        header = tr("list_header", lang, what=what or tr("all_models", lang), total=answer.total)
    blocks = [m.bold(header)]
    if answer.subjective:
        blocks.append(m.esc(tr("not_a_ranking", lang)))
    if not answer.models:
        return [*blocks, m.esc(tr("no_match", lang))]
    if filters.open_weights:
        blocks.append(m.esc(tr("open_note", lang)))
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
        blocks.append(m.italic(tr("page", lang, page=page + 1, pages=page_count(answer), total=len(answer.models))))
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
