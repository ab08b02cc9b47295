"""Reading one YAML file safely: size limit, strict UTF-8, no tabs, no tags that build objects.

Returns the parsed data together with its node tree, so that validation errors can be traced back to the
line that caused them. Every failure becomes a ``KnowledgeError``; nothing here raises.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import yaml

from bot.kb.errors import KnowledgeError

MAX_FILE_BYTES = 5 * 1024 * 1024
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


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A file's data, the node it was built from (for line numbers) and any key written twice in a mapping."""

    data: Any
    node: yaml.Node
    duplicates: tuple[tuple[str, int], ...] = ()


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
    return YamlDocument(data, node, tuple(duplicates))


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
