"""Every kind of broken knowledge file is refused with a message naming file, line, entry and field."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.kb import KnowledgeLoadError, load_knowledge
from bot.kb.yamlfile import MAX_FILE_BYTES
from tests.conftest import ROOT

VALID = """\
- id: test-model
  name: Test Model
  aliases: [Testmodel Alpha]
  vendor: Google
  family: null
  released: 2025-05-01
  ga: null
  milestones: null
  type: llm
  reasoning: false
  open_weights: true
  license: Apache-2.0
  license_note_en: null
  license_note_zh: null
  commercial_use: "yes"
  params_total_b: 7
  params_active_b: null
  params_note_en: null
  params_note_zh: null
  architecture: null
  context_window: 32768
  max_output: null
  input_modalities: [text]
  output_modalities: [text]
  sizes: null
  access: [weights]
  capabilities: [coding]
  source: https://example.org/test-model
  source2: null
  confidence: high
  summary_zh: 测试用模型。
  summary_en: A model for tests.
  highlights_zh: [一, 二]
  highlights_en: [one, two]
"""

Writer = Callable[[str, str | bytes], Path]


def errors_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeLoadError) as caught:
        load_knowledge(directory)
    return [str(error) for error in caught.value.errors]


def test_the_template_itself_is_valid(knowledge_copy: Path, write_file: Writer) -> None:
    write_file("models/test.yaml", VALID)
    assert load_knowledge(knowledge_copy).by_id["test-model"].name == "Test Model"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            VALID.replace("  ga: null", "  ga: [unclosed"),
            "test.yaml:8: YAML syntax error: did not find expected ',' or ']' "
            "(while parsing a flow sequence that starts on line 7)",
            id="syntax",
        ),
        pytest.param(VALID.replace("  type: llm", "\ttype: llm"), "test.yaml:9: indented with a tab", id="tab"),
        pytest.param("", "test.yaml: file is empty", id="empty"),
        pytest.param("# only a comment\n\n", "test.yaml: file is empty", id="only-comments"),
        pytest.param(
            "name: Test\nvendor: Google\n", "test.yaml:1: expected a list of models, found a mapping", id="mapping"
        ),
        pytest.param(
            VALID.replace("  vendor: Google\n", ""),
            "test.yaml:1: entry 'Test Model': vendor: required field is missing",
            id="missing-field",
        ),
        pytest.param(
            VALID.replace("  type: llm", "  type: llm\n  price: 3"),
            "test.yaml:10: entry 'Test Model': price: unknown field",
            id="unknown-field",
        ),
        pytest.param(
            VALID.replace("context_window: 32768", 'context_window: "1M"'),
            "test.yaml:21: entry 'Test Model': context_window: Input should be a valid integer (got '1M')",
            id="wrong-type",
        ),
        pytest.param(
            VALID.replace("released: 2025-05-01", "released: 2025-02-30"),
            "test.yaml:6: entry 'Test Model': released: Input should be a valid date",
            id="impossible-date",
        ),
        pytest.param(
            VALID.replace("vendor: Google", "vendor: Googel"),
            "test.yaml:4: entry 'Test Model': vendor: unknown vendor 'Googel'",
            id="unknown-vendor",
        ),
        pytest.param(
            VALID.replace("released: 2025-05-01", "released: 2024-05-01"),
            "test.yaml:6: entry 'Test Model': released: no release, milestone or GA date in 2025",
            id="no-2025-date",
        ),
        pytest.param(
            VALID.replace("ga: null", "ga: 2025-04-01"),
            "test.yaml:7: entry 'Test Model': ga: ga 2025-04-01 is before released 2025-05-01",
            id="ga-before-release",
        ),
        pytest.param(
            VALID.replace("https://example.org", "http://example.org"),
            "test.yaml:28: entry 'Test Model': source: must be an https:// URL",
            id="plain-http",
        ),
        pytest.param(
            VALID.replace("type: llm", "type: chatbot"),
            "test.yaml:9: entry 'Test Model': type: Input should be 'llm'",
            id="type-enum",
        ),
        pytest.param(
            VALID.replace("[Testmodel Alpha]", "[Thinking]"),
            "test.yaml:3: entry 'Test Model': aliases.0: alias 'Thinking' is a common word",
            id="generic-alias",
        ),
        pytest.param(
            VALID.replace("  license: Apache-2.0", "  license: Apache-2.0\n  license: MIT"),
            "test.yaml:13: key 'license' appears twice",
            id="duplicate-key",
        ),
        pytest.param(
            "- !!python/object/apply:os.system [echo pwned]\n",
            "test.yaml:1: could not determine a constructor"
            " for the tag 'tag:yaml.org,2002:python/object/apply:os.system'",
            id="python-tag",
        ),
    ],
)
def test_broken_file_is_reported(knowledge_copy: Path, write_file: Writer, content: str, expected: str) -> None:
    write_file("models/test.yaml", content)
    errors = errors_of(knowledge_copy)
    assert any(expected in error for error in errors), errors


def test_python_tag_runs_nothing(knowledge_copy: Path, write_file: Writer, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    write_file("models/test.yaml", f"- !!python/object/apply:os.system ['touch {marker}']\n")
    errors = errors_of(knowledge_copy)
    assert any("only plain YAML data is allowed" in e for e in errors)
    assert not marker.exists()


def test_invalid_utf8(knowledge_copy: Path, write_file: Writer) -> None:
    write_file("models/test.yaml", VALID.encode().replace(b"A model for tests.", b"A model \xff\xfe for tests."))
    assert "test.yaml:32: not valid UTF-8 (byte 0xff)" in "\n".join(errors_of(knowledge_copy))


def test_oversized_file_is_refused_before_parsing(knowledge_copy: Path, write_file: Writer) -> None:
    write_file("models/test.yaml", "- [" + "x, " * (MAX_FILE_BYTES // 3) + "]\n")
    errors = errors_of(knowledge_copy)
    assert any("over the 5 MB limit; not read" in e for e in errors), errors


def test_duplicate_id_across_files(knowledge_copy: Path, write_file: Writer) -> None:
    write_file("models/test.yaml", VALID.replace("id: test-model", "id: gemini-2-5-pro"))
    errors = errors_of(knowledge_copy)
    assert any(
        "test.yaml:1: entry 'Test Model': id: 'gemini-2-5-pro' is already used by 'Gemini 2.5 Pro' (" in e
        and "google.yaml:" in e
        for e in errors
    ), errors


def test_alias_collision_after_folding(knowledge_copy: Path, write_file: Writer) -> None:
    write_file("models/test.yaml", VALID.replace("[Testmodel Alpha]", "[Testmodel Alpha, gpt 4.1]"))
    errors = errors_of(knowledge_copy)
    assert any("entry 'Test Model': aliases.1: 'gpt 4.1' also names 'GPT-4.1'" in e for e in errors), errors


def test_every_error_is_listed_not_just_the_first(knowledge_copy: Path, write_file: Writer) -> None:
    second = VALID.replace("test-model", "second").replace("Test Model", "Second").replace("Testmodel Alpha", "Zweite")
    write_file(
        "models/test.yaml", VALID.replace("type: llm", "type: 3") + second.replace("vendor: Google", "vendor: Nobody")
    )
    write_file("models/other.yaml", "")
    errors = errors_of(knowledge_copy)
    assert len(errors) >= 3
    assert any("other.yaml: file is empty" in e for e in errors)
    assert any("vendor: unknown vendor 'Nobody'" in e for e in errors)
    assert any("type: Input should be" in e for e in errors)


def _run_check(directory: Path, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "bot", "check", str(directory)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=directory.parent,
        timeout=120,
    )


def test_check_command_on_the_real_knowledge() -> None:
    result = _run_check(ROOT / "knowledge")
    assert result.returncode == 0, result.stderr
    knowledge = load_knowledge(ROOT / "knowledge")
    assert result.stdout.strip() == f"ok: {knowledge.summary()}"
    assert f"{len(knowledge.models)} models, {len(knowledge.vendors)} vendors" in result.stdout


def test_check_command_lists_errors_and_fails(knowledge_copy: Path, write_file: Writer) -> None:
    write_file("models/test.yaml", VALID.replace("context_window: 32768", 'context_window: "1M"'))
    result = _run_check(knowledge_copy)
    assert result.returncode == 1
    assert "test.yaml:21: entry 'Test Model': context_window: Input should be a valid integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_anchors_and_aliases_are_refused_before_expanding(knowledge_copy: Path, write_file: Writer) -> None:
    """A 400-byte alias bomb would expand to 10^8 items; it is refused at the first alias, with its line."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    write_file("models/bomb.yaml", "\n".join(levels) + "\n")
    assert "bomb.yaml:2: anchors and aliases (&name, *name, <<) are not allowed in knowledge files" in "\n".join(
        errors_of(knowledge_copy)
    )
    write_file(
        "models/bomb.yaml",
        VALID.replace("  aliases: [Testmodel Alpha]", "  aliases: &names [Testmodel Alpha]")
        + VALID.replace("test-model", "other").replace("  aliases: [Testmodel Alpha]", "  aliases: *names"),
    )
    assert any("anchors and aliases" in error for error in errors_of(knowledge_copy))


def alias_bomb(levels: int = 8, width: int = 10) -> str:
    """A few hundred bytes that stand for width**levels values once aliases are expanded."""
    lines = [f"- &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"- &a{n} [{', '.join([f'*a{n - 1}'] * width)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_before_expansion(knowledge_copy: Path, write_file: Writer) -> None:
    bomb = alias_bomb()
    assert len(bomb.encode()) < 600
    write_file("models/bomb.yaml", bomb)
    result = _run_check(knowledge_copy)  # bounded by the subprocess timeout; measured in benchmarks/
    assert result.returncode == 1
    assert "models/bomb.yaml:2: anchors and aliases (&name, *name, <<) are not allowed" in result.stderr
    assert "1 error in the knowledge base" in result.stderr


def test_ampersands_and_asterisks_in_text_are_fine(knowledge_copy: Path, write_file: Writer) -> None:
    write_file("models/test.yaml", VALID.replace("A model for tests.", "Q&A, R&D and *stars* for tests."))
    assert load_knowledge(knowledge_copy).by_id["test-model"].summary_en == "Q&A, R&D and *stars* for tests."


def test_a_broken_model_file_is_the_only_error(knowledge_copy: Path, write_file: Writer) -> None:
    """Its families are missing, but intents.yaml is not blamed for naming them."""
    write_file("models/openai.yaml", "- id: BROKEN\n  name: [unclosed\n")
    assert errors_of(knowledge_copy) == [
        "models/openai.yaml:3: YAML syntax error: did not find expected ',' or ']' "
        "(while parsing a flow sequence that starts on line 2)"
    ]


def test_root_causes_come_first(knowledge_copy: Path, write_file: Writer) -> None:
    write_file("models/test.yaml", VALID.replace("type: llm", "type: chatbot"))
    write_file("models/zz.yaml", "- [unclosed\n")
    errors = errors_of(knowledge_copy)
    assert errors[0].startswith("models/zz.yaml:2: YAML syntax error") and "type" in errors[1]


def test_missing_vendors_file_is_one_error(knowledge_copy: Path) -> None:
    (knowledge_copy / "vendors.yaml").unlink()
    assert errors_of(knowledge_copy) == ["vendors.yaml: cannot read file: No such file or directory"]


def _without_root_powers() -> list[str]:
    """A command prefix under which permission bits apply: as root, drop the capabilities that bypass them."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "running as root needs util-linux's setpriv to test permissions"
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.parametrize(
    ("unreadable", "expected"),
    [
        ("models", "models: permission denied: the folder cannot be listed"),
        ("vendors.yaml", "vendors.yaml: permission denied: the bot's user cannot read this file"),
    ],
)
def test_permission_errors_are_named(knowledge_copy: Path, unreadable: str, expected: str) -> None:
    target = knowledge_copy / unreadable
    target.chmod(0)
    try:
        result = _run_check(knowledge_copy, prefix=_without_root_powers())
    finally:
        target.chmod(0o755)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{knowledge_copy}/{expected}",
        "1 error in the knowledge base: nothing loaded",
    ]


def test_a_kept_parse_still_reports_errors_with_their_lines(knowledge_copy: Path, write_file: Writer) -> None:
    """The second load reads the file's parse from the cache; its errors still name the line."""
    write_file("models/test.yaml", VALID.replace("context_window: 32768", "context_window: 1M"))
    first, second = errors_of(knowledge_copy), errors_of(knowledge_copy)
    assert first == second and any("test.yaml:21: entry 'Test Model': context_window" in e for e in second)
    write_file("models/test.yaml", VALID)  # changed bytes are parsed again, never served from the cache
    assert load_knowledge(knowledge_copy).by_id["test-model"].context_window == 32768
