"""Shared fixtures: the real knowledge base, and scratch copies of it to break."""

import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from bot.kb import KnowledgeBase, load_knowledge
from bot.storage import Database
from tests.postgres import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
# parses kept by the YAML reader go to a scratch folder, never the developer's own cache
os.environ.setdefault("ALMANAC_CACHE_DIR", tempfile.mkdtemp(prefix="almanac-test-cache-"))
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


def nothing_words(knowledge: KnowledgeBase) -> str:
    """Filter words that select no model, found in the data: a vendor and a month it released nothing in."""
    for vendor in knowledge.vendors:
        months = {step.date.month for m in knowledge.by_vendor.get(vendor.name, ()) for step in m.dates_in_year}
        if (empty := next((n for n in range(1, 13) if n not in months), None)) is not None:
            return f"{vendor.name_zh} {empty}月"
    raise AssertionError("every vendor released something every month")


# -- databases: SQLite in a temporary folder, and a real PostgreSQL server started once per session ---------


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer.create()
    yield server
    server.destroy()


_databases = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind (a new database in the shared server for PostgreSQL)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'almanac.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return await server.create_database(f"test_{os.getpid()}_{next(_databases)}")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = await Database.open(database_url)
    yield opened
    await opened.close()
