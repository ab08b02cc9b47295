"""The engine on real questions: names, versions, typos, intents, filters; and the labelled set's score."""

from pathlib import Path

import pytest

from bot.engine import Engine, Intent
from bot.evaluation import evaluate, load_questions
from bot.kb import KnowledgeBase

QUESTIONS = Path(__file__).parent / "eval" / "questions.yaml"


@pytest.fixture(scope="module")
def engine(knowledge: KnowledgeBase) -> Engine:
    return Engine(knowledge)


def names(engine: Engine, question: str) -> list[str]:
    return [m.name for m in engine.answer(question).models]


def test_labelled_questions_score(engine: Engine) -> None:
    items = load_questions(QUESTIONS)
    assert len(items) >= 400
    report = evaluate(engine, items)
    assert report.accuracy >= 0.95, report.format()
    for intent in report.by_intent:
        assert report.intent_accuracy(intent) >= 0.90, report.format()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("o3 是什么", ["o3"]),
        ("o3-mini", ["o3-mini"]),
        ("o3 pro", ["o3-pro"]),
        ("Gemini 2.0 Pro", ["Gemini 2.0 Pro"]),
        ("Claude Opus 4", ["Claude Opus 4"]),
        ("claude opus 4.1", ["Claude Opus 4.1"]),
        ("GPT-5", ["GPT-5"]),
        ("gpt 5.1", ["GPT-5.1"]),
        ("DeepSeek V3.1", ["DeepSeek-V3.1"]),
        ("R1-0528", ["DeepSeek-R1-0528"]),
        ("gemma 3n", ["Gemma 3n"]),
    ],
)
def test_versions_are_hard_constraints(engine: Engine, question: str, expected: list[str]) -> None:
    assert names(engine, question) == expected


@pytest.mark.parametrize("question", ["GPT-5.3 是什么", "Gemini 2.7 Pro", "Claude Opus 4.9"])
def test_unknown_versions_never_answer_a_neighbour(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    assert answer.intent in (Intent.CLARIFY, Intent.OUT_OF_SCOPE)
    assert answer.models == ()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("gemnii 2.5 pro", "Gemini 2.5 Pro"),
        ("cluade 3.7", "Claude 3.7 Sonnet"),
        ("deepseak r1", "DeepSeek-R1"),
        ("lama 4 scout", "Llama 4 Scout"),
        ("ｇｐｔ－４．１", "GPT-4.1"),
        ("gpt4.1", "GPT-4.1"),
        ("o4 mini", "o4-mini"),
        ("Qwen 2.5-Max", "Qwen2.5-Max"),
        ("千问3", "Qwen3"),
        ("通義千問3 是什麼", "Qwen3"),
    ],
)
def test_spellings_and_typos_resolve(engine: Engine, question: str, expected: str) -> None:
    assert names(engine, question) == [expected]


def test_compare_finds_every_model_in_order(engine: Engine) -> None:
    answer = engine.answer("Qwen3 和 DeepSeek-R1 和 Kimi K2 对比")
    assert answer.intent == Intent.COMPARE
    assert [m.name for m in answer.models] == ["Qwen3", "DeepSeek-R1", "Kimi K2"]


def test_month_lists_name_the_milestone(engine: Engine) -> None:
    april = engine.answer("4月发布了什么")
    assert "Gemini 2.5 Pro" in [m.name for m in april.models]
    assert april.filters.steps_in_range(next(m for m in april.models if m.name == "Gemini 2.5 Pro")) == (
        (april.filters.start.replace(day=4), "paid preview"),  # type: ignore[union-attr]
    )
    february = engine.answer("2月发布了哪些模型")
    assert "Gemini 2.0 Flash" in [m.name for m in february.models]


def test_language_follows_the_question(engine: Engine) -> None:
    assert engine.answer("Gemini 2.5 Pro 是什么").lang == "zh"
    assert engine.answer("what is Gemini 2.5 Pro").lang == "en"


def test_price_is_a_field_question(engine: Engine) -> None:
    answer = engine.answer("GPT-5 多少钱")
    assert (answer.intent, answer.fact) == (Intent.FIELD, "price")


def test_vendor_aliases(engine: Engine) -> None:
    for alias in ("谷歌", "Google", "DeepMind"):
        assert {m.vendor for m in engine.answer(f"{alias}发布了哪些模型").models} == {"Google"}
    assert {m.vendor for m in engine.answer("马斯克的公司发了哪些模型").models} == {"xAI"}


def test_open_means_open_weights(engine: Engine, knowledge: KnowledgeBase) -> None:
    answer = engine.answer("哪些是开源模型")
    assert answer.intent == Intent.LIST
    assert len(answer.models) == knowledge.open_weights_count
    assert all(m.open_weights for m in answer.models)


def test_low_confidence_suggests_instead_of_guessing(engine: Engine) -> None:
    answer = engine.answer("claude opus")
    assert answer.intent == Intent.CLARIFY
    assert answer.models == ()
    assert {"Claude Opus 4", "Claude Opus 4.1", "Claude Opus 4.5"} == {m.name for m in answer.suggestions}


def test_out_of_scope(engine: Engine) -> None:
    assert engine.answer("今天北京天气怎么样").intent == Intent.OUT_OF_SCOPE
    legacy = engine.answer("Llama 3 是什么")
    assert (legacy.intent, legacy.unknown_name) == (Intent.OUT_OF_SCOPE, "Llama 3")
