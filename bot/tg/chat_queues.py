"""One bounded queue per chat in front of the handlers, so one chat can never slow the others.

PTB runs an update's handlers inside one of the Application's concurrent-update slots, and
``AIORateLimiter`` makes a send wait *inside* the handler while its chat is over Telegram's limit (20
messages a minute in a group). A group flooding the bot would therefore hold every slot while its replies
trickle out, and every other chat would wait behind it.

``ChatQueues`` is the Application's update processor: it only puts the update in its chat's lane and
returns, so a slot is held for microseconds. Each lane answers its chat's updates one at a time, in
order, with at most ``max_pending`` waiting; over that budget further updates are dropped and the chat
gets one short notice until its lane is empty again. A newer inline query replaces the user's older ones
still waiting (Telegram only shows the answer to the latest). When the bot stops, lanes may finish for
``drain_seconds``; what is left then is cancelled.
"""

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

MAX_PENDING = 10  # per chat, besides the one being answered: half a minute of a group's send budget
DRAIN_SECONDS = 4.0  # at shutdown; with PTB's own stopping this stays well inside 10 s
ENQUEUE_SLOTS = 256  # PTB's slots are held only while an update is put in its lane

Notice = Callable[[Update], Awaitable[None]]


@dataclass(eq=False)
class _Lane:
    """One chat's work: the updates waiting and the task answering them."""

    kind: str
    pending: deque[tuple[object, Awaitable[Any]]] = field(default_factory=deque)
    worker: asyncio.Task[None] | None = None
    dropped: int = 0


def lane_key(update: object) -> Hashable:
    """The chat an update belongs to; inline queries and inline-message buttons have no chat: their user."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return None


def _kind(update: object) -> str:
    """For logs: the chat type, never the chat id."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.type
    return "inline" if isinstance(update, Update) and update.inline_query else "other"


def _discard(work: Awaitable[Any]) -> None:
    """A queued update that will not run: close its coroutine so Python does not warn it was never awaited."""
    if inspect.iscoroutine(work):
        work.close()


class ChatQueues(BaseUpdateProcessor):
    """PTB update processor with a bounded lane per chat (see the module docstring)."""

    def __init__(
        self,
        on_overflow: Notice | None = None,
        max_pending: int = MAX_PENDING,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        super().__init__(ENQUEUE_SLOTS)
        self.on_overflow = on_overflow
        self.max_pending = max_pending
        self.drain_seconds = drain_seconds
        self._lanes: dict[Hashable, _Lane] = {}
        self._notices: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def busy_chats(self) -> int:
        """How many chats have work in progress or waiting."""
        return len(self._lanes)

    async def initialize(self) -> None:
        self._closed = False

    async def shutdown(self) -> None:
        """PTB calls this after the bot's connection is closed; ``drain`` normally ran before (post_stop)."""
        await self.drain()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Queue the update in its chat's lane and return at once (PTB's slot is released)."""
        if self._closed:
            _discard(coroutine)
            return
        key = lane_key(update)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(_kind(update))
        if isinstance(update, Update) and update.inline_query is not None:
            self._coalesce_inline(lane)
        if len(lane.pending) >= self.max_pending:
            _discard(coroutine)
            self._overflow(lane, update)
            return
        lane.pending.append((update, coroutine))
        if lane.worker is None:
            lane.worker = asyncio.create_task(self._work(key, lane), name=f"ChatQueues:{lane.kind}")

    def _coalesce_inline(self, lane: _Lane) -> None:
        """Drop the inline queries still waiting in this lane: the new one supersedes them."""
        kept: deque[tuple[object, Awaitable[Any]]] = deque()
        for update, work in lane.pending:
            if isinstance(update, Update) and update.inline_query is not None:
                _discard(work)
            else:
                kept.append((update, work))
        lane.pending = kept

    def _overflow(self, lane: _Lane, update: object) -> None:
        lane.dropped += 1
        if lane.dropped > 1:
            return
        log.warning("a %s chat sends faster than it can be answered: dropping its updates for now", lane.kind)
        if self.on_overflow is not None and isinstance(update, Update):
            notice = asyncio.create_task(self._notify(self.on_overflow, update), name="ChatQueues:notice")
            self._notices.add(notice)
            notice.add_done_callback(self._notices.discard)

    @staticmethod
    async def _notify(on_overflow: Notice, update: Update) -> None:
        try:
            await on_overflow(update)
        except Exception as error:  # a notice that cannot be sent is not worth more than a line
            log.warning("could not send the slow-down notice: %s", error)

    async def _work(self, key: Hashable, lane: _Lane) -> None:
        try:
            while lane.pending:
                _, work = lane.pending.popleft()
                try:
                    await work  # Application.process_update: handler errors go to the error handler
                except Exception:
                    log.exception("an update failed outside its handlers")
        finally:
            for _, work in lane.pending:
                _discard(work)
            lane.pending.clear()
            if self._lanes.get(key) is lane:
                del self._lanes[key]
            if lane.dropped:
                log.info("a %s chat's flood is over: %d updates were dropped", lane.kind, lane.dropped)

    async def drain(self) -> None:
        """Stop taking updates; let the lanes finish for ``drain_seconds``, then cancel what is left."""
        self._closed = True
        tasks = [lane.worker for lane in self._lanes.values() if lane.worker is not None] + list(self._notices)
        if not tasks:
            return
        _, unfinished = await asyncio.wait(tasks, timeout=self.drain_seconds)
        if unfinished:
            left = sum(len(lane.pending) + 1 for lane in self._lanes.values())
            log.warning("stopping: %d updates left unanswered in %d chat(s) are cancelled", left, len(self._lanes))
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
