"""Whatever bytes end up in a knowledge file, the loader answers with its own error type, never a crash."""

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.kb import KnowledgeBase, KnowledgeLoadError, load_knowledge
from tests.conftest import KNOWLEDGE
from tests.test_knowledge_broken import VALID

YAML_PIECES = [
    "- ", "  ", "\n", ": ", "[", "]", "{", "}", ", ", "!!python/object:os.system", "!!binary", "!!timestamp ",
    "!!int", "!!set", "&a ", "*a", "? ", "|", ">", "'", '"', "#", "---", "...", "%YAML 1.1", "name", "id", "vendor",
    "Google", "2025-02-30", "2025-13-01", "1M", "null", "~", "true", "no", "1e999", "0x1F", "\t", "\ufeff", "\x00",
    "\x85", "\u2028", "é", "模型", "😀",
]  # fmt: skip


def _load(content: bytes) -> KnowledgeBase | KnowledgeLoadError:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "models").mkdir()
        shutil.copy(KNOWLEDGE / "vendors.yaml", root / "vendors.yaml")
        (root / "models" / "fuzz.yaml").write_bytes(content)
        try:
            return load_knowledge(root)
        except KnowledgeLoadError as exc:
            assert exc.errors, "an error without any error message"
            return exc


fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz
@given(st.text(max_size=400))
def test_arbitrary_text(text: str) -> None:
    _load(text.encode("utf-8", "surrogatepass"))


@fuzz
@given(st.lists(st.sampled_from(YAML_PIECES), max_size=60))
def test_yaml_shaped_noise(pieces: list[str]) -> None:
    _load("".join(pieces).encode("utf-8"))


@fuzz
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    _load(data)


@fuzz
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.text(min_size=1, max_size=5))
def test_valid_entry_with_a_splice(position: int, insert: str) -> None:
    result = _load((VALID[:position] + insert + VALID[position:]).encode("utf-8", "surrogatepass"))
    if isinstance(result, KnowledgeBase):
        assert len(result.models) == 1
