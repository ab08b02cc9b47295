"""The current engine, and ``/reload`` that replaces it without stopping the bot.

Handlers read ``store.engine`` once per update; a reload builds a whole new engine in a worker thread
and then swaps that one reference, so every question sees one consistent snapshot and the bot keeps
answering while the YAML is parsed. A failed reload changes nothing.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.engine import Engine
from bot.kb import KnowledgeBase, KnowledgeLoadError, load_knowledge


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


def build_engine(directory: Path) -> Engine:
    """Load, validate and index the knowledge; raises ``KnowledgeLoadError``. Blocking (runs in a thread)."""
    return Engine(load_knowledge(directory))


class KnowledgeStore:
    """Holds the engine in use; ``reload`` replaces it atomically or not at all."""

    def __init__(self, directory: Path, engine: Engine) -> None:
        self.directory = directory
        self.engine = engine
        self.version = 1  # counts the snapshots that went live: a key for whatever is derived from one
        self._lock = asyncio.Lock()
        self._on_swap: list[Callable[[Engine], None]] = []

    def on_swap(self, callback: Callable[[Engine], None]) -> None:
        """Call ``callback(new_engine)`` whenever a new snapshot goes live (derived state such as cached
        pictures is dropped at that moment, never sooner and never later)."""
        self._on_swap.append(callback)

    @classmethod
    def load(cls, directory: Path) -> "KnowledgeStore":
        """The first load, at start-up; raises ``KnowledgeLoadError`` so the caller can report and exit."""
        return cls(directory, build_engine(directory))

    async def reload(self) -> KnowledgeDiff | KnowledgeLoadError:
        """Reload from disk; one reload at a time, so two admins cannot interleave their swaps."""
        async with self._lock:
            old = self.engine.knowledge
            try:
                engine = await asyncio.to_thread(build_engine, self.directory)
            except KnowledgeLoadError as error:
                return error
            self.engine = engine
            self.version += 1
            for callback in self._on_swap:
                callback(engine)
            return KnowledgeDiff.between(old, engine.knowledge)
