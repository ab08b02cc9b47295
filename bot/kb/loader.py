"""Knowledge directory → validated ``KnowledgeBase``, or every error found, each with file and line.

Layout of a knowledge directory: ``vendors.yaml``, ``capabilities.yaml`` and ``models/*.yaml`` (one file
per vendor by convention), each a YAML list of entries, and ``intents.yaml``. All files are read and all errors collected before anything is
built, so a broken edit is reported in full and never half-applied.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.kb.errors import KnowledgeError, KnowledgeLoadError
from bot.kb.names import fold_name
from bot.kb.schema import Capability, Lexicon, Model, Vendor
from bot.kb.snapshot import KnowledgeBase
from bot.kb.yamlfile import YamlDocument, node_line, read_yaml

EntryT = TypeVar("EntryT", bound=BaseModel)

_PROBLEMS = {"missing": "required field is missing", "extra_forbidden": "unknown field"}


@dataclass(frozen=True, slots=True)
class Located(Generic[EntryT]):
    """A validated entry and where it was written."""

    entry: EntryT
    file: str
    node: yaml.Node

    def line(self, *path: int | str) -> int:
        return node_line(self.node, path)

    def error(self, field: str, problem: str) -> KnowledgeError:
        path = tuple(int(part) if part.isdigit() else part for part in field.split("."))
        return KnowledgeError(self.file, problem, self.line(*path), getattr(self.entry, "name", None), field)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line()}"


def _describe(error: ErrorDetails) -> str:
    if error["type"] in _PROBLEMS:
        return _PROBLEMS[error["type"]]
    message = str(error["ctx"]["error"]) if error["type"] == "value_error" else str(error["msg"])
    if "input" in error and error["type"] not in ("model_type", "model_attributes_type"):
        shown = repr(error["input"])
        message += f" (got {shown[:60] + '…' if len(shown) > 60 else shown})"
    return message


def _validation_errors(exc: ValidationError, shown: str, node: yaml.Node, label: str | None) -> list[KnowledgeError]:
    errors = []
    for problem in exc.errors(include_url=False):
        loc = tuple(problem["loc"])
        field = ".".join(str(part) for part in loc) or None
        errors.append(KnowledgeError(shown, _describe(problem), node_line(node, loc), label, field))
    return errors


def read_mapping(path: Path, shown: str, schema: type[EntryT], errors: list[KnowledgeError]) -> EntryT | None:
    """Validate a file that is one mapping (such as intents.yaml) against ``schema``."""
    document = read_yaml(path, shown)
    if not isinstance(document, YamlDocument):
        errors.extend(document)
        return None
    errors.extend(_duplicate_key_errors(document, shown))
    try:
        return schema.model_validate(document.data)
    except ValidationError as exc:
        errors.extend(_validation_errors(exc, shown, document.node, None))
        return None


def _duplicate_key_errors(document: YamlDocument, shown: str) -> list[KnowledgeError]:
    return [KnowledgeError(shown, f"key {key!r} appears twice in one entry", line) for key, line in document.duplicates]


def read_entries(
    path: Path, shown: str, schema: type[EntryT], what: str, errors: list[KnowledgeError]
) -> list[Located[EntryT]]:
    """Validate every entry of a YAML list file against ``schema``; append problems to ``errors``."""
    document = read_yaml(path, shown)
    if not isinstance(document, YamlDocument):
        errors.extend(document)
        return []
    errors.extend(_duplicate_key_errors(document, shown))
    if not isinstance(document.data, list):
        found = type(document.data).__name__.replace("dict", "mapping").replace("str", "text")
        errors.append(
            KnowledgeError(shown, f"expected a list of {what}, found a {found}", node_line(document.node, ()))
        )
        return []
    entries: list[Located[EntryT]] = []
    for index, (item, item_node) in enumerate(zip(document.data, document.node.value, strict=True)):
        name = item.get("name") if isinstance(item, dict) else None
        label = name if isinstance(name, str) else f"#{index + 1}"
        try:
            entries.append(Located(schema.model_validate(item), shown, item_node))
        except ValidationError as exc:
            errors.extend(_validation_errors(exc, shown, item_node, label))
    return entries


def _check_unique(entries: list[Located[Any]], field: str, errors: list[KnowledgeError]) -> None:
    """Ids are keys (buttons, capabilities): each one names exactly one entry."""
    owner: dict[str, Located[Any]] = {}
    for located in entries:
        key = getattr(located.entry, field)
        first = owner.setdefault(key, located)
        if first is not located:
            label = getattr(first.entry, "name", key)
            errors.append(located.error(field, f"{key!r} is already used by {label!r} ({first.where})"))


def _check_names(models: list[Located[Model]], vendors: list[Located[Vendor]], errors: list[KnowledgeError]) -> None:
    """A folded name or alias must lead to exactly one model or vendor, or lookups become guesses."""
    owner: dict[str, Located[Any]] = {}
    everything: list[Located[Any]] = [*models, *vendors]
    for located in everything:
        entry = located.entry
        names = [("name", entry.name)]
        if isinstance(entry, Vendor):
            names.append(("name_zh", entry.name_zh))
        names += [(f"aliases.{index}", alias) for index, alias in enumerate(entry.aliases)]
        for field, name in names:
            first = owner.setdefault(fold_name(name), located)
            if first is not located:
                errors.append(located.error(field, f"{name!r} also names {first.entry.name!r} ({first.where})"))


def _check_models(
    models: list[Located[Model]],
    vendor_names: set[str],
    capability_ids: set[str] | None,
    errors: list[KnowledgeError],
    shown: dict[str, str],
) -> None:
    """Cross-file rules; ``capability_ids`` is None when capabilities.yaml itself failed (its errors say why)."""
    for located in models:
        model = located.entry
        if model.vendor not in vendor_names:
            errors.append(located.error("vendor", f"unknown vendor {model.vendor!r} (not in {shown['vendors']})"))
        if not model.dates_in_year:
            errors.append(located.error("released", "no release, milestone or GA date in 2025"))
        for index, capability in enumerate(model.capabilities):
            if capability_ids is not None and capability not in capability_ids:
                problem = f"unknown capability {capability!r} (not in {shown['capabilities']})"
                errors.append(located.error(f"capabilities.{index}", problem))
        if len(set(model.capabilities)) != len(model.capabilities):
            errors.append(located.error("capabilities", "a capability is listed twice"))


def load_knowledge(directory: Path | str) -> KnowledgeBase:
    """Read and validate the whole knowledge directory; raise ``KnowledgeLoadError`` listing every error."""
    root = Path(directory)
    errors: list[KnowledgeError] = []
    if not root.is_dir():
        raise KnowledgeLoadError([KnowledgeError(str(root), "knowledge directory not found")])

    vendors_path = root / "vendors.yaml"
    vendors = read_entries(vendors_path, str(vendors_path), Vendor, "vendors", errors)
    capabilities_path = root / "capabilities.yaml"
    before = len(errors)
    capabilities = read_entries(capabilities_path, str(capabilities_path), Capability, "capabilities", errors)
    _check_unique(capabilities, "id", errors)
    capability_ids = {c.entry.id for c in capabilities} if len(errors) == before else None
    model_paths = sorted((root / "models").glob("*.yaml"))
    if not model_paths:
        errors.append(KnowledgeError(str(root / "models"), "no model files (*.yaml) found"))
    models = [located for path in model_paths for located in read_entries(path, str(path), Model, "models", errors)]

    intents_path = root / "intents.yaml"
    lexicon = read_mapping(intents_path, str(intents_path), Lexicon, errors)
    if lexicon is not None:
        families = {m.entry.family for m in models}
        countries = {v.entry.country for v in vendors}
        errors.extend(
            KnowledgeError(str(intents_path), f"unknown family {family!r}", None, None, f"family_aliases.{family}")
            for family in lexicon.family_aliases
            if family not in families
        )
        errors.extend(
            KnowledgeError(str(intents_path), f"no vendor has country {name!r}", None, None, f"countries.{name}")
            for name in lexicon.countries
            if name not in countries and name != "all"
        )

    _check_unique(models, "id", errors)
    _check_names(models, vendors, errors)
    shown = {"vendors": str(vendors_path), "capabilities": str(capabilities_path)}
    _check_models(models, {v.entry.name for v in vendors}, capability_ids, errors, shown)
    if errors or lexicon is None:
        raise KnowledgeLoadError(errors)
    return KnowledgeBase.build(
        (m.entry for m in models), (v.entry for v in vendors), lexicon, tuple(c.entry for c in capabilities)
    )
