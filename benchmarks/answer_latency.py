"""Latency of answering in-process over the labelled questions, on the real knowledge base and on a
synthetic one of 10,000 models (targets: real median ≤ 0.3 ms and p99 ≤ 2 ms; synthetic p99 ≤ 10 ms).

Run: python -m benchmarks.answer_latency [--models 10000] [--rounds 3]
"""

import argparse
import statistics
import time
from pathlib import Path

from bot.engine import Engine
from bot.evaluation import load_questions
from bot.kb import KnowledgeBase, load_knowledge
from bot.kb.schema import Model

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["nova", "aurora", "zephyr", "quill", "ember", "lumen", "orbit", "prism", "sable", "tundra", "vertex", "willow"]


def synthetic(real: KnowledgeBase, size: int) -> KnowledgeBase:
    """``size`` models: the real ones plus generated ones with realistic names, aliases and versions."""
    models: list[Model] = list(real.models)
    template = real.models
    for i in range(size - len(models)):
        base = template[i % len(template)]
        word = f"{WORDS[i % len(WORDS)]}{i // len(WORDS)}"
        name = f"{word.title()} {i % 9 + 1}.{i % 7} {('Pro', 'Flash', 'Mini', 'Max')[i % 4]}"
        models.append(
            base.model_copy(
                update={"id": f"synthetic-{i}", "name": name, "aliases": (f"{word}-{i % 9 + 1}.{i % 7}", f"合成{word}")}
            )
        )
    return KnowledgeBase.build(models, real.vendors, real.lexicon, real.capabilities)


def measure(engine: Engine, conversations: list[list[str]], rounds: int) -> tuple[float, float]:
    """Every question answered with its conversation's previous answer as context, as the bot does."""

    def run(timings: list[float] | None) -> None:
        for conversation in conversations:
            previous = None
            for question in conversation:
                start = time.perf_counter_ns()
                previous = engine.answer(question, previous)
                if timings is not None:
                    timings.append((time.perf_counter_ns() - start) / 1e6)

    run(None)  # warm-up
    timings: list[float] = []
    for _ in range(rounds):
        run(timings)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    conversations = [
        [item.question for item in conversation]
        for name in ("questions.yaml", "dialogues.yaml")
        for conversation in load_questions(ROOT / "tests" / "eval" / name)
    ]
    count = sum(map(len, conversations))
    real = load_knowledge(ROOT / "knowledge")
    for label, knowledge in (("real", real), (f"synthetic {args.models}", synthetic(real, args.models))):
        start = time.perf_counter()
        engine = Engine(knowledge)
        built = (time.perf_counter() - start) * 1000
        median, p99 = measure(engine, conversations, args.rounds)
        print(
            f"{label:>16}: {len(knowledge.models):>6} models, {count} questions ({len(conversations)} conversations)"
            f" x {args.rounds}: median {median:.3f} ms, p99 {p99:.3f} ms (engine built in {built:.0f} ms)"
        )


if __name__ == "__main__":
    main()
