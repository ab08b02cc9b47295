"""The immutable knowledge snapshot and its indexes.

A snapshot is built once per load and never changed; ``/reload`` builds a new one and swaps a single
reference, so a question in flight always sees one consistent version of the knowledge.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from bot.kb.names import fold_name
from bot.kb.schema import Capability, Lexicon, Milestone, Model, Vendor


@dataclass(frozen=True, slots=True)
class DatedModel:
    """A model together with one of its dated steps (its release, a preview, GA ...)."""

    model: Model
    step: Milestone

    @property
    def day(self) -> date:
        return self.step.date


def _freeze(groups: Mapping[str, list]) -> Mapping[str, tuple]:
    return MappingProxyType({key: tuple(values) for key, values in groups.items()})


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Validated models and vendors with the indexes every question needs."""

    models: tuple[Model, ...]
    vendors: tuple[Vendor, ...]
    lexicon: Lexicon = field(repr=False)
    capabilities: tuple[Capability, ...] = field(repr=False)
    capability_by_id: Mapping[str, Capability] = field(repr=False)
    by_id: Mapping[str, Model] = field(repr=False)
    by_key: Mapping[str, Model] = field(repr=False)
    vendor_by_name: Mapping[str, Vendor] = field(repr=False)
    vendor_by_key: Mapping[str, Vendor] = field(repr=False)
    by_vendor: Mapping[str, tuple[Model, ...]] = field(repr=False)
    by_family: Mapping[str, tuple[Model, ...]] = field(repr=False)
    family_by_key: Mapping[str, str] = field(repr=False)
    by_month: Mapping[str, tuple[DatedModel, ...]] = field(repr=False)

    @classmethod
    def build(
        cls, models: Iterable[Model], vendors: Iterable[Vendor], lexicon: Lexicon, capabilities: tuple[Capability, ...]
    ) -> "KnowledgeBase":
        """Index already validated entries (the loader checks the cross-file rules first)."""
        ordered = tuple(sorted(models, key=lambda m: (m.released, m.name.casefold())))
        vendor_list = tuple(vendors)
        by_key: dict[str, Model] = {}
        by_vendor: dict[str, list[Model]] = defaultdict(list)
        by_family: dict[str, list[Model]] = defaultdict(list)
        by_month: dict[str, list[DatedModel]] = defaultdict(list)
        for model in ordered:
            for name in (model.name, *model.aliases):
                by_key.setdefault(fold_name(name), model)
            by_vendor[model.vendor].append(model)
            if model.family:
                by_family[model.family].append(model)
            for step in model.dates:
                by_month[f"{step.date:%Y-%m}"].append(DatedModel(model, step))
        vendor_by_key = {
            fold_name(name): vendor for vendor in vendor_list for name in (vendor.name, vendor.name_zh, *vendor.aliases)
        }
        return cls(
            models=ordered,
            vendors=vendor_list,
            lexicon=lexicon,
            capabilities=capabilities,
            capability_by_id=MappingProxyType({c.id: c for c in capabilities}),
            by_id=MappingProxyType({m.id: m for m in ordered}),
            by_key=MappingProxyType(by_key),
            vendor_by_name=MappingProxyType({v.name: v for v in vendor_list}),
            vendor_by_key=MappingProxyType(vendor_by_key),
            by_vendor=_freeze(by_vendor),
            by_family=_freeze(by_family),
            family_by_key=MappingProxyType({fold_name(f): f for f in by_family}),
            by_month=_freeze({k: sorted(v, key=lambda d: d.day) for k, v in by_month.items()}),
        )

    @property
    def open_weights_count(self) -> int:
        return sum(m.open_weights for m in self.models)

    def summary(self) -> str:
        """One line: how much the snapshot knows."""
        days = [step.date for m in self.models for step in m.dates]
        span = f"{min(days)} … {max(days)}" if days else "no dates"
        return (
            f"{len(self.models)} models, {len(self.vendors)} vendors, "
            f"{self.open_weights_count} with open weights, dates {span}"
        )
