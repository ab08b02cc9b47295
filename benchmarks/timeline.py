"""Time to draw timeline pictures (target: at most 300 ms per picture at 300 models), on the real knowledge
(331 models when this was written) and on a generated one twice that size: the real models plus copies with
realistic names moved in time, six new vendors, and many '3d' and 'world-model' models (lanes come from
the data). The first drawing of each request (label widths not yet measured) is reported apart, and so is the CPU
time (wall time on a shared 2-core machine also counts the time other processes held the cores).

Run: python -m benchmarks.timeline [--models 600] [--rounds 5] [--out DIR]
"""

import argparse
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from bot.engine import Engine
from bot.kb import KnowledgeBase, load_knowledge
from bot.kb.schema import YEAR, Model
from bot.render.timeline import drawing, plan, render_timeline

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["Nova", "Aurora", "Zephyr", "Quill", "Ember", "Lumen", "Orbit", "Prism", "Sable", "Tundra", "Vertex"]
EDITIONS = ["Pro", "Flash", "Mini", "Max", "Turbo", "Vision Preview", "Instruct", "Thinking"]
NEW_TYPES = ["3d", "world-model"]
REQUESTS = {
    "all of 2025": "",
    "开源": "开源",
    "谷歌": "谷歌",
    "视频": "视频",
    "Q1": "Q1",
    "English": "open weights models from google and meta",
}


def synthetic(real: KnowledgeBase, size: int) -> KnowledgeBase:
    """``size`` models: the real ones, then copies of them renamed, moved in time, some under new vendors
    and some of the newest types."""
    template = real.vendors[0]
    new = [template.model_copy(update={"name": f"{w} Labs", "name_zh": f"{w}实验室", "aliases": ()}) for w in WORDS[:6]]
    vendors = [*real.vendors, *new]
    models: list[Model] = list(real.models)
    first, last = date(YEAR, 1, 1), date(YEAR, 12, 31)
    for i in range(size - len(models)):
        base = real.models[(i * 7) % len(real.models)]
        day = min(max(base.released + timedelta(days=(i * 37) % 60 - 30), first), last)
        update: dict[str, object] = {
            "id": f"synthetic-{i}",
            "name": f"{WORDS[i % len(WORDS)]} {i % 5 + 1}.{i % 3} {EDITIONS[i % len(EDITIONS)]}",
            "aliases": (),
            "released": day,
            "ga": None,
            "milestones": None,
            "family": None,
        }
        if i % 4 == 0:
            update["vendor"] = vendors[len(real.vendors) + i % 6].name
        if i % 9 == 0:
            update["type"] = NEW_TYPES[i % 2]
        # validated anew: model_copy would keep the template's cached dates
        models.append(Model.model_validate({**base.model_dump(), **update}))
    return KnowledgeBase.build(models, vendors, real.lexicon, real.capabilities)


def measure(engine: Engine, words: str, rounds: int, out: Path | None, label: str) -> str:
    request = engine.read_filters(words)
    answer = engine.listing(request.filters, request.lang)
    start = time.perf_counter()
    pictures = render_timeline(answer)  # the first drawing also measures every label once
    first = (time.perf_counter() - start) * 1000 / len(pictures)
    per_picture, cpu_per_picture = [], []
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        render_timeline(answer)
        per_picture.append((time.perf_counter() - start) * 1000 / len(pictures))
        cpu_per_picture.append((time.process_time() - cpu) * 1000 / len(pictures))
    with drawing():
        kinds = "summary" if any(page.summary for page in plan(answer)) else "labelled"
    sizes = ", ".join(f"{p.width}×{p.height} {len(p.png) / 1024:.0f} KB" for p in pictures)
    if out is not None:
        for n, picture in enumerate(pictures, 1):
            (out / f"{label.replace(' ', '-')}-{n}.png").write_bytes(picture.png)
    return (
        f"{label:>12}: {len(answer.models):>3} models → {len(pictures)} {kinds} picture(s) [{sizes}]; "
        f"median {statistics.median(per_picture):.0f} ms per picture (max {max(per_picture):.0f}, first {first:.0f}; "
        f"CPU {statistics.median(cpu_per_picture):.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, help="also write the pictures into this folder")
    args = parser.parse_args()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    real = load_knowledge(ROOT / "knowledge")
    for name, knowledge in (("real", real), (f"synthetic {args.models}", synthetic(real, args.models))):
        print(f"{name} knowledge, {len(knowledge.models)} models:")
        engine = Engine(knowledge)
        for label, words in REQUESTS.items():
            out = args.out / name.split()[0] if args.out else None
            if out is not None:
                out.mkdir(exist_ok=True)
            print(measure(engine, words, args.rounds, out, label))


if __name__ == "__main__":
    main()
