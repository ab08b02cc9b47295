"""One warning per minute about a database that is down, not one per message or per operation."""

import logging
import time
from collections.abc import Callable


class ThrottledWarning:
    """Logs a warning at most once per ``every`` seconds, counting what it held back in between."""

    def __init__(self, logger: logging.Logger, every: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.logger, self.every, self.clock = logger, every, clock
        self._last: float | None = None
        self._held = 0

    def __call__(self, message: str, *args: object) -> None:
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            self._held += 1
            return
        held, self._held, self._last = self._held, 0, now
        suffix = f" ({held} similar warnings held back)" if held else ""
        self.logger.warning(message + suffix, *args)
