"""Hostile input: the worst answer time over crafted questions (CPU time of the answering thread), and
`check` on a YAML alias bomb (targets: every question ≤ 20 ms; `check` on the bomb < 1 s).

Crafted questions are the ones found by probing (NFKC expansion, many word boundaries, many names, many
typos) plus random 500-character mixes of name words, Chinese, separators and expanding characters.

Run: python -m benchmarks.hostile_input [--random 300] [--rounds 5]
"""

import argparse
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.engine import Engine
from bot.kb import load_knowledge

ROOT = Path(__file__).resolve().parent.parent
CRAFTED = {
    '"gemnii " + "㍿"×493': "gemnii " + "㍿" * 493,
    '"㍿"×500': "㍿" * 500,
    '"ﷺ"×500': "ﷺ" * 500,
    '"谷歌"×250': "谷歌" * 250,
    '"o3 "×166': "o3 " * 166,
    '"gemnii "×71': "gemnii " * 71,
    "100 misspelt names": " ".join(["cluade", "deepseak", "lama", "qwne", "gemnii"] * 20),
    '"-a"×250': "-a" * 250,
    '"1."×250': "1." * 250,
    '"gpt-4.1 vs 谷歌 "×35': "gpt-4.1 vs 谷歌 " * 35,
    '"通义千问qwen3"×50': "通义千问qwen3" * 50,
}
PIECES = ["gpt", "gemini", "2.5", "pro", "o3", "-", ".", " ", "谷歌", "模型", "㍿", "ﷺ", "cluade", "qwen3", "和", "vs", "1"]  # fmt: skip


def alias_bomb(levels: int = 8, width: int = 10) -> str:
    lines = [f"- &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"- &a{n} [{', '.join([f'*a{n - 1}'] * width)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def cost(engine: Engine, question: str, rounds: int) -> tuple[float, float]:
    """Median and fastest of ``rounds`` answers, in ms of this thread's CPU time: on a shared machine the
    wall clock also counts the time other processes held the CPU, which says nothing about the input."""
    engine.answer(question)  # warm-up
    timings = []
    for _ in range(rounds):
        start = time.thread_time_ns()
        engine.answer(question)
        timings.append((time.thread_time_ns() - start) / 1e6)
    return statistics.median(timings), min(timings)


def check_seconds(directory: Path, runs: int) -> tuple[float, float, int, str]:
    """Median wall time and CPU time (user + system) of ``python -m bot check``, its exit code and first line."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "bot", "check", str(directory)], capture_output=True, text=True, timeout=120
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    assert result is not None
    first = (result.stderr or result.stdout).splitlines()[0]
    return statistics.median(walls), statistics.median(cpus), result.returncode, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--random", type=int, default=300, help="random 500-character questions")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    engine = Engine(load_knowledge(ROOT / "knowledge"))

    print(f"{'question':28} {'median ms':>10} {'min ms':>8}")
    for label, question in CRAFTED.items():
        median, fastest = cost(engine, question, args.rounds)
        print(f"{label:28} {median:10.2f} {fastest:8.2f}")
    rng = random.Random(9)
    mixes = [cost(engine, "".join(rng.choice(PIECES) for _ in range(300))[:500], 3) for _ in range(args.random)]
    print(f"{f'{args.random} random mixes':28} {statistics.median(m for m, _ in mixes):10.2f} "
          f"{statistics.median(f for _, f in mixes):8.2f}")  # fmt: skip
    print(f"slowest random mix: median {max(m for m, _ in mixes):.2f} ms, min {max(f for _, f in mixes):.2f} ms")

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "knowledge"
        shutil.copytree(ROOT / "knowledge", copy)
        real_wall, real_cpu, _, _ = check_seconds(copy, 3)
        (copy / "models" / "bomb.yaml").write_text(alias_bomb(), encoding="utf-8")
        bomb_wall, bomb_cpu, code, first = check_seconds(copy, 3)
    print(f"check, real knowledge: median {real_wall:.2f} s ({real_cpu:.2f} s CPU); with a "
          f"{len(alias_bomb().encode())}-byte alias bomb: median {bomb_wall:.2f} s ({bomb_cpu:.2f} s CPU), "
          f"exit {code}: {first.split('/')[-1]}")  # fmt: skip


if __name__ == "__main__":
    main()
