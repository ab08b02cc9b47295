"""What a conversation remembers between questions: its last answer, for ten minutes.

A conversation is one user in one chat in Telegram (group members never share one) and the session in the
terminal. ``Conversations`` is the small interface the bot needs, so a store shared between replicas can
replace ``MemoryConversations`` without touching the engine or the handlers.
"""

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Protocol

from bot.engine.answer import Answer

TTL_SECONDS = 600.0
CAPACITY = 50_000  # conversations kept at most; the least recently used is forgotten first


class Conversations(Protocol):
    def get(self, key: Hashable) -> Answer | None:
        """The conversation's last answer, or None when there is none or it is older than the time to live."""

    def put(self, key: Hashable, answer: Answer) -> None:
        """Remember ``answer`` as the conversation's last."""


class MemoryConversations:
    """In-process conversations: bounded (least recently used forgotten first) and expiring."""

    def __init__(
        self, ttl: float = TTL_SECONDS, capacity: int = CAPACITY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl, self._capacity, self._clock = ttl, capacity, clock
        self._last: OrderedDict[Hashable, tuple[float, Answer]] = OrderedDict()

    def get(self, key: Hashable) -> Answer | None:
        found = self._last.get(key)
        if found is None:
            return None
        if self._clock() - found[0] > self._ttl:
            del self._last[key]
            return None
        return found[1]

    def put(self, key: Hashable, answer: Answer) -> None:
        self._last[key] = (self._clock(), answer)
        self._last.move_to_end(key)
        while len(self._last) > self._capacity:
            self._last.popitem(last=False)

    def __len__(self) -> int:
        return len(self._last)
