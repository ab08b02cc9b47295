"""Errors that name the file, line, entry and field, so whoever edits the YAML can fix it at once."""

from dataclasses import dataclass


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
    """The knowledge directory is not valid; ``errors`` lists every problem found, not just the first."""

    def __init__(self, errors: list[KnowledgeError]) -> None:
        self.errors = tuple(errors)
        count = len(self.errors)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in the knowledge base")

    def report(self, limit: int | None = None) -> str:
        """The errors one per line (the first ``limit`` of them, then how many more)."""
        shown = self.errors if limit is None else self.errors[:limit]
        lines = [str(error) for error in shown]
        if len(shown) < len(self.errors):
            lines.append(f"... and {len(self.errors) - len(shown)} more")
        return "\n".join(lines)
