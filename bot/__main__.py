"""Command line: ``python -m bot [check|schema|...]``. See ``python -m bot --help``."""

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from bot.kb import KnowledgeLoadError, load_knowledge
from bot.kb.schema import Lexicon, Model, Vendor

DEFAULT_KNOWLEDGE_DIR = "knowledge"
SCHEMAS: dict[str, type[BaseModel]] = {"models": Model, "vendors": Vendor, "intents": Lexicon}


def _knowledge_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        print("The chat and the Telegram bot arrive with the next issues; checking the knowledge base for now.")
        return cmd_check(argparse.Namespace(directory=None))
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
