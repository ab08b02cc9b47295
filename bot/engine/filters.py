"""List filters and the set indexes that answer them without scanning every model.

Each filter value (a vendor, open weights, a type, a month …) has a precomputed set of model ids; a
question's filters intersect those sets, smallest first, so the cost follows the size of the answer, not
the size of the knowledge base. Rankings (context, output, parameters, dates) are sorted once per snapshot.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from bot.kb import KnowledgeBase
from bot.kb.schema import YEAR, Milestone, Model

Metric = Literal["context_window", "max_output", "params_total", "oldest"]
METRICS: tuple[Metric, ...] = ("context_window", "max_output", "params_total", "oldest")


def metric_value(model: Model, metric: Metric) -> float | None:
    """The number a superlative ranks by (higher first; "oldest" ranks earlier dates higher)."""
    if metric == "params_total":
        return model.params_b
    if metric == "oldest":
        return -float(model.released.toordinal())
    value = getattr(model, metric)
    return None if value is None else float(value)


def month_range(first: int, last: int | None = None) -> tuple[date, date]:
    """From the first day of month ``first`` to the last day of month ``last`` (default: the same) of 2025."""
    last = first if last is None else last
    after = date(YEAR + 1, 1, 1) if last == 12 else date(YEAR, last + 1, 1)
    return date(YEAR, first, 1), date.fromordinal(after.toordinal() - 1)


@dataclass(frozen=True, slots=True)
class Filters:
    """What a list question asked for; every part is optional and all parts must hold."""

    vendors: frozenset[str] = frozenset()
    country: str | None = None
    family: str | None = None
    open_weights: bool | None = None
    start: date | None = None
    end: date | None = None
    types: frozenset[str] = frozenset()
    capabilities: frozenset[str] = frozenset()  # all of them must hold
    reasoning: bool | None = None
    hybrid: bool = False  # switchable thinking only
    input_modality: str | None = None

    @property
    def empty(self) -> bool:
        return self == Filters()

    def refined(self, other: "Filters") -> "Filters":
        """These filters narrowed by a follow-up's ("开源的呢", "其中百度的", "那图像模型呢"): what the follow-up names
        replaces the same kind of filter; capabilities add up ("其中能做OCR的" keeps "视觉")."""
        changes: dict[str, object] = {
            name: value
            for name in ("vendors", "country", "family", "open_weights", "types", "input_modality")
            if (value := getattr(other, name)) not in (None, frozenset())
        }
        if other.start is not None:
            changes |= {"start": other.start, "end": other.end}
        if other.reasoning or other.hybrid:
            changes |= {"reasoning": other.reasoning, "hybrid": other.hybrid}
        return replace(self, capabilities=self.capabilities | other.capabilities, **changes)  # type: ignore[arg-type]

    @property
    def months(self) -> range:
        if self.start is None or self.end is None:
            return range(0)
        return range(self.start.month, self.end.month + 1)

    def steps_in_range(self, model: Model) -> tuple[Milestone, ...]:
        """The model's dated steps inside the time filter (all of them when there is none)."""
        if self.start is None or self.end is None:
            return model.dates
        return tuple(step for step in model.dates if self.start <= step.date <= self.end)


class FilterIndex:
    """Set indexes over one knowledge snapshot."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        models = knowledge.models
        self._by_id = knowledge.by_id
        self._order = {m.id: position for position, m in enumerate(models)}  # by release date
        self._newest_first = tuple(m.id for m in reversed(models))
        self._all = frozenset(self._order)
        groups: dict[str, dict[object, set[str]]] = defaultdict(lambda: defaultdict(set))
        self._first_day_in_month: dict[int, dict[str, date]] = defaultdict(dict)
        for m in models:
            groups["vendor"][m.vendor].add(m.id)
            groups["country"][knowledge.vendor_by_name[m.vendor].country].add(m.id)
            groups["family"][m.family].add(m.id)
            groups["open"][m.open_weights].add(m.id)
            groups["type"][m.type].add(m.id)
            for capability in m.capabilities:
                groups["capability"][capability].add(m.id)
            groups["reasoning"][m.reasoning not in (False, None)].add(m.id)
            groups["hybrid"][m.reasoning == "hybrid"].add(m.id)
            for modality in m.input_modalities:
                groups["input"][modality].add(m.id)
        for month in range(1, 13):  # the snapshot's month index is sorted by day: keep each model's first
            for dated in knowledge.by_month.get(f"{YEAR}-{month:02d}", ()):
                self._first_day_in_month[month].setdefault(dated.model.id, dated.day)
        self._sets = {kind: {key: frozenset(ids) for key, ids in values.items()} for kind, values in groups.items()}
        self._ranked: dict[Metric, tuple[tuple[float, str], ...]] = {}
        for metric in METRICS:
            scored = [(value, m.id) for m in models if (value := metric_value(m, metric)) is not None]
            scored.sort(key=lambda pair: (-pair[0], self._order[pair[1]]))
            self._ranked[metric] = tuple(scored)
        self._has = {metric: frozenset(i for _, i in ranked) for metric, ranked in self._ranked.items()}

    def _ids(self, filters: Filters) -> frozenset[str] | set[str]:
        sets = self._sets
        parts: list[frozenset[str] | set[str]] = []
        if filters.vendors:
            parts.append(frozenset().union(*(sets["vendor"].get(v, frozenset()) for v in filters.vendors)))
        if filters.country is not None:
            parts.append(sets["country"].get(filters.country, frozenset()))
        if filters.family is not None:
            parts.append(sets["family"].get(filters.family, frozenset()))
        if filters.open_weights is not None:
            parts.append(sets["open"].get(filters.open_weights, frozenset()))
        if filters.types:
            parts.append(frozenset().union(*(sets["type"].get(t, frozenset()) for t in filters.types)))
        parts.extend(sets["capability"].get(c, frozenset()) for c in filters.capabilities)
        if filters.reasoning is not None:
            parts.append(sets["reasoning"].get(filters.reasoning, frozenset()))
        if filters.hybrid:
            parts.append(sets["hybrid"].get(True, frozenset()))
        if filters.input_modality is not None:
            parts.append(sets["input"].get(filters.input_modality, frozenset()))
        if filters.months:
            parts.append(set().union(*(self._first_day_in_month.get(month, {}) for month in filters.months)))
        if not parts:
            return self._all
        parts.sort(key=len)
        return parts[0].intersection(*parts[1:])

    def _models(self, ids: Iterable[str]) -> tuple[Model, ...]:
        return tuple(self._by_id[i] for i in ids)

    def select(self, filters: Filters) -> tuple[Model, ...]:
        """Every matching model, by release date (by the date that falls in the time range, if one is set)."""
        ids = self._ids(filters)
        if not filters.months:
            return self._models(sorted(ids, key=self._order.__getitem__))
        first: dict[str, date] = {}
        for month in filters.months:
            for model_id, day in self._first_day_in_month.get(month, {}).items():
                if model_id in ids and model_id not in first:
                    first[model_id] = day
        return self._models(sorted(first, key=lambda i: (first[i], self._order[i])))

    def latest(self, filters: Filters, count: int) -> tuple[tuple[Model, ...], int]:
        """The ``count`` newest matching models, and how many match in all."""
        ids = self._ids(filters)
        newest: list[str] = []
        for model_id in self._newest_first:
            if len(newest) == count:
                break
            if model_id in ids:
                newest.append(model_id)
        return self._models(newest), len(ids)

    def ranked(
        self, filters: Filters, metric: Metric, shown: int, lowest: bool = False
    ) -> tuple[tuple[Model, ...], int]:
        """The top ``shown`` matching models by ``metric`` (the bottom ones if ``lowest``; all tied winners at
        least), and how many matching models have that metric at all."""
        ids = self._ids(filters)
        top: list[str] = []
        best: float | None = None
        ranking = reversed(self._ranked[metric]) if lowest else self._ranked[metric]
        for value, model_id in ranking:
            if model_id not in ids:
                continue
            if len(top) >= shown and value != best:
                break
            best = value if best is None else best
            top.append(model_id)
        return self._models(top), len(self._has[metric].intersection(ids))
