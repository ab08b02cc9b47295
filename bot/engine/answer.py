"""Question → ``Answer``: which intent, which models, in which order, and what was understood.

The engine reads one immutable knowledge snapshot and holds no other state, so it can answer from any
thread or task; ``/reload`` builds a new engine and swaps the reference.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from bot.engine.intents import Rules
from bot.engine.matcher import Mention, NameMatcher, fold_name_words
from bot.engine.normalize import Lang, normalize
from bot.kb import KnowledgeBase
from bot.kb.schema import YEAR, Model

DEFAULT_LATEST = 5
MAX_LATEST = 20
SUPERLATIVE_SHOWN = 5
SUGGESTIONS = 3

Metric = Literal["context_window", "max_output", "params_total", "oldest"]
_PARAMS = re.compile(r"(\d+(?:\.\d+)?)\s*([tbm])\b", re.IGNORECASE)
_UNIT = {"t": 1000.0, "b": 1.0, "m": 0.001}
_NAMEISH = re.compile(r"[a-z][a-z0-9]*\d[a-z0-9.]*|\d+[a-z]+[a-z0-9]*|[a-z]{2,}")


class Intent(StrEnum):
    CARD = "card"
    FIELD = "field"
    COMPARE = "compare"
    LIST = "list"
    COUNT = "count"
    LATEST = "latest"
    SUPERLATIVE = "superlative"
    CLARIFY = "clarify"
    HELP = "help"
    OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True, slots=True)
class Filters:
    """What a list question asked for; every part is optional and all parts must hold."""

    vendors: frozenset[str] = frozenset()
    family: str | None = None
    open_weights: bool | None = None
    start: date | None = None
    end: date | None = None
    types: frozenset[str] = frozenset()
    reasoning: bool | None = None
    input_modality: str | None = None

    @property
    def empty(self) -> bool:
        return self == Filters()

    def matches(self, model: Model) -> bool:
        return (
            (not self.vendors or model.vendor in self.vendors)
            and (self.family is None or model.family == self.family)
            and (self.open_weights is None or model.open_weights == self.open_weights)
            and (not self.types or model.type in self.types)
            and (self.reasoning is None or (model.reasoning not in (False, None)) == self.reasoning)
            and (self.input_modality is None or self.input_modality in model.input_modalities)
            and (self.start is None or bool(self.steps_in_range(model)))
        )

    def steps_in_range(self, model: Model) -> tuple[tuple[date, str], ...]:
        """The model's dated steps inside the time filter (all of them when there is none)."""
        if self.start is None or self.end is None:
            return model.dates
        return tuple((day, stage) for day, stage in model.dates if self.start <= day <= self.end)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the engine understood and found; renderers turn it into text."""

    intent: Intent
    lang: Lang
    question: str
    models: tuple[Model, ...] = ()
    suggestions: tuple[Model, ...] = ()
    fact: str | None = None
    filters: Filters = field(default_factory=Filters)
    metric: Metric | None = None
    total: int = 0
    unknown_name: str | None = None
    vendor_names: Mapping[str, str] = field(default_factory=dict, repr=False)  # vendor → Chinese name

    def vendor_label(self, vendor: str) -> str:
        """ "谷歌 Google" in Chinese answers (where the names differ), "Google" in English ones."""
        zh = self.vendor_names.get(vendor, vendor)
        return f"{zh} {vendor}" if self.lang == "zh" and zh != vendor else vendor


def params_in_billions(model: Model) -> float | None:
    """The largest parameter count stated in ``params_total`` ('1T' → 1000, '270M' → 0.27)."""
    if not model.params_total:
        return None
    values = [float(n) * _UNIT[unit.lower()] for n, unit in _PARAMS.findall(model.params_total)]
    return max(values, default=None)


def _month_range(month: int) -> tuple[date, date]:
    end = date(YEAR + 1, 1, 1) if month == 12 else date(YEAR, month + 1, 1)
    return date(YEAR, month, 1), date.fromordinal(end.toordinal() - 1)


def _dedupe(models: Iterable[Model]) -> tuple[Model, ...]:
    return tuple(dict.fromkeys(models))


class Engine:
    """Answers questions from one knowledge snapshot."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self.rules = Rules(knowledge.lexicon)
        self.names = NameMatcher(knowledge)
        self._vendor_names = MappingProxyType({v.name: v.name_zh for v in knowledge.vendors})
        self._params = {m.id: params_in_billions(m) for m in knowledge.models}

    # -- understanding -------------------------------------------------------------------------------

    def _mask(self, text: str, spans: Iterable[tuple[int, int]]) -> str:
        chars = list(text)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        return "".join(chars)

    def _leftover_words(self, masked: str) -> list[str]:
        """Words left once names, cue phrases and filler are taken out: possibly a misspelt name."""
        spans = [(hit.start, hit.end) for hit in self.rules.any_cue.hits(masked)]
        rest = self._mask(masked, spans)
        return re.findall(r"[a-z0-9]+(?:\.[a-z0-9]+)*|[\u3400-\u9fff]+", rest)

    def _resolve_typos(self, text: str, masked: str) -> str | None:
        """``text`` with misspelt name words corrected, or None when nothing was corrected."""
        corrected = text
        changed = False
        for word in self._leftover_words(masked):
            if self.names.is_known_word(word):
                continue
            fix = self.names.correct(word)
            if fix and fix != word:
                corrected = re.sub(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", fix, corrected, count=1)
                changed = True
        return corrected if changed else None

    def _without_vague_families(self, mentions: list[Mention], family_cue: bool, text: str) -> list[Mention]:
        """A family without a version number ("GPT", "Step", "Wan") only counts when asked as a family."""
        kept = []
        for mention in mentions:
            asked = family_cue or self.rules.family_cue.found(text[mention.start : mention.end])
            targets = tuple(
                t for t in mention.targets if t.kind != "family" or asked or any(c.isdigit() for c in t.value)
            )
            if targets:
                kept.append(replace(mention, targets=targets))
        return kept

    def _candidates(
        self, leftovers: list[str], mentions: list[Mention], text: str, filters: Filters
    ) -> tuple[Model, ...]:
        """Models an unresolved name could mean: "mistral small" → Mistral Small 3, 3.1, 3.2."""
        words = fold_name_words(" ".join(leftovers)).split()
        loose = self.names.models_with_words(words)
        if filters.vendors:
            loose = [m for m in loose if m.vendor in filters.vendors]
        vendor_words = [
            w for m in mentions if m.first("vendor") for w in fold_name_words(text[m.start : m.end]).split()
        ]
        strict = self.names.models_with_words(vendor_words + words) if vendor_words else []
        return tuple(strict if len(strict) >= 2 or not loose else loose)

    def _filters(self, masked: str, mentions: list[Mention], family_cue: bool) -> Filters:
        rules = self.rules
        vendors = frozenset(t.value for m in mentions if (t := m.first("vendor")) and m.first("model") is None)
        family = next(
            (t.value for m in mentions if (t := m.first("family")) and (family_cue or not m.first("vendor"))), None
        )
        start = end = None
        months = rules.months.values(masked) or [
            int(g.group(1)) for r in rules.month_regex if (g := r.search(masked)) and 1 <= int(g.group(1)) <= 12
        ]
        if months:
            start, end = _month_range(months[0])
        elif quarters := rules.quarters.values(masked):
            start, end = _month_range(3 * quarters[0] - 2)[0], _month_range(3 * quarters[0])[1]
        elif halves := rules.halves.values(masked):
            start, end = _month_range(6 * halves[0] - 5)[0], _month_range(6 * halves[0])[1]
        input_modality = None
        if rules.input_cue.found(masked) and (words := rules.input_words.values(masked)):
            input_modality = words[0]
        types = frozenset() if input_modality else frozenset(rules.types.values(masked))
        open_values = rules.open_weights.values(masked)
        return Filters(
            vendors=vendors,
            family=family,
            open_weights=open_values[0] if open_values else None,
            start=start,
            end=end,
            types=types,
            reasoning=True if rules.reasoning.found(masked) else None,
            input_modality=input_modality,
        )

    # -- answering -----------------------------------------------------------------------------------

    def answer(self, text: str) -> Answer:
        """Answer one question; never raises for any input text."""
        question = normalize(text)
        lang, normalized = question.lang, question.text
        base = Answer(
            Intent.HELP, lang, question.original, total=len(self.knowledge.models), vendor_names=self._vendor_names
        )
        if not normalized or self.rules.help_only(normalized):
            return base

        mentions = self.names.scan(normalized)
        masked = self._mask(normalized, ((m.start, m.end) for m in mentions))
        if (corrected := self._resolve_typos(normalized, masked)) is not None:
            mentions = self.names.scan(corrected)
            normalized = corrected
            masked = self._mask(normalized, ((m.start, m.end) for m in mentions))

        rules = self.rules
        family_cue = rules.family_cue.found(masked)
        mentions = self._without_vague_families(mentions, family_cue, normalized)
        masked = self._mask(normalized, ((m.start, m.end) for m in mentions))
        models = _dedupe(
            self.knowledge.by_id[t.value]
            for m in mentions
            if (t := m.first("model")) and not (family_cue and m.first("family"))
        )
        legacy = next((m.targets[0].value for m in mentions if m.targets[0].kind == "legacy"), None)

        if rules.out_of_scope.found(masked) and not models:
            return replace(base, intent=Intent.OUT_OF_SCOPE)
        if len(models) >= 2:
            return replace(base, intent=Intent.COMPARE, models=models[:3])
        if len(models) == 1:
            field_name = next((f for f in rules.field_order if f in rules.fields.values(masked)), None)
            if field_name:
                return replace(base, intent=Intent.FIELD, models=models, fact=field_name)
            return replace(base, intent=Intent.CARD, models=models)
        if legacy:
            return replace(base, intent=Intent.OUT_OF_SCOPE, unknown_name=legacy)

        filters = self._filters(masked, mentions, family_cue)
        list_cue = rules.list_words.found(masked) or rules.count.found(masked)
        family_only = filters.family is not None and not (family_cue or list_cue)
        if family_only:
            members = sorted(self.knowledge.by_family[filters.family], key=lambda m: m.released, reverse=True)
            return replace(base, intent=Intent.CLARIFY, suggestions=tuple(members[:SUGGESTIONS]))

        if rules.oldest.found(masked) or (rules.extreme.found(masked) and not rules.latest.found(masked)):
            metric: Metric = (
                "oldest" if rules.oldest.found(masked) else (rules.metrics.values(masked) or ["params_total"])[0]
            )
            return self._superlative(replace(base, intent=Intent.SUPERLATIVE, filters=filters, metric=metric))
        leftovers = [w for w in self._leftover_words(masked) if _NAMEISH.fullmatch(w)]
        if leftovers:
            candidates = self._candidates(leftovers, mentions, normalized, filters)
            if len(candidates) == 1:
                return replace(base, intent=Intent.CARD, models=candidates)
            if candidates:
                return replace(base, intent=Intent.CLARIFY, suggestions=candidates[:SUGGESTIONS])
            if filters.empty and (close := self.names.closest_models(" ".join(leftovers))):
                return replace(base, intent=Intent.CLARIFY, suggestions=tuple(close))

        if rules.latest.found(masked) and filters.start is None:
            n = min(max(rules.requested_count(masked) or DEFAULT_LATEST, 1), MAX_LATEST)
            found = sorted(
                (m for m in self.knowledge.models if filters.matches(m)), key=lambda m: m.released, reverse=True
            )
            return replace(base, intent=Intent.LATEST, filters=filters, models=tuple(found[:n]), total=len(found))

        if not filters.empty or list_cue:
            if filters.empty and not list_cue:
                return replace(base, intent=Intent.OUT_OF_SCOPE)
            found = tuple(
                sorted(
                    (m for m in self._narrowed(filters) if filters.matches(m)),
                    key=lambda m: (filters.steps_in_range(m)[0][0], m.name.casefold()),
                )
            )
            intent = Intent.COUNT if rules.count.found(masked) else Intent.LIST
            return replace(base, intent=intent, filters=filters, models=found, total=len(found))
        return replace(base, intent=Intent.OUT_OF_SCOPE, unknown_name=" ".join(leftovers) or None)

    def _metric_value(self, model: Model, metric: Metric) -> float | None:
        if metric == "params_total":
            return self._params[model.id]
        if metric == "oldest":
            return -model.released.toordinal()
        value = getattr(model, metric)
        return None if value is None else float(value)

    def _narrowed(self, filters: Filters) -> Iterable[Model]:
        """The models a filter can match, from an index where one applies (not a scan of every model)."""
        knowledge = self.knowledge
        if filters.start is not None and filters.end is not None:
            months = range(filters.start.month + 12 * (filters.start.year - YEAR), filters.end.month + 1)
            found = (d.model for month in months for d in knowledge.by_month.get(f"{YEAR}-{month:02d}", ()))
            return tuple(dict.fromkeys(found))
        if filters.vendors:
            return tuple(m for vendor in filters.vendors for m in knowledge.by_vendor.get(vendor, ()))
        if filters.family is not None:
            return knowledge.by_family.get(filters.family, ())
        return knowledge.models

    def _superlative(self, answer: Answer) -> Answer:
        assert answer.metric is not None
        metric = answer.metric
        scored = [
            (value, model)
            for model in self._narrowed(answer.filters)
            if (value := self._metric_value(model, metric)) is not None and answer.filters.matches(model)
        ]
        scored.sort(key=lambda pair: pair[0], reverse=True)
        models = tuple(model for _, model in scored[:SUPERLATIVE_SHOWN])
        top = scored[0][0] if scored else None
        tied = tuple(model for value, model in scored if value == top)
        return replace(answer, models=_dedupe((*tied, *models)), total=len(scored))

    # -- lookups used by commands and buttons -------------------------------------------------------------

    def model_by_id(self, model_id: str) -> Model | None:
        return self.knowledge.by_id.get(model_id)

    def vendor_models(self, vendor: str) -> tuple[Model, ...]:
        return self.knowledge.by_vendor.get(vendor, ())
