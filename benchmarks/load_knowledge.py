"""How long loading and validating the real knowledge base takes (target: < 150 ms), cold and warm.

Run: python -m benchmarks.load_knowledge [--runs N]
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bot.kb import load_knowledge

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as cache:
        os.environ["ALMANAC_CACHE_DIR"] = cache
        for label, cold in (("cold (every file parsed)", True), ("warm (unchanged files from the parse cache)", False)):
            timings = []
            for run in range(runs):
                if cold:
                    os.environ["ALMANAC_CACHE_DIR"] = f"{cache}/{run}"  # a new, empty cache every time
                start = time.perf_counter()
                knowledge = load_knowledge(KNOWLEDGE)
                timings.append((time.perf_counter() - start) * 1000)
            median, low, high = statistics.median(timings), min(timings), max(timings)
            print(f"{label}: {runs} runs: median {median:.1f} ms, min {low:.1f} ms, max {high:.1f} ms")
    print(f"load_knowledge: {knowledge.summary()}")


if __name__ == "__main__":
    main()
