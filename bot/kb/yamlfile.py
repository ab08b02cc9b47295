"""Reading one YAML file safely: size limit, strict UTF-8, no tabs, no tags that build objects.

Returns the parsed data together with its node tree, so that validation errors can be traced back to the
line that caused them. Every failure becomes a ``KnowledgeError``; nothing here raises.

Composing YAML is most of the cost of loading the knowledge, so a successful parse is kept in a cache keyed by
the file's exact bytes (``$ALMANAC_CACHE_DIR``, default ``~/.cache/model-almanac``): an unchanged file is not
parsed again by the next start or ``/reload``. Changed bytes are a new key; validation always runs.
"""

import hashlib
import marshal
import os
import re
import sys
from pathlib import Path
from typing import Any, ClassVar

import yaml

from bot.kb.errors import KnowledgeError

MAX_FILE_BYTES = 5 * 1024 * 1024
PARSER_VERSION = 1  # bump when what a parse returns changes, so kept parses from before are not used
_TAB_INDENT = re.compile(r"^[ ]*\t", re.MULTILINE)
_CONTENT = re.compile(r"^[ \t]*[^\s#]", re.MULTILINE)  # a line that is neither blank nor a comment

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader without YAML 1.1 timestamps: dates stay text and pydantic validates them, so an
    impossible date such as 2025-02-30 is a field error with a line number instead of a crash."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, Any]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._resolved: dict[tuple[str, bool], str] = {}

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """PyYAML's resolver, remembered per scalar text: a knowledge file repeats the same keys and values
        (``name``, ``null``, ``false`` …) thousands of times, and resolving each one is most of the parse."""
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit[0])
        tag = self._resolved.get(key)
        if tag is None:
            tag = self._resolved[key] = super().resolve(kind, value, implicit)
        return tag


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)

_STR, _NULL, _MAP, _SEQ = (f"tag:yaml.org,2002:{name}" for name in ("str", "null", "map", "seq"))
_MERGE = "tag:yaml.org,2002:merge"


class _Shared(Exception):
    """A node reached twice: an alias (``*name``) of an anchored node."""

    def __init__(self, node: yaml.Node) -> None:
        self.node = node


class YamlDocument:
    """A file's data, any key written twice in a mapping, and the node tree (for line numbers), which is
    composed again only when an error needs a line: a file read from the parse cache has none until then."""

    def __init__(self, data: Any, text: str, duplicates: tuple[tuple[str, int], ...], node: yaml.Node | None) -> None:
        self.data, self.duplicates = data, duplicates
        self._text, self._node = text, node

    @property
    def node(self) -> yaml.Node:
        if self._node is None:
            loader = _Loader(self._text)
            try:
                self._node = loader.get_single_node()  # this text parsed once already, without error
            finally:
                loader.dispose()
        return self._node


def _cache_dir() -> Path:
    return Path(os.environ.get("ALMANAC_CACHE_DIR") or Path.home() / ".cache" / "model-almanac") / "yaml"


def _cache_file(raw: bytes) -> Path:
    # marshal's format follows the interpreter, so the interpreter version is part of the key
    version = f"{sys.version_info.major}{sys.version_info.minor}"
    return _cache_dir() / f"{hashlib.sha256(raw).hexdigest()}-{PARSER_VERSION}-py{version}.marshal"


def _cached(raw: bytes) -> tuple[Any, tuple[tuple[str, int], ...]] | None:
    """The parse of exactly these bytes from an earlier load, if one was kept (any failure: parse again)."""
    try:
        data, duplicates = marshal.loads(_cache_file(raw).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return data, tuple(tuple(d) for d in duplicates)


def _keep(raw: bytes, data: Any, duplicates: tuple[tuple[str, int], ...]) -> None:
    """Keep a successful parse for the next load: content-addressed, written atomically, best effort."""
    target = _cache_file(raw)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_bytes(marshal.dumps((data, duplicates)))
        scratch.replace(target)
    except (OSError, ValueError):
        pass


def _build(loader: _Loader, root: yaml.Node) -> tuple[Any, list[tuple[str, int]]]:
    """Plain data from the node tree in one walk that also finds duplicate keys and refuses aliases.

    Faster than PyYAML's generic constructor (the common tags are built directly), and safe against alias
    bombs: a node reached twice is refused before anything is expanded. Tags other than the plain ones go
    through PyYAML's safe constructors, which refuse tags that build objects."""
    seen: set[int] = set()
    duplicates: list[tuple[str, int]] = []

    def build(node: yaml.Node, parent: yaml.Node) -> Any:
        if id(node) in seen:
            raise _Shared(parent)  # the alias itself has no mark; the collection holding it does
        seen.add(id(node))
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == _STR:
                return node.value
            if tag == _NULL:
                return None
            return loader.construct_object(node)
        if tag == _SEQ and isinstance(node, yaml.SequenceNode):
            return [build(item, node) for item in node.value]
        if tag == _MAP and isinstance(node, yaml.MappingNode):
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    raise _Shared(key_node)  # "<<: *anchor" only ever merges an alias
                key = build(key_node, key_node)
                if key in mapping:
                    duplicates.append((str(key), key_node.start_mark.line + 1))
                try:
                    mapping[key] = build(value_node, key_node)
                except TypeError:  # an unhashable key such as a list: let PyYAML say so with the line
                    return loader.construct_object(node, deep=True)
            return mapping
        return loader.construct_object(node, deep=True)

    return build(root, root), duplicates


def read_yaml(path: Path, shown: str) -> YamlDocument | list[KnowledgeError]:
    """Parse ``path``; ``shown`` is how errors name the file. Returns the document or its errors."""

    def fail(problem: str, line: int | None = None) -> list[KnowledgeError]:
        return [KnowledgeError(shown, problem, line)]

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return fail(f"file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit; not read")
        raw = path.read_bytes()
    except PermissionError:
        return fail("permission denied: the bot's user cannot read this file")
    except OSError as exc:
        return fail(f"cannot read file: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return fail(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line)
    if tab := _TAB_INDENT.search(text):
        return fail("indented with a tab; YAML indentation must use spaces", text.count("\n", 0, tab.start()) + 1)
    if not _CONTENT.search(text):
        return fail("file is empty")
    if (hit := _cached(raw)) is not None:
        return YamlDocument(hit[0], text, hit[1], None)

    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data, duplicates = _build(loader, node) if node is not None else (None, [])
    except _Shared as exc:
        return fail("anchors and aliases (&name, *name, <<) are not allowed in knowledge files", _node_line(exc.node))
    except yaml.constructor.ConstructorError as exc:
        return fail(f"{exc.problem}: only plain YAML data is allowed, no tags that build objects", _line(exc))
    except yaml.MarkedYAMLError as exc:
        context = ""
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            context = f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        return fail(f"YAML syntax error: {exc.problem or exc.context}{context}", _line(exc))
    except yaml.YAMLError as exc:
        return fail(f"YAML error: {exc}")
    except RecursionError:
        return fail("YAML nested too deeply")
    except (ValueError, TypeError, OverflowError, IndexError, AttributeError, KeyError) as exc:
        # PyYAML's constructors raise these for explicit tags on malformed values, e.g. a bare `!!int`.
        return fail(f"YAML value cannot be read: {exc}")
    finally:
        loader.dispose()
    if node is None:
        return fail("file is empty")
    _keep(raw, data, tuple(duplicates))
    return YamlDocument(data, text, tuple(duplicates), node)


def _node_line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _line(exc: yaml.MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark else None


def node_line(node: yaml.Node, path: tuple[int | str, ...]) -> int:
    """The 1-based line of the deepest node along ``path`` (pydantic's error location) below ``node``."""
    line = node.start_mark.line + 1
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            found = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == step), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line
