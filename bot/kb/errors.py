"""Errors that name the file, line, entry and field, so whoever edits the YAML can fix it at once."""

from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True, slots=True)
class KnowledgeError:
    """One problem in one knowledge file."""

    file: str
    problem: str
    line: int | None = None
    entry: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.entry is not None:
            parts.append(f"entry {self.entry!r}")
        if self.field:
            parts.append(self.field)
        parts.append(self.problem)
        return ": ".join(parts)


class KnowledgeLoadError(Exception):
    """The knowledge directory is not valid; ``errors`` lists every problem found, not just the first,
    each naming its file relative to ``root`` (the knowledge directory)."""

    def __init__(self, errors: list[KnowledgeError], root: Path | None = None) -> None:
        self.errors = tuple(errors)
        self.root = root
        count = len(self.errors)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in the knowledge base")

    def lines(self, full_paths: bool = False) -> list[str]:
        """One line per error; ``full_paths`` prefixes the knowledge directory (for a terminal or an editor)."""
        if not full_paths or self.root is None:
            return [str(error) for error in self.errors]
        root = self.root
        return [str(replace(error, file=(root / error.file).as_posix())) for error in self.errors]

    def report(self, limit: int | None = None, full_paths: bool = True) -> str:
        """The errors one per line (the first ``limit`` of them, then how many more)."""
        lines = self.lines(full_paths)
        shown = lines if limit is None else lines[:limit]
        if len(shown) < len(lines):
            shown.append(f"... and {len(lines) - len(shown)} more")
        return "\n".join(shown)
