"""Knowledge directory → validated ``KnowledgeBase``, or every error found, each with file and line.

Layout of a knowledge directory: ``vendors.yaml``, ``capabilities.yaml`` and ``models/*.yaml`` (one file
per vendor by convention), each a YAML list of entries, and ``intents.yaml``. All files are read and all errors collected before anything is
built, so a broken edit is reported in full and never half-applied.
"""

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
    """A validated entry and where it was written (its node is composed only when a line is needed)."""

    entry: EntryT
    file: str
    document: YamlDocument
    index: int

    @property
    def node(self) -> yaml.Node:
        return self.document.node.value[self.index]

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


@dataclass
class Problems:
    """What is wrong, in two kinds: files that could not be read at all (root causes, listed first) and
    everything else. Checks across files skip what a broken file would make them report falsely."""

    unreadable: list[KnowledgeError] = field(default_factory=list)
    errors: list[KnowledgeError] = field(default_factory=list)

    def extend(self, errors: Iterable[KnowledgeError]) -> None:
        self.errors.extend(errors)

    def append(self, error: KnowledgeError) -> None:
        self.errors.append(error)

    def any_in(self, *files: str) -> bool:
        """Whether any problem was found in one of ``files`` (a file that did not fully load)."""
        return any(e.file in files for e in (*self.unreadable, *self.errors))

    def all(self) -> list[KnowledgeError]:
        return [*self.unreadable, *self.errors]


def read_mapping(path: Path, shown: str, schema: type[EntryT], errors: Problems) -> EntryT | None:
    """Validate a file that is one mapping (such as intents.yaml) against ``schema``."""
    document = read_yaml(path, shown)
    if not isinstance(document, YamlDocument):
        errors.unreadable.extend(document)
        return None
    errors.extend(_duplicate_key_errors(document, shown))
    try:
        return schema.model_validate(document.data)
    except ValidationError as exc:
        errors.extend(_validation_errors(exc, shown, document.node, None))
        return None


def _duplicate_key_errors(document: YamlDocument, shown: str) -> list[KnowledgeError]:
    return [KnowledgeError(shown, f"key {key!r} appears twice in one entry", line) for key, line in document.duplicates]


def read_entries(path: Path, shown: str, schema: type[EntryT], what: str, errors: Problems) -> list[Located[EntryT]]:
    """Validate every entry of a YAML list file against ``schema``; add problems to ``errors``."""
    document = read_yaml(path, shown)
    if not isinstance(document, YamlDocument):
        errors.unreadable.extend(document)
        return []
    errors.extend(_duplicate_key_errors(document, shown))
    if not isinstance(document.data, list):
        found = type(document.data).__name__.replace("dict", "mapping").replace("str", "text")
        errors.unreadable.append(
            KnowledgeError(shown, f"expected a list of {what}, found a {found}", node_line(document.node, ()))
        )
        return []
    entries: list[Located[EntryT]] = []
    for index, item in enumerate(document.data):
        name = item.get("name") if isinstance(item, dict) else None
        label = name if isinstance(name, str) else f"#{index + 1}"
        try:
            entries.append(Located(schema.model_validate(item), shown, document, index))
        except ValidationError as exc:
            errors.extend(_validation_errors(exc, shown, document.node.value[index], label))
    return entries


def _check_unique(entries: list[Located[Any]], key_field: str, errors: Problems) -> None:
    """Ids are keys (buttons, capabilities): each one names exactly one entry."""
    owner: dict[str, Located[Any]] = {}
    for located in entries:
        key = getattr(located.entry, key_field)
        first = owner.setdefault(key, located)
        if first is not located:
            label = getattr(first.entry, "name", key)
            errors.append(located.error(key_field, f"{key!r} is already used by {label!r} ({first.where})"))


def _copied_files(models: list[Located[Model]]) -> dict[str, str]:
    """Model files whose every id is already used in one other file: a copy (``openai (1).yaml``), reported
    as one error instead of one per id and name."""
    first_file: dict[str, str] = {}
    sources: dict[str, list[str | None]] = defaultdict(list)
    for located in models:
        source = first_file.setdefault(located.entry.id, located.file)
        sources[located.file].append(source if source != located.file else None)
    return {
        file: found[0]
        for file, found in sources.items()
        if len(found) >= 2 and found[0] is not None and len(set(found)) == 1
    }


def _check_names(models: list[Located[Model]], vendors: list[Located[Vendor]], errors: Problems) -> None:
    """A folded name or alias must lead to exactly one model or vendor, or lookups become guesses."""
    owner: dict[str, Located[Any]] = {}
    everything: list[Located[Any]] = [*models, *vendors]
    for located in everything:
        entry = located.entry
        names = [("name", entry.name)]
        if isinstance(entry, Vendor):
            names.append(("name_zh", entry.name_zh))
        names += [(f"aliases.{index}", alias) for index, alias in enumerate(entry.aliases)]
        for where, name in names:
            first = owner.setdefault(fold_name(name), located)
            if first is not located:
                errors.append(located.error(where, f"{name!r} also names {first.entry.name!r} ({first.where})"))


def _check_generic_aliases(entries: list[Located[Any]], generic: frozenset[str], errors: Problems, shown: str) -> None:
    """An alias that is a word for a kind of model ("pro", "开源") would answer every question that uses it."""
    for located in entries:
        for index, alias in enumerate(located.entry.aliases):
            if fold_name(alias) in generic:
                problem = f"alias {alias!r} is a common word, not a name (generic_words in {shown})"
                errors.append(located.error(f"aliases.{index}", problem))


def _check_models(
    models: list[Located[Model]],
    vendor_names: set[str] | None,
    capability_ids: set[str] | None,
    errors: Problems,
    shown: dict[str, str],
) -> None:
    """Cross-file rules; ``vendor_names`` / ``capability_ids`` are None when vendors.yaml / capabilities.yaml
    did not fully load (their own errors say why, and every model would otherwise be blamed)."""
    for located in models:
        model = located.entry
        if vendor_names is not None and model.vendor not in vendor_names:
            errors.append(located.error("vendor", f"unknown vendor {model.vendor!r} (not in {shown['vendors']})"))
        if not model.dates_in_year:
            errors.append(located.error("released", "no release, milestone or GA date in 2025"))
        for index, capability in enumerate(model.capabilities):
            if capability_ids is not None and capability not in capability_ids:
                problem = f"unknown capability {capability!r} (not in {shown['capabilities']})"
                errors.append(located.error(f"capabilities.{index}", problem))
        if len(set(model.capabilities)) != len(model.capabilities):
            errors.append(located.error("capabilities", "a capability is listed twice"))


def _model_files(folder: Path, shown: str, errors: Problems) -> list[Path]:
    """The model files, or a problem that says why there are none (missing, unreadable, empty)."""
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix == ".yaml" and not p.name.startswith("."))
    except PermissionError:
        errors.unreadable.append(KnowledgeError(shown, "permission denied: the folder cannot be listed"))
        return []
    except FileNotFoundError:
        errors.unreadable.append(KnowledgeError(shown, "folder not found"))
        return []
    except OSError as exc:
        errors.unreadable.append(KnowledgeError(shown, f"cannot list the folder: {exc.strerror or exc}"))
        return []
    if not paths:
        errors.unreadable.append(KnowledgeError(shown, "no model files (*.yaml) found"))
    return paths


def load_knowledge(directory: Path | str) -> KnowledgeBase:
    """Read and validate the whole knowledge directory; raise ``KnowledgeLoadError`` listing every error.

    Files are named relative to ``directory`` (see ``_load``). The cyclic garbage collector is paused meanwhile: loading builds a few hundred thousand short-lived
    objects (YAML nodes, dicts, pydantic models) that contain no garbage cycles, and the collector's repeated
    scans of them were half the time of a load."""
    with _collector_paused():
        return _load(Path(directory))


@contextmanager
def _collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(directory: Path) -> KnowledgeBase:
    """Files are named relative to ``directory`` (``models/openai.yaml``). Files that cannot be read come
    first; checks across files are skipped where an incomplete file would make them blame sound entries
    (a broken vendors.yaml does not make every model's vendor "unknown")."""
    root = Path(directory)
    if not root.is_dir():
        raise KnowledgeLoadError([KnowledgeError(str(root), "knowledge directory not found")])
    errors = Problems()
    shown = {"vendors": "vendors.yaml", "capabilities": "capabilities.yaml", "intents": "intents.yaml"}

    vendors = read_entries(root / shown["vendors"], shown["vendors"], Vendor, "vendors", errors)
    vendors_complete = not errors.any_in(shown["vendors"])
    capabilities = read_entries(root / shown["capabilities"], shown["capabilities"], Capability, "capabilities", errors)
    _check_unique(capabilities, "id", errors)
    capability_ids = None if errors.any_in(shown["capabilities"]) else {c.entry.id for c in capabilities}
    model_paths = _model_files(root / "models", "models", errors)
    model_files = [path.relative_to(root).as_posix() for path in model_paths]
    models = [
        located
        for path, file in zip(model_paths, model_files, strict=True)
        for located in read_entries(path, file, Model, "models", errors)
    ]
    models_complete = bool(model_files) and not errors.any_in("models", *model_files)

    lexicon = read_mapping(root / shown["intents"], shown["intents"], Lexicon, errors)
    if lexicon is not None:
        generic = frozenset(fold_name(word) for word in lexicon.generic_words)
        _check_generic_aliases([*models, *vendors], generic, errors, shown["intents"])
        families = {m.entry.family for m in models}
        countries = {v.entry.country for v in vendors}
        if models_complete:
            errors.extend(
                KnowledgeError(shown["intents"], f"unknown family {family!r}", None, None, f"family_aliases.{family}")
                for family in lexicon.family_aliases
                if family not in families
            )
        if vendors_complete:
            errors.extend(
                KnowledgeError(shown["intents"], f"no vendor has country {name!r}", None, None, f"countries.{name}")
                for name in lexicon.countries
                if name not in countries and name != "all"
            )

    copies = _copied_files(models)
    for file, original in copies.items():
        errors.append(KnowledgeError(file, f"every id in this file is also in {original}: one file is a copy"))
    checked = [m for m in models if m.file not in copies]
    _check_unique(checked, "id", errors)
    _check_names(checked, vendors, errors)
    vendor_names = {v.entry.name for v in vendors} if vendors_complete else None
    _check_models(checked, vendor_names, capability_ids, errors, shown)
    if errors.all() or lexicon is None:
        raise KnowledgeLoadError(errors.all(), root)
    return KnowledgeBase.build(
        (m.entry for m in models), (v.entry for v in vendors), lexicon, tuple(c.entry for c in capabilities)
    )
