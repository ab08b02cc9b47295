"""Edits to a scratch copy of the knowledge, as an admin would make them before ``/reload``."""

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_FILE = "models/deepseek.yaml"


def add_model(knowledge: Path, model_id: str, name: str, released: str = "2025-12-30") -> None:
    """Append a new model (a copy of the file's first entry under a new id and name) to a vendor file."""
    path = knowledge / TEMPLATE_FILE
    entry: dict[str, Any] = dict(yaml.safe_load(path.read_text(encoding="utf-8"))[0])
    entry |= {"id": model_id, "name": name, "aliases": [], "family": None, "released": date.fromisoformat(released)}
    entry |= {"ga": None, "milestones": None}
    with path.open("a", encoding="utf-8") as out:
        out.write(yaml.safe_dump([entry], allow_unicode=True, sort_keys=False))


def first_model_id(knowledge: Path) -> str:
    return str(yaml.safe_load((knowledge / TEMPLATE_FILE).read_text(encoding="utf-8"))[0]["id"])


def move_release_earlier(knowledge: Path, model_id: str) -> None:
    """One day earlier: a change of dates (``ga``, if any, stays after it)."""
    path = knowledge / TEMPLATE_FILE
    content = path.read_text(encoding="utf-8")
    start = content.index(f"- id: {model_id}\n")
    match = re.compile(r"^  released: (\d{4}-\d\d-\d\d)$", re.MULTILINE).search(content, start)
    assert match is not None
    earlier = date.fromisoformat(match.group(1)) - timedelta(days=1)
    path.write_text(content[: match.start(1)] + earlier.isoformat() + content[match.end(1) :], encoding="utf-8")


def break_knowledge(knowledge: Path) -> None:
    (knowledge / TEMPLATE_FILE).write_text("- id: [this is not valid\n", encoding="utf-8")
