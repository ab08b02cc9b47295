"""Shared fixtures: the real knowledge base, and scratch copies of it to break."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.kb import KnowledgeBase, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the real knowledge directory."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture
def write_file(knowledge_copy: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file (text or raw bytes) into the copy, relative to its root."""

    def write(relative: str, content: str | bytes) -> Path:
        path = knowledge_copy / relative
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
