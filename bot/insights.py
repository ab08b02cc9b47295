"""Insights for admins: questions answered per intent per day, and the names people asked about that the
knowledge lacks, which is the cheapest way to decide what to add next.

Nothing personal is kept: a count per (day, intent) and per (day, normalised unknown name), never a user id,
chat id or whole message. Answers are counted in memory and written in one short transaction every few
seconds; if the database is down or locked the batch is dropped with one warning per minute, and answering
never waits for the database.
"""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bot.engine import Answer, Intent
from bot.engine.normalize import Lang, normalize
from bot.render.i18n import tr
from bot.storage import Database, StorageUnavailable, upsert
from bot.storage.tables import IntentCount, UnknownName
from bot.storage.throttled import ThrottledWarning

log = logging.getLogger(__name__)

MAX_NAME = 64  # characters of an unknown name kept (the column's width)
MAX_PENDING_NAMES = 5000  # distinct unknown names held between two flushes; more are dropped
REPORT_DAYS = 7
TOP_NAMES = 20


def today_utc() -> date:
    return datetime.now(UTC).date()


def unknown_name(answer: Answer) -> str | None:
    """The normalised unknown name of a "did you mean" or "I don't know that model" answer, else None."""
    if answer.unknown_name is None:
        return None
    if answer.intent == Intent.CLARIFY or (answer.intent == Intent.OUT_OF_SCOPE and answer.reason == "unknown"):
        return normalize(answer.unknown_name).text[:MAX_NAME].strip() or None
    return None


@dataclass(frozen=True, slots=True)
class StatsReport:
    """The last days' totals: per intent (most first), the most asked unknown names, the clarify share."""

    first_day: date
    last_day: date
    intents: tuple[tuple[str, int], ...]
    unknown_names: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.intents)

    @property
    def clarify_share(self) -> float:
        clarify = dict(self.intents).get(Intent.CLARIFY.value, 0)
        return clarify / self.total if self.total else 0.0

    def format(self, lang: Lang) -> str:
        """Plain text lines, the same in the terminal and (escaped) in Telegram."""
        lines = [tr("stats_header", lang, first=self.first_day, last=self.last_day, total=self.total)]
        lines += [f"  {intent}: {count}" for intent, count in self.intents]
        lines.append(tr("stats_clarify", lang, share=f"{self.clarify_share:.1%}"))
        lines.append(tr("stats_unknown", lang, n=len(self.unknown_names)))
        lines += [f"  {name}: {count}" for name, count in self.unknown_names]
        if not self.unknown_names:
            lines.append("  " + tr("stats_none", lang))
        return "\n".join(lines)


class Insights:
    """Counts answers in memory; ``flush`` writes them; ``report`` reads the last days back."""

    def __init__(self, database: Database, today: Callable[[], date] = today_utc) -> None:
        self.database = database
        self.today = today
        self._intents: Counter[tuple[date, str]] = Counter()
        self._names: Counter[tuple[date, str]] = Counter()
        self._warn = ThrottledWarning(log)

    def record(self, answer: Answer) -> None:
        """Count one answered question (synchronous and in memory: the reply never waits for it)."""
        day = self.today()
        self._intents[day, answer.intent.value] += 1
        name = unknown_name(answer)
        if name is not None and ((day, name) in self._names or len(self._names) < MAX_PENDING_NAMES):
            self._names[day, name] += 1

    async def flush(self) -> bool:
        """Add the counts to the database in one transaction; on a fault drop them and warn (throttled)."""
        intents, names = self._intents, self._names
        if not intents and not names:
            return True
        self._intents, self._names = Counter(), Counter()
        try:
            async with self.database.transaction() as session:
                for (day, intent), count in intents.items():
                    insert = upsert(self.database, IntentCount).values(day=day, intent=intent, count=count)
                    await session.execute(
                        insert.on_conflict_do_update(
                            index_elements=["day", "intent"], set_={"count": IntentCount.count + insert.excluded.count}
                        )
                    )
                for (day, name), count in names.items():
                    insert = upsert(self.database, UnknownName).values(day=day, name=name, count=count)
                    await session.execute(
                        insert.on_conflict_do_update(
                            index_elements=["day", "name"], set_={"count": UnknownName.count + insert.excluded.count}
                        )
                    )
        except StorageUnavailable as error:
            self._warn("database unavailable: insights dropped (%d answers): %s", sum(intents.values()), error)
            return False
        return True

    async def report(self, days: int = REPORT_DAYS) -> StatsReport:
        """The last ``days`` days (today included). Raises ``StorageUnavailable``."""
        last = self.today()
        first = last - timedelta(days=days - 1)
        async with self.database.transaction() as session:
            intents = await session.execute(
                select(IntentCount.intent, func.sum(IntentCount.count).label("n"))
                .where(IntentCount.day >= first)
                .group_by(IntentCount.intent)
                .order_by(func.sum(IntentCount.count).desc(), IntentCount.intent)
            )
            names = await session.execute(
                select(UnknownName.name, func.sum(UnknownName.count).label("n"))
                .where(UnknownName.day >= first)
                .group_by(UnknownName.name)
                .order_by(func.sum(UnknownName.count).desc(), UnknownName.name)
                .limit(TOP_NAMES)
            )
            return StatsReport(
                first,
                last,
                tuple((intent, int(n)) for intent, n in intents.all()),
                tuple((name, int(n)) for name, n in names.all()),
            )
