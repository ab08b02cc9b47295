"""Command line: ``python -m bot [check|schema|...]``. See ``python -m bot --help``."""

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from bot.kb import KnowledgeLoadError, load_knowledge
from bot.kb.schema import Capability, Lexicon, Model, Vendor

if TYPE_CHECKING:
    from bot.engine import Answer, Engine

DEFAULT_KNOWLEDGE_DIR = "knowledge"
EVAL = Path(__file__).resolve().parent.parent / "tests" / "eval"
SCHEMAS: dict[str, type[BaseModel]] = {
    "models": Model,
    "vendors": Vendor,
    "intents": Lexicon,
    "capabilities": Capability,
}


def _knowledge_dir(arg: str | None) -> Path:
    """The directory given on the command line, else ``KNOWLEDGE_DIR`` from the environment or ``.env``."""
    if arg:
        return Path(arg)
    from bot.config import load_settings  # a malformed setting is one line and exit code 2, as for the bot

    return load_settings().knowledge_dir


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the knowledge directory: one summary line, or every error and exit code 1."""
    try:
        knowledge = load_knowledge(_knowledge_dir(args.directory))
    except KnowledgeLoadError as exc:
        print(exc.report(), file=sys.stderr)
        print(f"{exc}: nothing loaded", file=sys.stderr)
        return 1
    print(f"ok: {knowledge.summary()}")
    return 0


def json_schema(kind: str) -> dict:
    """The JSON Schema of one kind of knowledge file (a YAML list of entries, or the intents mapping)."""
    schema = SCHEMAS[kind].model_json_schema()
    if kind == "intents":
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    items = {"$ref": f"#/$defs/{SCHEMAS[kind].__name__}"}
    defs = {**schema.pop("$defs", {}), SCHEMAS[kind].__name__: schema}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Model Almanac {kind} file",
        "type": "array",
        "items": items,
        "$defs": defs,
    }


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(args.kind), ensure_ascii=False, indent=2))
    return 0


def _engine(args: argparse.Namespace) -> "Engine | None":
    from bot.engine import Engine

    try:
        return Engine(load_knowledge(_knowledge_dir(getattr(args, "knowledge", None))))
    except KnowledgeLoadError as exc:
        print(exc.report(limit=20), file=sys.stderr)
        print(f"{exc}: cannot answer questions (run `python -m bot check`)", file=sys.stderr)
        return None


# characters that str.splitlines() and some readers take as line ends but JSON leaves unescaped
_JSON_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _as_json(answer: "Answer") -> str:
    """One line of JSON, whatever the answer's text contains."""
    from bot.render.cards import render_text

    return json.dumps(
        {
            "intent": answer.intent.value,
            "models": [m.name for m in answer.models],
            "suggestions": [m.name for m in answer.suggestions],
            "lang": answer.lang,
            "text": render_text(answer),
        },
        ensure_ascii=False,
    ).translate(_JSON_LINE_BREAKS)


def _stdin_lines() -> Iterator[str]:
    """Lines of stdin split on ``\\n`` only, undecodable bytes replaced by U+FFFD (never an exception)."""
    for raw in sys.stdin.buffer:
        yield raw.decode("utf-8", "replace").removesuffix("\n").removesuffix("\r")


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or every line of stdin (one output line per input line, flushed each time)."""
    from bot.render.cards import render_text

    engine = _engine(args)
    if engine is None:
        return 1

    previous: Answer | None = None

    def show(question: str) -> None:
        nonlocal previous
        answer = engine.answer(question, previous if args.conversation else None)
        previous = answer
        print(_as_json(answer) if args.json else render_text(answer), flush=True)

    if args.question:
        show(" ".join(args.question))
        return 0
    for question in _stdin_lines():
        if args.conversation and question.strip() == "---":  # a new conversation starts; nothing is printed
            previous = None
            continue
        show(question)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """An interactive terminal chat with line editing and history; Ctrl-D exits."""
    from bot.render.cards import render_text

    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # noqa: F401  (importing it gives input() line editing and history)
    engine = _engine(args)
    if engine is None:
        return 1
    from bot.engine.conversation import MemoryConversations

    conversation = MemoryConversations()  # the terminal session is one conversation
    print("AI 模型年鉴 · Model Almanac — 问我 2025 年的 AI 模型 / ask about 2025 AI models (Ctrl-D 退出/exit)")
    if args.command is None:
        print("(No TELEGRAM_BOT_TOKEN set, so this is the terminal chat; set it in .env to run the Telegram bot.)")
    while True:
        try:
            question = input("› ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question.strip():
            previous = conversation.get("terminal")
            answer = engine.answer(question, previous)
            conversation.put("terminal", answer)
            print(render_text(answer), end="\n\n", flush=True)


def cmd_eval(args: argparse.Namespace) -> int:
    """Score the engine on the labelled questions: per-intent precision/recall and every miss."""
    from bot.evaluation import evaluate, load_questions

    engine = _engine(args)
    if engine is None:
        return 1
    report = evaluate(engine, [item for path in args.questions for item in load_questions(Path(path))])
    print(report.format())
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    """Draw the timeline of the filter words into PNG files (FILE.png, or FILE-1.png … when it takes several)."""
    from bot.render.cards import render_text
    from bot.render.timeline import render_timeline

    engine = _engine(args)
    if engine is None:
        return 1
    request = engine.read_filters(" ".join(args.words))
    if request.not_understood:
        print(
            f"not filter words: {', '.join(request.unknown)} (try 开源, 谷歌, 视频, Q1, 1-4月, google)", file=sys.stderr
        )
        return 2
    answer = engine.listing(request.filters, request.lang)
    pictures = render_timeline(answer)
    if not pictures:
        print(render_text(answer), file=sys.stderr)
        return 1
    out = Path(args.out)
    for n, picture in enumerate(pictures, 1):
        path = out if len(pictures) == 1 else out.with_name(f"{out.stem}-{n}{out.suffix}")
        path.write_bytes(picture.png)
        print(
            f"{path}: {picture.width}×{picture.height} px, {len(picture.png) / 1024:.0f} KB · {picture.caption.replace(chr(10), ' · ')}"
        )
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """The insights /stats shows, from the database in DATABASE_URL: one line and exit code 2 if it fails."""
    import asyncio

    from bot.config import load_settings
    from bot.insights import Insights
    from bot.storage import Database, StorageStartError, StorageUnavailable

    async def report() -> str:
        database = await Database.open(load_settings().database_url.get_secret_value())
        try:
            return (await Insights(database).report(args.days)).format(args.lang)
        finally:
            await database.close()

    try:
        print(asyncio.run(report()))
    except (StorageStartError, StorageUnavailable) as error:
        print(error if isinstance(error, StorageStartError) else f"storage error: {error}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Model Almanac (AI 模型年鉴): answers questions about the AI models of 2025.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = commands.add_parser("check", help="validate the knowledge base and print a summary")
    check.add_argument("directory", nargs="?", help="knowledge directory (default: $KNOWLEDGE_DIR or knowledge/)")
    check.set_defaults(run=cmd_check)
    schema = commands.add_parser("schema", help="print the JSON Schema of a knowledge file")
    schema.add_argument("kind", nargs="?", choices=sorted(SCHEMAS), default="models")
    schema.set_defaults(run=cmd_schema)
    chat = commands.add_parser("chat", help="chat with the bot in the terminal")
    chat.set_defaults(run=cmd_chat)
    ask = commands.add_parser("ask", help="answer a question (or each line of stdin) and print the answer")
    ask.add_argument("question", nargs="*", help="the question; without it, questions are read from stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer")
    ask.add_argument(
        "--conversation",
        action="store_true",
        help="stdin lines are one conversation (follow-ups see the previous answer); a line --- starts a new one",
    )
    ask.set_defaults(run=cmd_ask)
    timeline = commands.add_parser("timeline", help="draw the 2025 timeline of the filter words as PNG")
    timeline.add_argument("words", nargs="*", help="filter words, as for lists: 开源 谷歌 视频 Q1 1-4月 google …")
    timeline.add_argument("--out", default="timeline.png", help="the PNG file (FILE-1.png, FILE-2.png … if several)")
    timeline.set_defaults(run=cmd_timeline)
    evaluate = commands.add_parser("eval", help="score the engine on the labelled question set")
    evaluate.add_argument(
        "--questions",
        nargs="+",
        default=[str(EVAL / "questions.yaml"), str(EVAL / "dialogues.yaml")],
        help="labelled question files (default: the labelled set; tests/eval/heldout.yaml is the held-out set)",
    )
    evaluate.set_defaults(run=cmd_eval)
    stats = commands.add_parser("stats", help="the insights /stats shows (questions per intent, unknown names)")
    stats.add_argument("--days", type=int, default=7, help="how many days back, today included (default 7)")
    stats.add_argument("--lang", choices=("zh", "en"), default="en")
    stats.set_defaults(run=cmd_stats)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdin, sys.stdout, sys.stderr):  # undecodable input must not end the program
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    if args.command is None:
        from bot.config import load_settings  # one line naming a bad setting, then exit code 2

        settings = load_settings()
        if settings.telegram_bot_token is not None:
            from bot.tg import run_bot  # imported only here: the engine and the terminal never load telegram

            return run_bot(settings)
        return cmd_chat(args)
    return args.run(args)


def _entry() -> int:
    try:
        return main()
    except BrokenPipeError:  # output piped into `head` and closed early: not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(_entry())
