"""Conversations: follow-up questions read with the previous answer, a store that forgets, and the CLI contract."""

import json

import pytest

from bot.engine import Engine, Intent
from bot.engine.conversation import MemoryConversations
from bot.kb import KnowledgeBase
from tests.test_cli import run


@pytest.fixture(scope="module")
def engine(knowledge: KnowledgeBase) -> Engine:
    return Engine(knowledge)


def chat(engine: Engine, *questions: str) -> list[tuple[str, list[str], str | None]]:
    previous = None
    said = []
    for question in questions:
        previous = engine.answer(question, previous)
        said.append((previous.intent.value, [m.name for m in previous.models], previous.fact))
    return said


def test_pronouns_and_ellipsis_lean_on_the_last_answer(engine: Engine) -> None:
    assert chat(engine, "Gemini 2.5 Pro 上下文多长", "那 Flash 呢", "它开源吗", "和 o3 比呢") == [
        ("field", ["Gemini 2.5 Pro"], "context_window"),
        ("field", ["Gemini 2.5 Flash"], "context_window"),
        ("field", ["Gemini 2.5 Flash"], "open_weights"),
        ("compare", ["Gemini 2.5 Flash", "o3"], None),
    ]
    assert chat(engine, "what is Qwen3-Max", "and its context?")[1] == ("field", ["Qwen3-Max"], "context_window")


def test_lists_are_narrowed_and_a_self_contained_question_starts_afresh(engine: Engine) -> None:
    (_, google, _), (_, open_google, _), (intent, counted, _), (_, fresh, _) = chat(
        engine, "谷歌发布了哪些模型", "开源的呢", "一共几个", "哪些是视频模型"
    )
    by_name = {m.name: m for m in engine.knowledge.models}
    assert open_google and set(open_google) < set(google)
    assert all(by_name[name].open_weights for name in open_google)
    assert (intent, counted) == ("count", open_google)
    assert {by_name[name].type for name in fresh} == {"video"}


def test_which_is_newer_compares_the_last_two_models(engine: Engine) -> None:
    *_, (intent, models, _) = chat(engine, "Sora 2 是什么", "那 Veo 3.1 呢", "哪个新")
    assert (intent, models) == ("compare", ["Sora 2", "Veo 3.1"])
    assert engine.answer("哪个新").intent == Intent.OUT_OF_SCOPE  # without a conversation it means nothing


def test_the_store_forgets_after_ten_minutes_and_beyond_its_capacity(engine: Engine) -> None:
    now = [0.0]
    store = MemoryConversations(ttl=600, capacity=2, clock=lambda: now[0])
    answer = engine.answer("o3")
    store.put(("chat", 1), answer)
    now[0] = 599
    assert store.get(("chat", 1)) is answer
    now[0] = 1200
    assert store.get(("chat", 1)) is None
    for user in range(3):
        store.put(("chat", user), answer)
    assert len(store) == 2 and store.get(("chat", 0)) is None and store.get(("chat", 2)) is answer


def test_ask_conversation_prints_one_line_per_question_and_dashes_start_afresh() -> None:
    result = run("ask", "--json", "--conversation", stdin="Gemini 2.5 Pro 是什么\n它开源吗\n---\n它开源吗\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["intent"] for line in lines[:2]] == ["card", "field"] and len(lines) == 3
    assert lines[1]["models"] == ["Gemini 2.5 Pro"] and "Gemini 2.5 Pro" not in lines[2]["text"]
