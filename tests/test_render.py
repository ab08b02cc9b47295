"""Rendering: escaped, well-formed HTML under Telegram's 4096-character limit, and plain text."""

import string
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Answer, Engine, Intent
from bot.kb import KnowledgeBase
from bot.render.cards import MAX_MESSAGE, PAGE_SIZE, _pack, page_count, render_html, render_text
from bot.render.i18n import COUNTRIES, MODALITIES, REASONING, STRINGS, TYPES

ALLOWED_TAGS = {"b", "i", "a", "pre"}


class _TagChecker(HTMLParser):
    """Fails on any tag Telegram's HTML mode would reject, and on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag


def assert_well_formed(message: str) -> None:
    checker = _TagChecker()
    checker.feed(message)
    checker.close()
    assert checker.stack == []
    assert len(message) <= MAX_MESSAGE


@pytest.fixture(scope="module")
def engine(knowledge: KnowledgeBase) -> Engine:
    return Engine(knowledge)


def test_card_has_every_part(engine: Engine) -> None:
    [message] = render_html(engine.answer("Gemini 2.5 Pro 是什么"))
    assert message.startswith("<b>Gemini 2.5 Pro</b> · 谷歌 Google")
    for part in ("2025-04-04 付费预览", "2025-06-17 正式版", "1,048,576", "65,536", "专有", "<i>", "• "):
        assert part in message, part
    assert '<a href="https://ai.google.dev/gemini-api/docs/changelog">来源</a>' in message
    assert_well_formed(message)


def test_user_text_is_escaped(engine: Engine) -> None:
    answer = engine.answer("<script>alert(1)</script> & GPT-3")
    for message in render_html(answer):
        assert "<script>" not in message
        assert_well_formed(message)


def test_long_lists_are_paged_and_split_between_blocks(engine: Engine) -> None:
    answer = engine.answer("哪些是开源模型")
    assert page_count(answer) == -(-len(answer.models) // PAGE_SIZE)
    first = render_html(answer, page=0)
    assert all(len(m) <= MAX_MESSAGE for m in first)
    assert f"第 1/{page_count(answer)} 页 · 共 {len(answer.models)} 个" in first[-1]
    last = render_html(answer, page=page_count(answer) - 1)
    assert answer.models[-1].name in "".join(last)
    assert "（“开源”指模型权重可下载" in first[0]


def test_plain_text_shows_everything(engine: Engine) -> None:
    answer = engine.answer("谷歌发布了几个模型")
    plain = render_text(answer)
    assert plain.startswith(f"共 {len(answer.models)} 个模型 (谷歌 Google)。") and answer.models
    assert all(m.name in plain for m in answer.models)
    assert "<b>" not in plain


def test_oversized_answer_splits_under_the_limit(engine: Engine, knowledge: KnowledgeBase) -> None:
    blocks = [render_html(Answer(Intent.CARD, "en", "x", models=(m,)))[0] for m in knowledge.models[:40]]
    big = "\n\n".join(blocks)
    assert len(big) > MAX_MESSAGE
    packed = _pack(blocks)
    assert len(packed) > 1
    assert all(len(m) <= MAX_MESSAGE for m in packed)
    assert "\n\n".join(packed) == big  # split only between cards, nothing lost
    for message in packed:
        assert_well_formed(message)


def test_comparisons_put_differences_first_and_never_truncate(engine: Engine) -> None:
    plain = render_text(engine.answer("Qwen3 和 DeepSeek-V3.1 哪个参数多"))
    verdict, differs = plain.split("\n\n")[:2]
    assert verdict == "DeepSeek-V3.1 参数更多（DeepSeek-V3.1 671B (激活 37B) 对 Qwen3 235B (激活 22B)）"
    assert differs.startswith("不同之处") and "相同：" in plain and "旗舰" in plain  # highlights side by side
    differ = render_text(engine.answer("o3 和 o3-pro 有什么区别"))
    assert "不同之处\n• 发布: o3 2025-04-16；o3-pro 2025-06-10" in differ
    assert all(h in differ for h in engine.knowledge.by_key["o3pro"].highlights_zh)


def test_a_fact_question_is_answered_in_its_first_line(engine: Engine) -> None:
    first = render_text(engine.answer("sonnet 4 最大输出长度")).split("\n")[0]
    assert first == "Claude Sonnet 4 最多输出 64,000 token（上下文 200,000 token）。"
    assert render_text(engine.answer("Command A 可以商用吗")).startswith("不可以商用：Command A 的权重以 CC-BY-NC-4.0")
    assert render_text(engine.answer("Who released MAI-Voice-1")).startswith("MAI-Voice-1 is made by Microsoft (US).")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.text(max_size=200),
        st.text(
            alphabet=st.sampled_from(list("<>&\"'*_`[]()~#|\\\u200f\u202e\u0000\n\t😀模型ｇｐｔ4.1 ")), max_size=100
        ),
        st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=5), st.integers(1000, 2000)),
    )
)
def test_engine_never_raises_and_html_is_safe(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    assert isinstance(answer, Answer)
    for message in render_html(answer):
        assert_well_formed(message)
    assert isinstance(render_text(answer), str)


def test_every_string_exists_in_both_languages_with_the_same_placeholders() -> None:
    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    for key, versions in STRINGS.items():
        assert set(versions) == {"zh", "en"}, key
        assert fields(versions["zh"]) == fields(versions["en"]) - {"s"}, key  # {s}: English plural only
    for table in (TYPES, MODALITIES, REASONING, COUNTRIES):
        assert all(set(versions) == {"zh", "en"} for versions in table.values())


def test_a_line_longer_than_a_message_is_cut_between_tags(engine: Engine) -> None:
    """A 2000-character summary escapes to more than 4096 characters on one line: every piece stays valid HTML."""
    model = engine.knowledge.models[0]
    long = model.model_copy(update={"summary_en": "<&> " * 500 + "end"})
    answer = replace(engine.answer(model.name), lang="en", models=(long,))
    messages = render_html(answer)
    assert len(messages) >= 2 and all(len(m) <= MAX_MESSAGE for m in messages)
    for message in messages:
        assert_well_formed(message)
    assert "end</i>" in "".join(messages) and sum(m.count("&lt;&amp;&gt;") for m in messages) == 500
