"""The current engine, and ``/reload`` that replaces it without stopping the bot.

Handlers read ``store.engine`` once per update; a reload builds a whole new engine in a worker thread
and then swaps that one reference, so every question sees one consistent snapshot and the bot keeps
answering while the YAML is parsed. A failed reload changes nothing.

Whatever must follow "a new snapshot is live" subscribes: ``on_swap`` (synchronous, inside the swap: cached
pictures), ``on_live`` (asynchronous, after it: announcements); ``on_request`` runs as a reload is asked for
(telling other replicas). ``version`` counts the snapshots of this process; ``content_hash`` is the
knowledge version that replicas share: a hash of the knowledge files (``bot.kb.version``).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.engine import Engine
from bot.engine.normalize import Lang
from bot.kb import KnowledgeBase, KnowledgeLoadError, load_knowledge
from bot.kb.version import knowledge_version

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KnowledgeDiff:
    """What a reload changed, by model name: added, removed, and changed (same id, different entry)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    summary: str = ""

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        """``+ name`` / ``− name`` / ``~ name``, one per line."""
        return [
            *(f"+ {name}" for name in self.added),
            *(f"− {name}" for name in self.removed),
            *(f"~ {name}" for name in self.changed),
        ]

    @classmethod
    def between(cls, old: KnowledgeBase, new: KnowledgeBase) -> "KnowledgeDiff":
        return cls(
            added=tuple(m.name for m in new.models if m.id not in old.by_id),
            removed=tuple(m.name for m in old.models if m.id not in new.by_id),
            changed=tuple(m.name for m in new.models if m.id in old.by_id and old.by_id[m.id] != m),
            summary=new.summary(),
        )


@dataclass(frozen=True, slots=True)
class ReloadRequest:
    """Who asked for a reload: the chat to report to and its language; ``origin`` is None when it was asked
    of this process, else the id of the replica whose reload this one follows."""

    chat_id: int | None = None
    lang: Lang = "en"
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class Live:
    """A snapshot that a reload has just made live: its engine and version, and the engine it replaced."""

    engine: Engine
    version: str
    previous: Engine


OnRequest = Callable[[ReloadRequest], Awaitable[None]]
OnLive = Callable[[Live], Awaitable[None]]


def build_engine(directory: Path) -> Engine:
    """Load, validate and index the knowledge; raises ``KnowledgeLoadError``. Blocking (runs in a thread)."""
    return Engine(load_knowledge(directory))


def _build_versioned(directory: Path) -> tuple[Engine, str]:
    """The engine and the content hash of its files (hashed first: a file edited meanwhile gives a new
    version on the next reload, never an old hash for new content)."""
    version = knowledge_version(directory)
    return build_engine(directory), version


class KnowledgeStore:
    """Holds the engine in use and its version; ``reload`` replaces both atomically or not at all."""

    def __init__(self, directory: Path, engine: Engine, version: str | None = None) -> None:
        self.directory = directory
        self.engine = engine
        self.version = 1  # counts the snapshots that went live: a key for whatever is derived from one
        self.content_hash = version if version is not None else knowledge_version(directory)
        self.on_request: list[OnRequest] = []  # before a reload starts (other replicas can start theirs)
        self.on_live: list[OnLive] = []  # after a reload has swapped in a new snapshot
        self._lock = asyncio.Lock()
        self._on_swap: list[Callable[[Engine], None]] = []

    def on_swap(self, callback: Callable[[Engine], None]) -> None:
        """Call ``callback(new_engine)`` whenever a new snapshot goes live (derived state such as cached
        pictures is dropped at that moment, never sooner and never later)."""
        self._on_swap.append(callback)

    @classmethod
    def load(cls, directory: Path) -> "KnowledgeStore":
        """The first load, at start-up; raises ``KnowledgeLoadError`` so the caller can report and exit."""
        engine, version = _build_versioned(directory)
        return cls(directory, engine, version)

    async def reload(self, request: ReloadRequest | None = None) -> KnowledgeDiff | KnowledgeLoadError:
        """Reload from disk; one reload at a time, so two admins cannot interleave their swaps.

        First every ``on_request`` callback runs, then, after a swap, every ``on_live`` one; a callback that
        fails is logged and the others run.
        """
        await _run_all(self.on_request, request or ReloadRequest(), "before a reload")
        async with self._lock:
            old = self.engine
            try:
                engine, version = await asyncio.to_thread(_build_versioned, self.directory)
            except KnowledgeLoadError as error:
                return error
            self.engine, self.content_hash = engine, version
            self.version += 1
            for callback in self._on_swap:
                callback(engine)
        await _run_all(self.on_live, Live(engine, version, old), f"after the reload to version {version[:12]}")
        return KnowledgeDiff.between(old.knowledge, engine.knowledge)


T = TypeVar("T")


async def _run_all(callbacks: list[Callable[[T], Awaitable[None]]], argument: T, when: str) -> None:
    for callback in callbacks:
        try:
            await callback(argument)
        except Exception:
            log.exception("%s, %s failed", when, getattr(callback, "__qualname__", callback))
