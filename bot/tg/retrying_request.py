"""Bot API requests retried when they never left this machine, and only then.

A reply lost to a connection reset is a question left unanswered; a reply sent twice is spam. The two are
told apart by where the request failed: a connection that could not be opened (``httpx.ConnectError``,
``ConnectTimeout``) or a free connection that never came (``PoolTimeout``) means Telegram cannot have
received anything, so the request is sent again after a growing pause. A failure after the request was
written (a read timeout, a connection dropped mid-answer) may hide a message Telegram already delivered,
so it is never repeated and goes to the error handler as before.
"""

import asyncio
import logging

import httpx
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)  # seconds before each retry: about 15 s of outage bridged
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def never_sent(error: BaseException) -> bool:
    """Whether ``error`` (PTB's, caused by httpx's) happened before any byte of the request left."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _NEVER_SENT):
            return True
        seen = seen.__cause__
    return False


class RetryingRequest(BaseRequest):
    """Wraps the request PTB sends Bot API calls with (``HTTPXRequest`` in production)."""

    def __init__(self, inner: BaseRequest, backoff: tuple[float, ...] = BACKOFF) -> None:
        self.inner = inner
        self.backoff = backoff

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]  # never the whole URL: it contains the token
        for attempt, pause in enumerate((*self.backoff, None), start=1):
            try:
                return await self.inner.do_request(
                    url,
                    method,
                    request_data,
                    read_timeout=read_timeout,  # type: ignore[arg-type]
                    write_timeout=write_timeout,  # type: ignore[arg-type]
                    connect_timeout=connect_timeout,  # type: ignore[arg-type]
                    pool_timeout=pool_timeout,  # type: ignore[arg-type]
                )
            except NetworkError as error:  # TimedOut is one
                if pause is None or not never_sent(error):
                    raise
                log.warning(
                    "%s: the Bot API was not reached (attempt %d: %s); retrying in %.3g s",
                    endpoint,
                    attempt,
                    error,
                    pause,
                )
                await asyncio.sleep(pause)
        raise AssertionError("unreachable: the last attempt returns or raises")
