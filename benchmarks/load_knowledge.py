"""How long loading and validating the real knowledge base takes (target: < 150 ms).

Run: python -m benchmarks.load_knowledge [--runs N]
"""

import argparse
import statistics
import time
from pathlib import Path

from bot.kb import load_knowledge

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        knowledge = load_knowledge(KNOWLEDGE)
        timings.append((time.perf_counter() - start) * 1000)
    print(f"load_knowledge: {knowledge.summary()}")
    median, low, high = statistics.median(timings), min(timings), max(timings)
    print(f"  {runs} runs: median {median:.1f} ms, min {low:.1f} ms, max {high:.1f} ms")


if __name__ == "__main__":
    main()
