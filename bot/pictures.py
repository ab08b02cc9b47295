"""Timeline pictures for the chat: drawn off the event loop, one at a time, cached until the next /reload.

Drawing a picture takes a few hundred milliseconds of CPU, so it runs in a worker thread and the bot keeps
answering other chats meanwhile; drawings are serialised (matplotlib is not thread-safe, and two at once
would only share the same cores). A picture depends on nothing but the knowledge snapshot, the filters and
the language, so it is cached under exactly that key; the store's swap to a new snapshot empties the cache.
Once Telegram has a picture, its file_id is remembered too, so a repeated request uploads nothing.
"""

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

from bot.engine import Answer, Filters
from bot.engine.normalize import Lang
from bot.render.timeline import Picture, render_timeline
from bot.store import KnowledgeStore

CACHED_ANSWERS = 64  # a few MB of PNG at most; the least recently asked for go first

Key = tuple[int, Filters, Lang]


@dataclass
class CacheStats:
    hits: int = 0
    drawn: int = 0


class TimelinePictures:
    """The pictures of list answers, by (knowledge version, filters, language)."""

    def __init__(self, store: KnowledgeStore, size: int = CACHED_ANSWERS) -> None:
        self._store = store
        self._size = size
        self._cache: OrderedDict[Key, tuple[Picture, ...]] = OrderedDict()
        self._file_ids: dict[Picture, str] = {}  # what Telegram calls a picture once it has it
        self._drawing = asyncio.Lock()
        self.stats = CacheStats()
        store.on_swap(lambda _engine: self._forget())

    def _forget(self) -> None:
        self._cache.clear()
        self._file_ids.clear()

    def file_id(self, picture: Picture) -> str | None:
        """Telegram's id for a picture already sent: sending it again uploads nothing."""
        return self._file_ids.get(picture)

    def remember(self, picture: Picture, file_id: str) -> None:
        if any(picture in pictures for pictures in self._cache.values()):
            self._file_ids[picture] = file_id

    def cached(self, answer: Answer, version: int) -> tuple[Picture, ...] | None:
        key = (version, answer.filters, answer.lang)
        if (pictures := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
        return pictures

    async def get(self, answer: Answer, version: int) -> tuple[Picture, ...]:
        """The answer's pictures: from the cache, or drawn in a worker thread (an identical request that
        arrives meanwhile waits for that drawing instead of starting its own)."""
        if (pictures := self.cached(answer, version)) is not None:
            self.stats.hits += 1
            return pictures
        async with self._drawing:
            if (pictures := self.cached(answer, version)) is not None:
                self.stats.hits += 1
                return pictures
            pictures = await asyncio.to_thread(render_timeline, answer)
            self.stats.drawn += 1
            if version == self._store.version:  # a reload while drawing: these pictures are already stale
                self._cache[(version, answer.filters, answer.lang)] = pictures
            while len(self._cache) > self._size:
                for old in self._cache.popitem(last=False)[1]:
                    self._file_ids.pop(old, None)
            return pictures
