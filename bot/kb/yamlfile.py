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


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A file's data and the node it was built from (for line numbers)."""

    data: Any
    node: yaml.Node


def read_yaml(path: Path, shown: str) -> YamlDocument | list[KnowledgeError]:
    """Parse ``path``; ``shown`` is how errors name the file. Returns the document or its errors."""

    def fail(problem: str, line: int | None = None) -> list[KnowledgeError]:
        return [KnowledgeError(shown, problem, line)]

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return fail(f"file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit; not read")
        raw = path.read_bytes()
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
        data = loader.construct_document(node) if node is not None else None
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
    return YamlDocument(data, node)


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


def duplicate_keys(node: yaml.Node) -> list[tuple[str, int]]:
    """Keys given twice in one mapping (PyYAML would silently keep the last), with their lines."""
    found: list[tuple[str, int]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        found.append((key.value, key.start_mark.line + 1))
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return found
