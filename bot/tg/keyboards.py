"""Inline keyboards, and what their buttons mean.

Callback data is self-describing text (``kind:lang:args``), never a key into memory, so a button keeps
working after a restart or a reload without any persistence. Buttons with a page (◀ ▶) edit the message
they sit under; the others answer with a new message:

====================================  =========================================================
``m:<lang>:<model-id>``               open that model's card (cards' peers, "did you mean")
``v:<lang>:<vendor>[:<page>]``        that vendor's models (its name folded: ``moonshotai``)
``f:<lang>:<model-id>[:<page>]``      the models of that model's family
``c:<lang>:<id>:<id>[:<id>]``         compare those models
``q:<lang>:<page>:<l|c>:<filters>``   one page of a list (``l``) or count (``c``) answer
``l:<lang>:<filters>``                that list as a new message (under a picture, which has no
                                      text to edit)
====================================  =========================================================

``<filters>`` is ``.``-separated parts: ``vgoogle+openai`` vendors (folded names), ``nChina`` a country,
``f<model-id>`` a family (by one of its
members), ``o1``/``o0`` open weights or not, ``d<a>-<b>`` whole months as days from 1 January, ``t0+1``
model types and ``i2`` an input modality (indexes into the schema's literals), ``r1`` reasoning,
``kcoding+math`` capabilities (ids of capabilities.yaml), ``h1`` switchable (hybrid) reasoning. Anything
that does not decode, names something the knowledge no longer has, or is not spelt exactly as the bot
spells it (a page button is re-encoded and compared), resolves to ``None``.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NoReturn, get_args

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine import Answer, Engine, Filters, Intent
from bot.engine.normalize import Lang
from bot.kb.names import fold_name
from bot.kb.schema import YEAR, Modality, Model, ModelType
from bot.render.cards import page_count
from bot.render.i18n import tr

MAX_DATA = 64  # bytes: Telegram's limit for callback_data
LANGS: tuple[Lang, ...] = ("zh", "en")
TYPES: tuple[str, ...] = get_args(ModelType)
MODALITIES: tuple[str, ...] = get_args(Modality)
_DAY0 = date(YEAR, 1, 1)
_LIST_KINDS = {"l": Intent.LIST, "c": Intent.COUNT}


def _fits(data: str) -> str | None:
    return data if len(data.encode()) <= MAX_DATA else None


# -- encoding ---------------------------------------------------------------------------------------------


def card_data(model: Model, lang: Lang) -> str | None:
    return _fits(f"m:{lang}:{model.id}")


def compare_data(models: tuple[Model, ...], lang: Lang) -> str | None:
    return _fits(":".join(["c", lang, *(m.id for m in models)]))


def _countries(engine: Engine) -> set[str]:
    return {vendor.country for vendor in engine.knowledge.vendors}


def _vendor(engine: Engine, key: str) -> str:
    """The vendor whose folded name is ``key`` (unique: the loader checks it); KeyError if none."""
    return {fold_name(v.name): v.name for v in engine.knowledge.vendors}[key]


def _filters_code(filters: Filters, engine: Engine) -> str:
    knowledge = engine.knowledge
    parts = []
    if filters.vendors:
        parts.append("v" + "+".join(sorted(fold_name(v) for v in filters.vendors)))
    if filters.country is not None:
        parts.append(f"n{filters.country}")
    if filters.family is not None:
        member = min(knowledge.by_family[filters.family], key=lambda m: len(m.id))
        parts.append(f"f{member.id}")
    if filters.open_weights is not None:
        parts.append(f"o{int(filters.open_weights)}")
    if filters.start is not None and filters.end is not None:
        parts.append(f"d{(filters.start - _DAY0).days}-{(filters.end - _DAY0).days}")
    if filters.types:
        parts.append("t" + "+".join(str(TYPES.index(t)) for t in sorted(filters.types)))
    if filters.reasoning is not None:
        parts.append(f"r{int(filters.reasoning)}")
    if filters.input_modality is not None:
        parts.append(f"i{MODALITIES.index(filters.input_modality)}")
    if filters.capabilities:
        parts.append("k" + "+".join(sorted(filters.capabilities)))
    if filters.hybrid:
        parts.append("h1")
    return ".".join(parts)


def page_data(answer: Answer, page: int, engine: Engine) -> str | None:
    """The button data that shows ``page`` of a list answer (None if it cannot be said in 64 bytes)."""
    filters, lang = answer.filters, answer.lang
    if answer.intent == Intent.LIST and filters.family is None and len(filters.vendors) == 1:
        only = Filters(vendors=filters.vendors)
        if filters == only:
            return _fits(f"v:{lang}:{fold_name(next(iter(filters.vendors)))}:{page}")
    if answer.intent == Intent.LIST and filters.family is not None and filters == Filters(family=filters.family):
        member = min(engine.knowledge.by_family[filters.family], key=lambda m: len(m.id))
        return _fits(f"f:{lang}:{member.id}:{page}")
    kind = "c" if answer.intent == Intent.COUNT else "l"
    return _fits(f"q:{lang}:{page}:{kind}:{_filters_code(filters, engine)}")


def list_data(answer: Answer, engine: Engine) -> str | None:
    """The button data that sends ``answer``'s selection as a text list in a new message."""
    return _fits(f"l:{answer.lang}:{_filters_code(answer.filters, engine)}")


# -- decoding ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pressed:
    """A button resolved against the current knowledge: what to show, and whether to edit in place."""

    answer: Answer
    page: int = 0
    edit: bool = False


def _decode_filters(code: str, engine: Engine) -> Filters:
    """Raises ValueError/IndexError/KeyError on anything malformed or unknown."""
    knowledge = engine.knowledge
    fields: dict[str, object] = {}
    seen: set[str] = set()
    for part in code.split(".") if code else ():
        tag, rest = part[:1], part[1:]
        if tag in seen:
            raise ValueError(part)
        seen.add(tag)
        match tag:
            case "v":
                fields["vendors"] = frozenset(_vendor(engine, key) for key in rest.split("+"))
            case "n":
                fields["country"] = rest if rest in _countries(engine) else _invalid(part)
            case "f":
                fields["family"] = knowledge.by_id[rest].family or _invalid(part)
            case "o":
                fields["open_weights"] = _flag(rest)
            case "r":
                fields["reasoning"] = _flag(rest)
            case "d":
                start, end = (_DAY0 + timedelta(days=_index(n)) for n in rest.split("-"))
                fields["start"], fields["end"] = (start, end) if _whole_months(start, end) else _invalid(part)
            case "t":
                fields["types"] = frozenset(TYPES[_index(i)] for i in rest.split("+"))
            case "i":
                fields["input_modality"] = MODALITIES[_index(rest)]
            case "h":
                fields["hybrid"] = _flag(rest)
            case "k":
                fields["capabilities"] = frozenset(knowledge.capability_by_id[c].id for c in rest.split("+"))
            case _:
                _invalid(part)
    return Filters(**fields)  # type: ignore[arg-type]


def _whole_months(start: date, end: date) -> bool:
    """Whether ``start``–``end`` is a run of whole months of the year, the only ranges questions produce
    (a month, a quarter, a half, "1-3月"); lists are indexed by month, so no other range can be shown."""
    return start.day == 1 and (end + timedelta(days=1)).day == 1 and start <= end and end.year == YEAR


def _invalid(part: str) -> NoReturn:
    raise ValueError(part)


def _flag(text: str) -> bool:
    return {"1": True, "0": False}[text]


def _index(text: str) -> int:
    """A small non-negative decimal, strictly spelt (no signs, spaces or leading zeros)."""
    if not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0") or len(text) > 4:
        raise ValueError(text)
    return int(text)


def _resolve(engine: Engine, kind: str, lang: Lang, args: list[str]) -> Pressed:
    by_id = engine.knowledge.by_id
    if kind == "m" and len(args) == 1:
        return Pressed(engine.card(by_id[args[0]], lang))
    if kind == "c" and 2 <= len(args) <= 3 and len(set(args)) == len(args):
        models = tuple(by_id[i] for i in args)
        return Pressed(engine.compare(models, lang))
    if kind in ("v", "f") and len(args) in (1, 2):  # without a page: open the list; with one: turn to it
        if kind == "v":
            filters = Filters(vendors=frozenset({_vendor(engine, args[0])}))
        else:
            filters = Filters(family=by_id[args[0]].family or _invalid(args[0]))
        page = _index(args[1]) if len(args) == 2 else 0
        return Pressed(engine.listing(filters, lang), page, edit=len(args) == 2)
    if kind == "l" and len(args) == 1:
        return Pressed(engine.listing(_decode_filters(args[0], engine), lang))
    if kind == "q" and len(args) == 3:
        filters = _decode_filters(args[2], engine)
        return Pressed(engine.listing(filters, lang, _LIST_KINDS[args[1]]), _index(args[0]), edit=True)
    raise ValueError(kind)


def resolve(data: str | None, engine: Engine) -> Pressed | None:
    """What a button's data asks for now, or None when it is forged, malformed or stale."""
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_DATA:  # forged data may hold a lone surrogate
        return None
    kind, _, rest = data.partition(":")
    lang, _, rest = rest.partition(":")
    if lang not in LANGS:
        return None
    try:
        pressed = _resolve(engine, kind, lang, rest.split(":") if rest else [])
    except (ValueError, IndexError, KeyError):
        return None
    if not 0 <= pressed.page < page_count(pressed.answer):
        return None
    if pressed.edit and page_data(pressed.answer, pressed.page, engine) != data:
        return None  # a page button only in the one spelling the bot writes (parts in order, no other form)
    if kind == "l" and list_data(pressed.answer, engine) != data:
        return None  # the same for the list button under a picture
    return pressed


# -- keyboards ----------------------------------------------------------------------------------------------


def _button(label: str, data: str | None) -> InlineKeyboardButton | None:
    return None if data is None else InlineKeyboardButton(label, callback_data=data)


def peer(model: Model, engine: Engine) -> Model | None:
    """The model most worth comparing with: the previous one in its family, else the next, else the vendor's."""
    knowledge = engine.knowledge
    for group in (knowledge.by_family.get(model.family or "", ()), knowledge.by_vendor.get(model.vendor, ())):
        if len(group) > 1:
            at = group.index(model)
            return group[at - 1] if at > 0 else group[1]
    return None


def _short(name: str, limit: int = 24) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def card_keyboard(model: Model, answer: Answer, engine: Engine) -> InlineKeyboardMarkup:
    """Source, same vendor, same family and compare-with-a-peer under a model's card."""
    lang, knowledge = answer.lang, engine.knowledge
    vendor = answer.vendor_names.get(model.vendor, model.vendor) if lang == "zh" else model.vendor
    related = [_button(tr("btn_vendor", lang, vendor=vendor), _fits(f"v:{lang}:{fold_name(model.vendor)}"))]
    if model.family and len(knowledge.by_family[model.family]) > 1:
        related.append(_button(tr("btn_family", lang, family=model.family), _fits(f"f:{lang}:{model.id}")))
    rows = [[InlineKeyboardButton(tr("btn_source", lang), url=model.source)], [b for b in related if b]]
    if (other := peer(model, engine)) is not None and (
        button := _button(tr("btn_compare", lang, name=_short(other.name)), compare_data((model, other), lang))
    ):
        rows.append([button])
    return InlineKeyboardMarkup([row for row in rows if row])


def model_buttons(models: tuple[Model, ...], lang: Lang, per_row: int = 2) -> InlineKeyboardMarkup | None:
    """One button per model, opening its card ("did you mean …", the models of a comparison)."""
    buttons = [b for m in models if (b := _button(_short(m.name, 30), card_data(m, lang)))]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])


def page_keyboard(answer: Answer, page: int, engine: Engine) -> InlineKeyboardMarkup | None:
    """◀ ▶ under a list page; both edit the message they sit under."""
    pages = page_count(answer)
    if pages <= 1:
        return None
    row = []
    if page > 0 and (data := page_data(answer, page - 1, engine)):
        row.append(InlineKeyboardButton(tr("btn_prev", answer.lang), callback_data=data))
    if page < pages - 1 and (data := page_data(answer, page + 1, engine)):
        row.append(InlineKeyboardButton(tr("btn_next", answer.lang), callback_data=data))
    return InlineKeyboardMarkup([row]) if row else None


def vendors_keyboard(engine: Engine, lang: Lang, per_row: int = 3) -> InlineKeyboardMarkup:
    """A button per vendor (that has models), opening its list."""
    knowledge = engine.knowledge
    buttons = [
        InlineKeyboardButton(
            vendor.name_zh if lang == "zh" else vendor.name, callback_data=f"v:{lang}:{fold_name(vendor.name)}"
        )
        for vendor in knowledge.vendors
        if knowledge.by_vendor.get(vendor.name)
    ]
    return InlineKeyboardMarkup([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])


def timeline_keyboard(answer: Answer, engine: Engine) -> InlineKeyboardMarkup | None:
    """Under a timeline picture: the same selection as a text list."""
    if (data := list_data(answer, engine)) is None:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(tr("btn_as_list", answer.lang), callback_data=data)]])


def keyboard_for(answer: Answer, engine: Engine, page: int = 0) -> InlineKeyboardMarkup | None:
    """The buttons that belong under an answer (on its last message)."""
    if answer.intent == Intent.FIELD and answer.models:  # a direct answer: the full card is one tap away
        model = answer.models[0]
        full = _button(tr("btn_card", answer.lang), _fits(f"m:{answer.lang}:{model.id}"))
        rows = card_keyboard(model, answer, engine).inline_keyboard
        return InlineKeyboardMarkup([[full], *rows] if full else rows)
    if answer.intent == Intent.CARD and answer.models:
        return card_keyboard(answer.models[0], answer, engine)
    if answer.intent == Intent.CLARIFY:
        return model_buttons(answer.suggestions, answer.lang, per_row=1)
    if answer.intent == Intent.COMPARE:
        return model_buttons(answer.models, answer.lang, per_row=len(answer.models))
    if answer.intent in (Intent.LIST, Intent.COUNT):
        return page_keyboard(answer, page, engine)
    return None
