"""The Telegram layer through the real Application: real Updates in, recorded Bot API calls out.

Nothing here touches the network: ``RecordingRequest`` answers every Bot API call locally.
"""

import html
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.error import Forbidden, NetworkError
from telegram.ext import Application

from bot.config import Settings, load_settings
from bot.engine import Engine, Intent
from bot.kb import KnowledgeBase
from bot.kb.names import fold_name
from bot.render.cards import MAX_MESSAGE, PAGE_SIZE, render_html
from bot.render.i18n import STRINGS
from bot.store import KnowledgeStore
from bot.tg.app import build_application
from bot.tg.keyboards import MAX_DATA, card_keyboard, keyboard_for, page_data, resolve
from bot.tg.logs import REDACTED, RedactSecrets, install_secret_filter
from bot.tg.retrying_request import RetryingRequest
from tests.conftest import KNOWLEDGE
from tests.tg_fakes import (
    BOT_ID,
    BOT_USERNAME,
    TOKEN,
    RecordingRequest,
    UpdateFactory,
    not_connected,
    timed_out_after_sending,
)

ADMIN = 7
GROUP = -1001234567890

# -- fixtures and helpers ---------------------------------------------------------------------------------


@dataclass
class Bot:
    app: Application
    api: RecordingRequest
    make: UpdateFactory
    store: KnowledgeStore

    async def send(self, payload: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(payload, self.app.bot))

    async def say(self, text: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Send a message; return the sendMessage calls it caused."""
        before = len(self.api.sent())
        await self.send(self.make.message(text, **kwargs))
        return self.api.sent()[before:]

    async def press(self, data: str, message: dict[str, Any] | None = None, **kwargs: Any) -> None:
        await self.send(self.make.callback(data, message=message, **kwargs))


@pytest.fixture(scope="session")
def engine(knowledge: KnowledgeBase) -> Engine:
    return Engine(knowledge)


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"telegram_bot_token": TOKEN, "admin_ids": frozenset({ADMIN})} | overrides
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def pages(models: int) -> int:
    """How many pages a list of ``models`` takes (counts of real data are never pinned)."""
    return -(-models // PAGE_SIZE)


async def started(store: KnowledgeStore) -> Bot:
    api = RecordingRequest()
    app = build_application(make_settings(), store, request=api, get_updates_request=RecordingRequest())
    await app.initialize()
    api.clear()
    return Bot(app, api, UpdateFactory(), store)


@pytest.fixture
async def bot(engine: Engine) -> AsyncIterator[Bot]:
    running = await started(KnowledgeStore(KNOWLEDGE, engine))
    yield running
    await running.app.shutdown()


class _TelegramHTML(HTMLParser):
    """Checks that text uses only the tags Telegram accepts, properly nested."""

    ALLOWED = frozenset({"b", "i", "u", "s", "a", "code", "pre", "blockquote", "tg-spoiler"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.ALLOWED, f"tag <{tag}> is not Telegram HTML"
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"unbalanced </{tag}>"


def assert_telegram_html(text: str) -> None:
    assert 0 < len(text) <= MAX_MESSAGE
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    assert not parser.open, f"unclosed tags {parser.open}"


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def buttons(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in (params.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def data_of(params: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for b in buttons(params) if "callback_data" in b]


def only_answered_callback(api: RecordingRequest) -> dict[str, Any]:
    """A rejected button: exactly one answerCallbackQuery with a notice, and nothing else."""
    assert [c.method for c in api.calls] == ["answerCallbackQuery"]
    return api.of("answerCallbackQuery")[0]


# -- commands ---------------------------------------------------------------------------------------------


async def test_start_greets_in_the_users_language(bot: Bot) -> None:
    (english,) = await bot.say("/start")
    (chinese,) = await bot.say("/start", language_code="zh-hans")
    assert "Model Almanac" in english["text"] and "/latest" in english["text"]
    assert "Gemini 2.5 Pro" in english["text"]  # example questions
    assert "模型年鉴" in chinese["text"] and "直接发问题" in chinese["text"]
    for sent in (english, chinese):
        assert sent["parse_mode"] == "HTML" and sent["link_preview_options"] == {"is_disabled": True}
        assert_telegram_html(sent["text"])


async def test_start_deep_link_opens_the_card(bot: Bot) -> None:
    (card,) = await bot.say("/start m_gemini-2-5-pro")
    assert card["text"].startswith("<b>Gemini 2.5 Pro</b>")
    assert {"text": "🔗 Source", "url": bot.store.engine.knowledge.by_id["gemini-2-5-pro"].source} in buttons(card)
    (unknown,) = await bot.say("/start m_no-such-model")
    assert unknown["text"] == esc(STRINGS["unknown_link"]["en"])


async def test_help_and_unknown_commands_show_help(bot: Bot) -> None:
    (help_,) = await bot.say("/help")
    (unknown,) = await bot.say("/frobnicate")
    assert help_["text"] == unknown["text"]
    assert str(len(bot.store.engine.knowledge.models)) in help_["text"]


async def test_latest_default_count_and_maximum(bot: Bot, engine: Engine) -> None:
    fifth_newest = sorted((m.released for m in engine.knowledge.models), reverse=True)[4]
    (five,) = await bot.say("/latest")
    shown = [m for m in engine.knowledge.models if f"<b>{esc(m.name)}</b>" in five["text"]]
    assert five["text"].count("\n2025-") == 5 and len(shown) == 5
    assert all(m.released >= fifth_newest for m in shown)
    (three,) = await bot.say("/latest 3")
    assert "The 3 newest" in three["text"]
    (many,) = await bot.say("/latest 500")
    assert "The 20 newest" in many["text"]
    (bad,) = await bot.say("/latest ²")
    assert bad["text"] == esc(STRINGS["usage_latest"]["en"])
    (chinese,) = await bot.say("/latest 2", language_code="zh")
    assert "最新发布的 2 个模型" in chinese["text"]


async def test_model_card_with_its_buttons(bot: Bot, engine: Engine) -> None:
    (card,) = await bot.say("/model o3")
    assert card["text"].startswith("<b>o3</b>")
    model = engine.knowledge.by_id["o3"]
    assert buttons(card)[0] == {"text": "🔗 Source", "url": model.source}
    assert data_of(card) == ["v:en:openai", "f:en:o3", "c:en:o3:o3-mini"]
    (usage,) = await bot.say("/model")
    assert usage["text"] == esc(STRINGS["usage_model"]["en"])


async def test_model_escapes_what_the_user_typed(bot: Bot) -> None:
    sent = await bot.say("/model <b>x</b><script>alert(1)</script>")
    for params in sent:
        assert "<script>" not in params["text"] and "<b>x</b>" not in params["text"]
        assert_telegram_html(params["text"])
    sent = await bot.say("what is <i>gpt-9000</i> & co?")
    for params in sent:
        assert_telegram_html(params["text"])


async def test_compare_builds_the_question(bot: Bot) -> None:
    (two,) = await bot.say("/compare o3 o4-mini")
    assert "Comparison: o3 vs o4-mini" in two["text"] and "o4-mini" in two["text"]
    assert data_of(two) == ["m:en:o3", "m:en:o4-mini"]
    (three,) = await bot.say("/compare gpt-5, claude opus 4, gemini 2.5 pro")
    assert data_of(three) == ["m:en:gpt-5", "m:en:claude-opus-4", "m:en:gemini-2-5-pro"]
    (spaced,) = await bot.say("/compare gemini 2.5 pro o3")
    assert data_of(spaced) == ["m:en:gemini-2-5-pro", "m:en:o3"]
    (usage,) = await bot.say("/compare o3")
    assert usage["text"] == esc(STRINGS["usage_compare"]["en"])


async def test_list_with_filter_words_paginates(bot: Bot, engine: Engine) -> None:
    (open_models,) = await bot.say("/list open weights")
    total = sum(m.open_weights for m in engine.knowledge.models)
    assert f"{total} in all" in open_models["text"]
    assert open_models["text"].count("\n20") == PAGE_SIZE  # ten dated lines: 2025-…
    assert data_of(open_models) == ["q:en:1:l:o1"]
    (everything,) = await bot.say("/list")
    assert f"page 1/{pages(len(engine.knowledge.models))}" in everything["text"]
    (chinese,) = await bot.say("/list 谷歌", language_code="en")
    assert "谷歌" in chinese["text"] and data_of(chinese) == ["v:zh:google:1"]


async def test_vendors_lists_every_vendor_with_counts(bot: Bot, engine: Engine) -> None:
    (sent,) = await bot.say("/vendors")
    knowledge = engine.knowledge
    assert f"{len(knowledge.vendors)} organisations · {len(knowledge.models)} models" in sent["text"]
    assert f"Google: {len(knowledge.by_vendor['Google'])}" in sent["text"]
    assert len(data_of(sent)) == len(knowledge.vendors) and "v:en:openai" in data_of(sent)
    assert_telegram_html(sent["text"])


# -- /reload ----------------------------------------------------------------------------------------------


class PlainDumper(yaml.SafeDumper):
    """Writes repeated values out in full: knowledge files refuse anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def edit_models(directory: Path, vendor_file: str, edit: Any) -> None:
    path = directory / "models" / vendor_file
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.dump(edit(entries), Dumper=PlainDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")


async def test_reload_by_an_admin_reports_the_diff(engine: Engine, knowledge_copy: Path) -> None:
    bot = await started(KnowledgeStore(knowledge_copy, engine))

    def edit(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        by_id = {e["id"]: e for e in entries}
        by_id["claude-opus-4"]["summary_en"] = "Rewritten <summary>."
        added = dict(by_id["claude-opus-4-1"], id="claude-opus-9", name="Claude <Opus> 9", aliases=[])
        return [e for e in entries if e["id"] != "claude-haiku-4-5"] + [added]

    edit_models(knowledge_copy, "anthropic.yaml", edit)
    (reply,) = await bot.say("/reload", user_id=ADMIN)
    text = reply["text"]
    assert "+ Claude &lt;Opus&gt; 9" in text and "− Claude Haiku 4.5" in text and "~ Claude Opus 4" in text
    assert_telegram_html(text)
    assert bot.store.engine is not engine and "claude-opus-9" in bot.store.engine.knowledge.by_id
    (card,) = await bot.say("/start m_claude-opus-9")
    assert "Claude &lt;Opus&gt; 9" in card["text"]
    (again,) = await bot.say("/reload", user_id=ADMIN)
    assert STRINGS["reload_same"]["en"] in again["text"]
    await bot.app.shutdown()


async def test_reload_with_a_broken_file_keeps_the_old_knowledge(engine: Engine, knowledge_copy: Path) -> None:
    bot = await started(KnowledgeStore(knowledge_copy, engine))
    (knowledge_copy / "models" / "openai.yaml").write_text("- id: BROKEN\n  name: [unclosed\n", encoding="utf-8")
    (reply,) = await bot.say("/reload", user_id=ADMIN)
    assert "Reload failed" in reply["text"] and "openai.yaml" in reply["text"]
    assert_telegram_html(reply["text"])
    assert bot.store.engine is engine
    (card,) = await bot.say("/model o3")
    assert card["text"].startswith("<b>o3</b>")
    await bot.app.shutdown()


async def test_reload_error_list_is_capped(engine: Engine, knowledge_copy: Path) -> None:
    bot = await started(KnowledgeStore(knowledge_copy, engine))
    edit_models(knowledge_copy, "google.yaml", lambda entries: [dict(e, context_window="1M") for e in entries])
    (reply,) = await bot.say("/reload", user_id=ADMIN, language_code="zh")
    google = len(engine.knowledge.by_vendor["Google"])
    assert f"重新加载失败（{google} 个错误）" in reply["text"] and f"另有 {google - 20} 个错误" in reply["text"]
    assert reply["text"].count("models/google.yaml:") == 20 and str(knowledge_copy) not in reply["text"]
    assert_telegram_html(reply["text"])
    await bot.app.shutdown()


async def test_reload_refused_for_others(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        (reply,) = await bot.say("/reload", user_id=99)
    assert reply["text"] == esc(STRINGS["reload_refused"]["en"])
    assert any(r.levelno == logging.WARNING and "99" in r.getMessage() for r in caplog.records)


# -- groups and forum topics ------------------------------------------------------------------------------


async def test_group_chatter_is_ignored(bot: Bot) -> None:
    assert await bot.say("gemini 2.5 pro is great", chat_type="supergroup") == []
    assert await bot.say("@someone_else what is o3", chat_type="group", chat_id=-55) == []
    other = bot.make.message("hi", chat_type="supergroup", user_id=5)["message"]
    assert await bot.say("o3?", chat_type="supergroup", reply_to=other) == []
    assert await bot.say("/help@SomeOtherBot", chat_type="supergroup") == []


async def test_group_mention_is_answered_without_the_mention(bot: Bot) -> None:
    sent = []
    before = len(bot.api.sent())
    await bot.send(bot.make.mention(f"@{BOT_USERNAME} what is o3", chat_id=GROUP))
    sent = bot.api.sent()[before:]
    assert len(sent) == 1 and sent[0]["text"].startswith("<b>o3</b>")
    assert sent[0]["chat_id"] == GROUP
    assert sent[0]["reply_parameters"]["message_id"] > 0  # quotes the question in groups


async def test_group_text_mention_and_reply_to_the_bot(bot: Bot) -> None:
    text_mention = {
        "type": "text_mention",
        "offset": 0,
        "length": 7,
        "user": {"id": BOT_ID, "is_bot": True, "first_name": "Almanac"},
    }
    (by_name,) = await bot.say("Almanac gpt-5?", chat_type="group", chat_id=-56, entities=[text_mention])
    assert by_name["text"].startswith("<b>GPT-5</b>")
    earlier = bot.make.bot_message(-57, "group")
    (reply,) = await bot.say("and o3?", chat_type="group", chat_id=-57, reply_to=earlier)
    assert reply["text"].startswith("<b>o3</b>")


async def test_group_commands_with_the_bot_name(bot: Bot) -> None:
    (sent,) = await bot.say(f"/model@{BOT_USERNAME} o3", chat_type="supergroup", chat_id=-58)
    assert sent["text"].startswith("<b>o3</b>")
    (help_,) = await bot.say("/help", chat_type="group", chat_id=-59)
    assert STRINGS["group_hint"]["en"] in help_["text"]


async def test_forum_topic_replies_stay_in_the_topic(bot: Bot) -> None:
    (command,) = await bot.say("/latest 2", chat_type="supergroup", chat_id=-60, thread_id=77)
    assert command["message_thread_id"] == 77
    before = len(bot.api.sent())
    await bot.send(bot.make.mention(f"o3 vs o4-mini @{BOT_USERNAME}", chat_id=-60, thread_id=77))
    (mention,) = bot.api.sent()[before:]
    assert mention["message_thread_id"] == 77 and "Comparison: o3 vs o4-mini" in mention["text"]
    # buttons pressed in the topic answer in the topic too
    await bot.press("m:en:o3", message=bot.api.messages()[-1])
    assert bot.api.sent()[-1]["message_thread_id"] == 77


async def test_topic_messages_are_not_replies_to_the_bot(bot: Bot) -> None:
    topic_start = bot.make.bot_message(-61, "supergroup") | {"forum_topic_created": {"name": "AI", "icon_color": 1}}
    assert await bot.say("o3", chat_type="supergroup", chat_id=-61, thread_id=5, reply_to=topic_start) == []


async def test_edited_messages_are_not_answered_again(bot: Bot) -> None:
    payload = bot.make.message("o3")
    message = payload.pop("message")
    payload["edited_message"] = message | {"edit_date": message["date"] + 5}
    await bot.send(payload)
    assert bot.api.sent() == []


# -- buttons ----------------------------------------------------------------------------------------------


async def test_pagination_edits_the_same_message(bot: Bot) -> None:
    last_page = pages(len(bot.store.engine.knowledge.models))
    (first,) = await bot.say("list all models")
    assert f"page 1/{last_page}" in first["text"]
    message = bot.api.messages()[-1]
    (next_data,) = data_of(first)
    bot.api.clear()
    await bot.press(next_data, message=message)
    (edit,) = bot.api.of("editMessageText")
    assert edit["message_id"] == message["message_id"] and edit["chat_id"] == message["chat"]["id"]
    assert f"page 2/{last_page}" in edit["text"] and bot.api.sent() == []
    assert data_of(edit) == ["q:en:0:l:", "q:en:2:l:"]
    (answered,) = bot.api.of("answerCallbackQuery")
    assert "text" not in answered  # a silent acknowledgement
    await bot.press(f"q:en:{last_page - 1}:l:", message=message)
    last = bot.api.of("editMessageText")[-1]
    assert f"page {last_page}/{last_page}" in last["text"] and data_of(last) == [f"q:en:{last_page - 2}:l:"]
    assert_telegram_html(last["text"])


async def test_vendor_family_and_compare_buttons(bot: Bot) -> None:
    (card,) = await bot.say("gemini 2.5 pro")
    assert data_of(card) == ["v:en:google", "f:en:gemini-2-5-pro", "c:en:gemini-2-5-pro:gemini-2-5-flash"]
    message = bot.api.messages()[-1]
    await bot.press("v:en:google", message=message)
    vendor = bot.api.sent()[-1]
    google = len(bot.store.engine.knowledge.by_vendor["Google"])
    assert "Google" in vendor["text"] and f"page 1/{pages(google)}" in vendor["text"]
    assert data_of(vendor) == ["v:en:google:1"]
    await bot.press("f:en:gemini-2-5-pro", message=message)
    family = bot.api.sent()[-1]
    assert f"Gemini 2.5: {len(bot.store.engine.knowledge.by_family['Gemini 2.5'])} in all" in family["text"]
    await bot.press("c:en:gemini-2-5-pro:gemini-2-5-flash", message=message)
    compare = bot.api.sent()[-1]
    assert "Where they differ" in compare["text"] and "Gemini 2.5 Flash" in compare["text"]
    assert len(bot.api.of("answerCallbackQuery")) == 3
    # the vendor list's ▶ edits the vendor list message
    await bot.press("v:en:google:1", message=bot.api.messages()[-3])
    assert "page 2/3" in bot.api.of("editMessageText")[-1]["text"]


async def test_did_you_mean_buttons_open_the_card(bot: Bot) -> None:
    (clarify,) = await bot.say("gpt")
    assert "Did you mean" in clarify["text"] and all(d.startswith("m:en:") for d in data_of(clarify))
    await bot.press(data_of(clarify)[1], message=bot.api.messages()[-1])
    card = bot.api.sent()[-1]
    assert card["text"].startswith("<b>") and data_of(card)[0].startswith("v:en:")


async def test_buttons_answer_in_the_language_of_the_message(bot: Bot) -> None:
    (card,) = await bot.say("o3 是什么", language_code="en")
    await bot.press(data_of(card)[0], message=bot.api.messages()[-1], language_code="en")
    assert "共" in bot.api.sent()[-1]["text"]


@pytest.mark.parametrize(
    "data",
    [
        "m:en:no-such-model",
        "m:xx:o3",
        "m:en",
        "v:en:nobody:0",
        "v:en:google:99",
        "v:en:google:-1",
        "v:en:google:01",
        "v:en:Google:0",
        "f:en:o3:9",
        "f:en:nothing:0",
        "c:en:o3",
        "c:en:o3:o3",
        "c:en:o3:nope",
        "q:en:0:x:",
        "q:en:0:l:z1",
        "q:en:0:l:o2",
        "q:en:99:l:o1",
        "q:en:0:l:vgoogle.vopenai",
        "q:en:0:l:nAtlantis",
        "q:en:0:l:d300-10",
        "q:en:0:l:d0-3",
        "q:en:0:l:d0-9999",
        "q:en:0:l:d31-30",
        "q:en:0:l:o1.vgoogle",
        "q:en:0:l:t1+0",
        "q:en:0:l:vgoogle",
        "garbage",
        "m:en:o3:extra",
        "x" * 64,
    ],
)
async def test_forged_or_stale_buttons_get_a_notice_and_nothing_else(bot: Bot, data: str) -> None:
    await bot.press(data)
    assert only_answered_callback(bot.api)["text"] == STRINGS["stale_button"]["en"]


def _callback_data(engine: Engine) -> st.SearchStrategy[str]:
    """Callback data from the encoder's own grammar (kinds, languages, ids, vendors, filter parts, pages),
    with values just outside what it writes, then randomly mutated."""
    knowledge = engine.knowledge
    ids = st.sampled_from([*sorted(knowledge.by_id)[:40], "o3", "gpt-5", "nope", ""])
    vendors = st.sampled_from([*sorted(fold_name(v.name) for v in knowledge.vendors), "Google", "x"])
    langs = st.sampled_from(["en", "zh", "xx", ""])
    number = st.integers(-1, 400).map(str) | st.sampled_from(["01", "", "9999", "٣", "1 "])
    part = st.one_of(
        st.lists(vendors, min_size=1, max_size=3).map(lambda v: "v" + "+".join(v)),
        st.sampled_from(["China", "USA", "Atlantis", ""]).map(lambda c: "n" + c),
        ids.map(lambda i: "f" + i),
        st.sampled_from(["o0", "o1", "o2", "r0", "r1", "r"]),
        st.tuples(number, number).map(lambda ab: f"d{ab[0]}-{ab[1]}"),
        st.tuples(st.integers(0, 364), st.integers(0, 45)).map(lambda ab: f"d{ab[0]}-{ab[0] + ab[1]}"),
        st.sampled_from([(0, 30), (31, 58), (0, 89), (90, 180), (181, 364), (0, 364), (334, 364)]).map(
            lambda ab: f"d{ab[0]}-{ab[1]}"
        ),
        st.lists(number, min_size=1, max_size=3).map(lambda t: "t" + "+".join(t)),
        number.map(lambda n: "i" + n),
    )
    filters = st.lists(part, max_size=4).map(".".join)
    data = st.one_of(
        st.tuples(langs, ids).map(lambda x: f"m:{x[0]}:{x[1]}"),
        st.tuples(langs, st.lists(ids, min_size=1, max_size=4)).map(lambda x: ":".join(["c", x[0], *x[1]])),
        st.tuples(st.sampled_from("vf"), langs, vendors | ids, st.none() | number).map(
            lambda x: f"{x[0]}:{x[1]}:{x[2]}" + ("" if x[3] is None else f":{x[3]}")
        ),
        st.tuples(langs, number, st.sampled_from(["l", "c", "x"]), filters).map(lambda x: "q:{}:{}:{}:{}".format(*x)),
        st.tuples(st.sampled_from(["l", "c"]), part).map(lambda x: f"q:en:0:{x[0]}:{x[1]}"),  # one filter, valid rest
    )

    def mutate(draw: tuple[str, list[tuple[int, int, str]]]) -> str:
        text, edits = draw
        for position, action, char in edits:
            at = position % (len(text) + 1)
            text = [text[:at] + text[at + 1 :], text[:at] + char + text[at:], text[:at] + char + text[at + 1 :]][action]
        return text

    edits = st.lists(st.tuples(st.integers(0, 80), st.integers(0, 2), st.characters()), min_size=1, max_size=3)
    return data | st.tuples(data, edits).map(mutate)


def test_any_callback_data_is_a_valid_answer_or_rejected(engine: Engine) -> None:
    """No button data, however forged, makes rendering fail: it resolves to None (the notice) or to an
    answer that renders; a page button resolves only in the exact spelling the bot itself writes."""

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_callback_data(engine))
    def check(data: str) -> None:
        pressed = resolve(data, engine)
        if pressed is None:
            return
        for text in render_html(pressed.answer, pressed.page):
            assert 0 < len(text) <= MAX_MESSAGE
        keyboard_for(pressed.answer, engine, pressed.page)
        if pressed.edit:
            assert page_data(pressed.answer, pressed.page, engine) == data

    check()


async def test_stale_notice_in_chinese(bot: Bot) -> None:
    await bot.press("m:en:gone", language_code="zh-TW")
    assert only_answered_callback(bot.api)["text"] == STRINGS["stale_button"]["zh"]


def test_button_data_fits_and_round_trips(engine: Engine) -> None:
    """Every card's buttons fit in 64 bytes, and page buttons rebuild exactly the engine's list."""
    for model in engine.knowledge.models:
        answer = engine.answer(model.name)
        for row in card_keyboard(model, answer, engine).inline_keyboard:
            for button in row:
                assert button.callback_data is None or len(button.callback_data.encode()) <= MAX_DATA
    questions = ["list all models", "open models", "which qwen models are open weights", "3月发布了哪些开源模型"]
    questions += ["Q2 reasoning models", "which models accept video", "list gemini 2.5 family", "how many image models"]
    questions += ["国产开源推理模型有哪些", "which chinese models are open source", "1-3月发布的开源模型"]
    for question in questions:
        answer = engine.answer(question)
        assert answer.intent in (Intent.LIST, Intent.COUNT), question
        data = page_data(answer, 0, engine)
        assert data is not None and len(data.encode()) <= MAX_DATA
        pressed = resolve(data, engine)
        assert pressed is not None and pressed.answer.models == answer.models, question
        assert pressed.answer.filters == answer.filters and pressed.answer.intent == answer.intent


def test_vendor_buttons_survive_a_reordered_vendors_file(engine: Engine, knowledge_copy: Path) -> None:
    """Button data names vendors by their folded name, not by position, so a reload that reorders
    vendors.yaml keeps every old button pointing at the same vendor."""
    path = knowledge_copy / "vendors.yaml"
    header = "".join(line for line in path.read_text(encoding="utf-8").splitlines(True) if line.startswith("#"))
    vendors = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(header + yaml.safe_dump(vendors[::-1], allow_unicode=True, sort_keys=False), encoding="utf-8")
    reordered = KnowledgeStore.load(knowledge_copy).engine
    for data in ("v:en:google", "v:en:google:1", "q:en:0:l:vgoogle.o1"):
        before, after = resolve(data, engine), resolve(data, reordered)
        assert before is not None and after is not None, data
        assert [m.name for m in before.answer.models] == [m.name for m in after.answer.models], data
        assert {m.vendor for m in after.answer.models} == {"Google"}


# -- inline mode ------------------------------------------------------------------------------------------


async def test_inline_query_answers_cards(bot: Bot) -> None:
    await bot.send(bot.make.inline("gemini 2.5 pro"))
    (answer,) = bot.api.of("answerInlineQuery")
    (result,) = answer["results"]
    assert result["type"] == "article" and result["title"] == "Gemini 2.5 Pro" and result["id"] == "gemini-2-5-pro"
    content = result["input_message_content"]
    assert content["parse_mode"] == "HTML" and content["message_text"].startswith("<b>Gemini 2.5 Pro</b>")
    assert_telegram_html(content["message_text"])
    assert answer["cache_time"] == 60 and "\n" not in result["description"]


async def test_inline_query_lists_are_capped_and_empty_means_latest(bot: Bot, engine: Engine) -> None:
    await bot.send(bot.make.inline("open models"))
    assert len(bot.api.of("answerInlineQuery")[-1]["results"]) == 20
    await bot.send(bot.make.inline("", language_code="zh"))
    latest = bot.api.of("answerInlineQuery")[-1]
    newest = sorted(engine.knowledge.models, key=lambda m: m.released, reverse=True)[:20]
    assert {r["id"] for r in latest["results"]} == {m.id for m in newest}
    assert latest["is_personal"] is True and "发布" in latest["results"][0]["input_message_content"]["message_text"]
    await bot.send(bot.make.inline("what's the weather"))
    assert bot.api.of("answerInlineQuery")[-1]["results"] == []


# -- long answers, logs, errors, menus -------------------------------------------------------------------


async def test_long_answers_are_split_under_the_limit(engine: Engine, knowledge_copy: Path) -> None:
    def lengthen(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for entry in entries:
            if entry["id"] == "o3":
                entry["summary_en"] = "Long <summary> & more. " * 80
                entry["highlights_en"] = [
                    f"{i}: " + "detail & <nuance> " * 100 for i in range(len(entry["highlights_zh"]))
                ]
        return entries

    edit_models(knowledge_copy, "openai.yaml", lengthen)
    bot = await started(KnowledgeStore.load(knowledge_copy))
    sent = await bot.say("/model o3")
    assert len(sent) >= 2
    for params in sent:
        assert_telegram_html(params["text"])
    assert all("reply_markup" not in p for p in sent[:-1]) and data_of(sent[-1])
    await bot.app.shutdown()


async def test_one_info_line_per_handled_update(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.tg.handlers"):
        await bot.say("o3")
        await bot.say("chatter", chat_type="supergroup")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.tg.handlers"]
    assert len(lines) == 1 and lines[0].startswith("text chat=private intent=card ") and lines[0].endswith(" ms")


async def test_the_token_never_reaches_the_logs(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    bot.api.fail["sendMessage"] = NetworkError(f"connection reset by https://api.telegram.org/bot{TOKEN}/sendMessage")
    with caplog.at_level(logging.INFO):
        install_secret_filter([TOKEN])
        try:
            await bot.say("o3")
            bot.api.fail["sendMessage"] = Forbidden(f"blocked by the user (token {TOKEN})")
            await bot.say("o4-mini")
        finally:
            for handler in logging.getLogger().handlers:
                for f in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
                    handler.removeFilter(f)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert warnings and warnings[0].exc_info is None and errors and errors[0].exc_text
    assert TOKEN not in caplog.text and REDACTED in caplog.text
    assert all(TOKEN not in (r.exc_text or "") for r in caplog.records)
    # the user is told something short after each failure
    assert bot.api.texts()[-1] == esc(STRINGS["error"]["en"])


async def test_command_menus_for_both_languages_and_scopes(bot: Bot) -> None:
    await bot.app.post_init(bot.app)  # type: ignore[misc]
    menus = bot.api.of("setMyCommands")
    seen = {(m["scope"]["type"], m.get("language_code")) for m in menus}
    assert seen == {(scope, code) for scope in ("all_private_chats", "all_group_chats") for code in ("zh", "en", None)}
    private_zh = next(m for m in menus if m["scope"]["type"] == "all_private_chats" and m.get("language_code") == "zh")
    assert [c["command"] for c in private_zh["commands"]][:2] == ["start", "help"]
    assert "reload" not in str(menus)


def test_every_telegram_string_has_both_languages() -> None:
    assert all(set(values) == {"zh", "en"} and all(values.values()) for values in STRINGS.values())


# -- settings ---------------------------------------------------------------------------------------------

SETTING_NAMES = ["TELEGRAM_BOT_TOKEN", "ADMIN_IDS", "KNOWLEDGE_DIR", "TELEGRAM_API_URL", "MODE", "WEBHOOK_URL"]
SETTING_NAMES += ["WEBHOOK_SECRET", "PORT", "LOG_LEVEL"]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_settings_defaults_and_dotenv(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert load_settings().telegram_bot_token is None  # terminal mode
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nADMIN_IDS= 1, 22 ,333\nLOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.token == TOKEN and settings.admin_ids == frozenset({1, 22, 333}) and settings.log_level == "DEBUG"
    assert settings.base_url == "https://api.telegram.org/bot"
    assert settings.base_file_url == "https://api.telegram.org/file/bot"
    assert settings.mode == "polling" and settings.port == 8080 and settings.knowledge_dir == Path("knowledge")
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)
    clean_env.setenv("ADMIN_IDS", "")
    clean_env.setenv("TELEGRAM_API_URL", "http://localhost:8081/")
    settings = load_settings()
    assert settings.admin_ids == frozenset() and settings.base_url == "http://localhost:8081/bot"


def test_webhook_settings(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in {"TELEGRAM_BOT_TOKEN": TOKEN, "MODE": "webhook", "WEBHOOK_SECRET": "s3cret_-X"}.items():
        clean_env.setenv(name, value)
    clean_env.setenv("WEBHOOK_URL", "https://bot.example.com/hook/telegram")
    settings = load_settings()
    assert settings.webhook_path == "hook/telegram" and TOKEN not in repr(settings) and "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MODE": "webhook"}, "TELEGRAM_BOT_TOKEN, WEBHOOK_URL, WEBHOOK_SECRET required when MODE=webhook"),
        ({"MODE": "webhook", "TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.example"}, "WEBHOOK_SECRET"),
        ({"MODE": "webhook", "TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": "abc"}, "WEBHOOK_URL"),
        ({"MODE": "push"}, "MODE"),
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"ADMIN_IDS": "1,alice"}, "ADMIN_IDS"),
        ({"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"WEBHOOK_URL": "http://insecure.example"}, "WEBHOOK_URL"),
        ({"WEBHOOK_SECRET": "has spaces"}, "WEBHOOK_SECRET"),
        ({"TELEGRAM_BOT_TOKEN": "12345:short"}, "TELEGRAM_BOT_TOKEN"),
    ],
)
def test_bad_settings_exit_2_with_one_line(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], named: str
) -> None:
    for name, value in env.items():
        clean_env.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        load_settings()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err
    assert TOKEN not in err and "12345:short" not in err


# -- conversations ------------------------------------------------------------------------------------------


async def test_follow_ups_belong_to_one_user_in_one_chat(bot: Bot) -> None:
    """A follow-up sees its own conversation's last answer; group members never share one."""
    mention = f"@{BOT_USERNAME}"
    await bot.send(bot.make.mention(f"{mention} Gemini 2.5 Pro 是什么", user_id=1, language_code="zh"))
    before = len(bot.api.sent())
    await bot.send(bot.make.mention(f"{mention} 它开源吗", user_id=2, language_code="zh"))
    await bot.send(bot.make.mention(f"{mention} 它开源吗", user_id=1, language_code="zh"))
    other, own = bot.api.sent()[before:]
    assert "Gemini 2.5 Pro" not in other["text"]  # user 2 has no conversation yet
    assert own["text"].startswith("<b>不，Gemini 2.5 Pro 没有开放权重")
    (private,) = await bot.say("它开源吗", user_id=1, language_code="zh")  # another chat: another conversation
    assert "Gemini 2.5 Pro" not in private["text"]


async def test_a_direct_answer_offers_the_full_card(bot: Bot, engine: Engine) -> None:
    (answer,) = await bot.say("what is the context window of o3?")
    assert answer["text"].startswith("<b>o3 has a context window of 200,000 tokens.</b>")
    assert data_of(answer)[0] == "m:en:o3"
    await bot.press("m:en:o3", message=bot.api.messages()[-1])
    assert bot.api.sent()[-1]["text"].startswith("<b>o3</b> · OpenAI")


# -- failed sends ----------------------------------------------------------------------------------------


def retry_quickly(bot: Bot) -> RetryingRequest:
    request = bot.app.bot.request
    assert isinstance(request, RetryingRequest)
    request.backoff = (0.01, 0.02, 0.04, 0.08, 0.16)
    return request


async def test_a_send_that_never_left_is_retried_and_delivered_once(bot: Bot) -> None:
    """Connections reset before the request was sent: the answer goes out after the outage, exactly once,
    and the user sees no error notice."""
    retry_quickly(bot)
    bot.api.fail["sendMessage"] = [not_connected() for _ in range(4)]
    await bot.send(bot.make.message("o3"))
    attempts = bot.api.of("sendMessage")
    assert len(attempts) == 5
    (delivered,) = bot.api.sent()[-1:]
    assert delivered["text"].startswith("<b>o3</b>")
    assert [c.result is not None for c in bot.api.calls if c.method == "sendMessage"] == [False] * 4 + [True]


async def test_a_send_that_may_have_arrived_is_never_repeated(bot: Bot) -> None:
    """A timeout after the request was written may hide a delivered message: no second attempt; the error
    handler tells the user something short instead."""
    retry_quickly(bot)
    bot.api.fail["sendMessage"] = timed_out_after_sending()
    await bot.send(bot.make.message("o3"))
    texts = bot.api.texts()
    assert sum(text.startswith("<b>o3</b>") for text in texts) == 1  # the one attempt
    assert texts[-1] == esc(STRINGS["error"]["en"])


async def test_retries_end_after_the_backoff(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    request = retry_quickly(bot)
    attempts = len(request.backoff) + 1
    bot.api.fail["sendMessage"] = [not_connected() for _ in range(attempts)]
    with caplog.at_level(logging.WARNING):
        await bot.send(bot.make.message("o3"))
    retries = [r for r in caplog.records if r.name == "bot.tg.retrying_request"]
    assert len(retries) == len(request.backoff)  # one warning per failed attempt that is retried
    assert all(
        "sendMessage: the Bot API was not reached" in r.getMessage() and TOKEN not in r.getMessage() for r in retries
    )
    assert len(bot.api.of("sendMessage")) == attempts + 1 and bot.api.texts()[-1] == esc(STRINGS["error"]["en"])


# -- /reload reports ----------------------------------------------------------------------------------------


async def reload_reply(knowledge_copy: Path, engine: Engine, **kwargs: Any) -> str:
    bot = await started(KnowledgeStore(knowledge_copy, engine))
    try:
        (reply,) = await bot.say("/reload", user_id=ADMIN, **kwargs)
    finally:
        await bot.app.shutdown()
    assert_telegram_html(reply["text"])
    return str(reply["text"])


async def test_reload_report_names_the_root_cause_only(engine: Engine, knowledge_copy: Path) -> None:
    """One syntax error in a model file is one error: intents.yaml is not blamed for the families the
    broken file would have defined; the paths are relative to the knowledge folder; "1 error"."""
    (knowledge_copy / "models" / "openai.yaml").write_text("- id: BROKEN\n  name: [unclosed\n", encoding="utf-8")
    text = await reload_reply(knowledge_copy, engine)
    assert text.startswith("Reload failed (1 error);")
    assert "models/openai.yaml:3: YAML syntax error" in text and "intents.yaml" not in text
    assert str(knowledge_copy) not in text


async def test_reload_report_without_vendors_file(engine: Engine, knowledge_copy: Path) -> None:
    (knowledge_copy / "vendors.yaml").unlink()
    text = await reload_reply(knowledge_copy, engine, language_code="zh")
    assert "（1 个错误）" in text and "vendors.yaml: cannot read file" in text and "unknown vendor" not in text


async def test_reload_report_fits_one_message(engine: Engine, knowledge_copy: Path) -> None:
    """Many long errors (every entry of a file with very long bad values) still make one valid message."""
    long_value = "x" * 2000
    edit_models(knowledge_copy, "openai.yaml", lambda entries: [dict(e, license=[long_value]) for e in entries])
    text = await reload_reply(knowledge_copy, engine)
    assert len(text) <= MAX_MESSAGE and "more error" in text and "models/openai.yaml:" in text


async def test_a_copied_model_file_is_one_error(engine: Engine, knowledge_copy: Path) -> None:
    models = knowledge_copy / "models"
    (models / "openai-copy.yaml").write_text((models / "openai.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    text = await reload_reply(knowledge_copy, engine)
    assert text.startswith("Reload failed (1 error);")
    assert "every id in this file is also in" in text and "one file is a copy" in text
    assert "models/openai-copy.yaml" in text and "models/openai.yaml" in text


async def test_a_failed_reload_in_a_group_shows_no_paths(engine: Engine, knowledge_copy: Path) -> None:
    (knowledge_copy / "models" / "openai.yaml").write_text("- id: [\n", encoding="utf-8")
    text = await reload_reply(knowledge_copy, engine, chat_type="supergroup", chat_id=GROUP)
    assert text == esc(STRINGS["reload_failed_group"]["en"].format(count=1, s=""))
    assert "openai" not in text and "/reload" in text


# -- secrets ------------------------------------------------------------------------------------------------


async def test_no_secret_in_debug_logs(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    """At LOG_LEVEL=DEBUG PTB logs every call's parameters: setWebhook carries the webhook secret."""
    secret = "webhook-Secret_0123456789"
    settings = make_settings(mode="webhook", webhook_url="https://bot.example.com/hook", webhook_secret=secret)
    assert set(settings.secrets) == {TOKEN, secret}
    api = RecordingRequest()
    app = build_application(settings, KnowledgeStore(KNOWLEDGE, engine), request=api)
    with caplog.at_level(logging.DEBUG):
        install_secret_filter(settings.secrets)
        try:
            await app.initialize()
            await app.bot.set_webhook("https://bot.example.com/hook", secret_token=secret)
            await app.shutdown()
        finally:
            for handler in logging.getLogger().handlers:
                for f in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
                    handler.removeFilter(f)
    assert api.of("setWebhook")[0]["secret_token"] == secret  # it was sent, and logged …
    assert any("setWebhook" in r.getMessage() and REDACTED in r.getMessage() for r in caplog.records)
    assert secret not in caplog.text and TOKEN not in caplog.text  # … redacted
