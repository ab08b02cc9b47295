"""The command line: `ask` (text and JSON, one line per stdin line), and no Telegram import on that path."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.kb import KnowledgeBase
from tests.conftest import ROOT, nothing_words

TIMEOUT = 120  # seconds; a hung command fails the test instead of hanging the suite


def _command(
    args: tuple[str, ...], stdin: str | bytes | None, cwd: Path | None, env_values: dict[str, str | None]
) -> subprocess.CompletedProcess[Any]:
    """``python -m bot`` in a fresh working directory, so a developer's own .env (perhaps with a real token)
    is never read; ``env_values`` set (or, with None, remove) environment variables."""
    env: dict[str, str] = {**os.environ, "PYTHONPATH": str(ROOT), "KNOWLEDGE_DIR": str(ROOT / "knowledge")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    for name, value in env_values.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    with tempfile.TemporaryDirectory() as scratch:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin,
            capture_output=True,
            text=not isinstance(stdin, bytes),
            env=env,
            check=False,
            cwd=cwd or scratch,
            timeout=TIMEOUT,
        )


def run(
    *args: str, stdin: str | None = None, cwd: Path | None = None, **env_values: str | None
) -> subprocess.CompletedProcess[str]:
    return _command(args, stdin, cwd, env_values)


def run_bytes(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    """``run`` for input that is not valid text."""
    return _command(args, stdin, None, {})


def test_ask_json_answers_every_line_despite_invalid_bytes() -> None:
    """An invalid UTF-8 byte after Chinese text, an encoded lone surrogate, a line separator inside a
    question: each input line still gets exactly one JSON line, and the lines after them are answered."""
    stdin = "谷歌".encode() + b"\xff\n" + b"o3\n" + b"\xed\xa0\x80 gpt-5\r\n" + "o3\u2028o4-mini\n".encode() + b"o3"
    result = run_bytes("ask", "--json", stdin=stdin)
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == 5
    google, o3, gpt5, separated, last = map(json.loads, lines)
    assert google["lang"] == "zh" and "Gemini 2.5 Pro" in google["models"]
    assert o3["models"] == ["o3"] and gpt5["models"] == ["GPT-5"] and last["models"] == ["o3"]
    assert separated["models"] == ["o3", "o4-mini"]


def test_chat_without_token_reads_until_eof() -> None:
    result = run(stdin="o3 是什么\n")
    assert result.returncode == 0
    assert "o3 · OpenAI" in result.stdout


def test_engine_path_never_imports_telegram() -> None:
    code = "import sys, bot.__main__, bot.engine, bot.render.cards, bot.evaluation; print('telegram' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True, timeout=TIMEOUT
    )
    assert result.stdout.strip() == "False"


def test_eval_command_reports_per_intent() -> None:
    result = run("eval", "--questions", str(ROOT / "tests" / "eval" / "questions.yaml"))
    assert result.returncode == 0
    assert "precision" in result.stdout and "overall:" in result.stdout


def test_knowledge_dir_is_read_from_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"KNOWLEDGE_DIR={tmp_path / 'elsewhere'}\n", encoding="utf-8")
    result = run("ask", "o3", cwd=tmp_path, KNOWLEDGE_DIR=None)
    assert result.returncode == 1 and f"{tmp_path / 'elsewhere'}: knowledge directory not found" in result.stderr


def test_timeline_writes_pngs(tmp_path: Path, knowledge: KnowledgeBase) -> None:
    single = run("timeline", "谷歌", "--out", str(tmp_path / "google.png"))
    assert single.returncode == 0, single.stderr
    assert (tmp_path / "google.png").read_bytes().startswith(b"\x89PNG") and "1280×" in single.stdout
    nothing = run("timeline", *nothing_words(knowledge).split(), "--out", str(tmp_path / "none.png"))
    assert nothing.returncode == 1 and "没有找到" in nothing.stderr and not (tmp_path / "none.png").exists()
    unknown = run("timeline", "bananas")
    assert unknown.returncode == 2 and "bananas" in unknown.stderr


def test_timeline_numbers_the_files_of_several_pictures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KNOWLEDGE_DIR", str(ROOT / "knowledge"))
    assert main(["timeline", "开源", "--out", str(tmp_path / "open.png")]) == 0  # in-process: no second start-up
    printed = capsys.readouterr().out.splitlines()
    written = sorted(tmp_path.iterdir())
    expected = ["open.png"] if len(printed) == 1 else [f"open-{n}.png" for n in range(1, len(printed) + 1)]
    assert [path.name for path in written] == expected
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in written)
