"""Private answers while one group floods the bot: 300 × /latest in a group, then private questions
arriving every 100 ms; the time from an update's arrival to its answer being sent (target: unaffected
by the flood, i.e. tens of milliseconds; before ChatQueues the first private answer waited ~75 s).

Runs the real Application (real AIORateLimiter: 20 messages a minute per group) on an offline Bot API
whose every call takes 50 ms, the order of a real round trip to Telegram.

Run: python -m benchmarks.flood_latency [--baseline]   (--baseline: PTB's default update processor)
"""

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from pydantic import SecretStr
from telegram import Update
from telegram.ext import AIORateLimiter, Application

from bot.config import Settings
from bot.store import KnowledgeStore
from bot.tg.app import build_application
from bot.tg.handlers import Handlers
from tests.tg_fakes import TOKEN, RecordingRequest, UpdateFactory

ROOT = Path(__file__).resolve().parent.parent
GROUP = -1001234567890
FLOOD = 300
ROUND_TRIP = 0.05


def baseline_application(settings: Settings, store: KnowledgeStore, request: RecordingRequest) -> Application:
    """The wiring before ChatQueues: PTB's own processor, 256 concurrent slots."""
    assert settings.token is not None
    app = (
        Application.builder().token(settings.token).request(request).rate_limiter(AIORateLimiter())
        .concurrent_updates(True).build()
    )  # fmt: skip
    Handlers(store, frozenset()).register(app)
    return app


async def run(baseline: bool, questions: int, limit: float) -> list[float]:
    settings = Settings(_env_file=None, telegram_bot_token=SecretStr(TOKEN))  # type: ignore[call-arg]
    store = KnowledgeStore.load(ROOT / "knowledge")
    api = RecordingRequest()
    users = [1000 + i for i in range(questions)]
    api.slow = {GROUP: ROUND_TRIP, **dict.fromkeys(users, ROUND_TRIP)}
    app = baseline_application(settings, store, api) if baseline else build_application(settings, store, api)
    make = UpdateFactory()
    await app.initialize()
    await app.start()
    for i in range(FLOOD):
        payload = make.message("/latest", chat_type="supergroup", chat_id=GROUP, user_id=500 + i % 5)
        await app.update_queue.put(Update.de_json(payload, app.bot))
    sent_at: dict[int, float] = {}
    for user in users:
        sent_at[user] = time.perf_counter()
        await app.update_queue.put(Update.de_json(make.message("gemini 2.5 pro", user_id=user), app.bot))
        await asyncio.sleep(0.1)
    deadline = time.perf_counter() + limit
    latencies: dict[int, float] = {}
    while len(latencies) < len(users) and time.perf_counter() < deadline:
        for call in api.calls:
            chat = call.params.get("chat_id")
            if call.method == "sendMessage" and chat in sent_at and chat not in latencies:
                latencies[chat] = call.at - sent_at[chat]
        await asyncio.sleep(0.005)
    group_replies = sum(1 for c in api.calls if c.method == "sendMessage" and c.params.get("chat_id") == GROUP)
    print(f"group replies sent meanwhile: {group_replies}; private answers: {len(latencies)}/{len(users)}")
    if not baseline:  # the baseline would wait for every group reply: 300 at 20 a minute
        stop_started = time.perf_counter()
        await app.stop()
        assert app.post_stop is not None
        await app.post_stop(app)
        await app.shutdown()
        print(f"stop + shutdown with the group's work pending: {time.perf_counter() - stop_started:.2f} s")
    return sorted(latencies.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", action="store_true", help="PTB's default update processor")
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--limit", type=float, default=180.0, help="seconds to wait for the private answers")
    args = parser.parse_args()
    latencies = asyncio.run(run(args.baseline, args.questions, args.limit))
    if latencies:
        print(
            f"private answer latency during the flood: median {statistics.median(latencies) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} questions"
        )


if __name__ == "__main__":
    main()
