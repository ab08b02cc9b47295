"""Timeline pictures: one filter parser, the layout (no label touches another label or a marker), the
size, the glyphs of the bundled font, lanes from the data, splitting and summarising, and /timeline through
the real Application (sendPhoto as a multipart upload, the caption, the list button, the cache, /reload)."""

import io
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image

from bot.engine import Answer, Engine
from bot.kb import KnowledgeBase
from bot.kb.schema import YEAR, Model
from bot.pictures import TimelinePictures
from bot.render import timeline
from bot.render.i18n import MONTHS, STRINGS, TYPES
from bot.render.i18n import STRINGS as TG_STRINGS
from bot.render.timeline import DPI, MAX_HEIGHT, WIDTH, Page, draw, drawing, missing_glyphs, plan, render_timeline
from bot.store import KnowledgeStore
from bot.tg.app import build_application
from bot.tg.keyboards import list_data, resolve
from tests.conftest import KNOWLEDGE, nothing_words
from tests.test_telegram import ADMIN, Bot, buttons, data_of, edit_models, esc, make_settings
from tests.tg_fakes import RecordingRequest, UpdateFactory, png_size

REQUESTS = ["", "开源", "谷歌", "视频", "Q1", "1-4月", "国产 推理", "open weights video models from google"]


@pytest.fixture(scope="module")
def engine(knowledge: KnowledgeBase) -> Engine:
    return Engine(knowledge)


def answer_for(engine: Engine, words: str) -> Answer:
    request = engine.read_filters(words)
    assert not request.unknown, request.unknown
    return engine.listing(request.filters, request.lang)


def variant(template: Model, **changes: object) -> Model:
    """A new, validated model from a real one (``model_copy`` would keep the template's cached dates)."""
    return Model.model_validate({**template.model_dump(), "aliases": (), "ga": None, "milestones": None, **changes})


def crowded(real: KnowledgeBase, count: int = 60, days: int = 3) -> KnowledgeBase:
    """``count`` more models of one vendor within a few days at each end of the year: labels must stack,
    flip left at the right edge and stay inside at the left edge."""
    template = real.by_vendor["Google"][0]
    models = list(real.models)
    for i in range(count):
        day = date(YEAR, 1, 1) + timedelta(days=i % days) if i % 2 else date(YEAR, 12, 31) - timedelta(days=i % days)
        name = f"Crowd {i} " + "Long Name " * (i % 4)
        models.append(variant(template, id=f"crowd-{i}", name=name, released=day))
    return KnowledgeBase.build(models, real.vendors, real.lexicon, real.capabilities)


@dataclass
class Drawn:
    page: Page
    figure: Figure

    def texts(self) -> list[Text]:
        return [t for t in self.figure.texts if t.get_text()]

    def text_boxes(self) -> list[tuple[str, Bbox]]:
        renderer = self.figure.canvas.get_renderer()  # type: ignore[attr-defined]
        return [(t.get_text(), t.get_window_extent(renderer)) for t in self.texts()]

    def marker_boxes(self) -> list[Bbox]:
        boxes = []
        for artist in self.figure.artists:
            if isinstance(artist, Line2D) and artist.get_marker() not in (None, "None", ""):
                half = artist.get_markersize() * DPI / 72 / 2
                for x, y in artist.get_transform().transform(artist.get_xydata()):
                    boxes.append(Bbox.from_extents(x - half, y - half, x + half, y + half))
        return boxes


def drawn(answer: Answer) -> Iterator[Drawn]:
    with drawing():
        for page in plan(answer):
            yield Drawn(page, draw(answer, page))


def overlapping(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.fixture(scope="module")
def pictures(engine: Engine, knowledge: KnowledgeBase) -> list[Drawn]:
    """Every page of every request, plus a crowded knowledge base, drawn once for the layout tests."""
    crowd = Engine(crowded(knowledge))
    answers = [answer_for(engine, words) for words in REQUESTS] + [answer_for(crowd, "谷歌"), answer_for(crowd, "")]
    return [page for answer in answers for page in drawn(answer)]


# -- one parser ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "开源",
        "谷歌",
        "视频",
        "Q1",
        "1-4月",
        "国产 推理",
        "google open weights q2",
        "下半年",
        "kling",
        "编程",
        "混合推理",
    ],
)
def test_timeline_words_are_read_as_list_questions_read_them(engine: Engine, words: str) -> None:
    request = engine.read_filters(words)
    assert not request.filters.empty and not request.unknown
    assert request.filters == engine.answer(f"{words} 有哪些模型").filters


def test_words_that_are_no_filter_are_named(engine: Engine) -> None:
    request = engine.read_filters("开源 banana o3")
    assert set(request.unknown) == {"banana", "o3"} and request.filters.open_weights is True


# -- the pictures ---------------------------------------------------------------------------------------------


def test_every_kind_of_filter_gives_pictures_readable_on_a_phone(engine: Engine) -> None:
    for words in ["谷歌", "Q1", "open weights video"]:
        answer = answer_for(engine, words)
        pictures = render_timeline(answer)
        assert pictures
        for picture in pictures:
            with Image.open(io.BytesIO(picture.png)) as image:
                assert image.format == "PNG" and image.size == (picture.width, picture.height)
            assert picture.width == WIDTH == 1280 and picture.height <= MAX_HEIGHT
            assert png_size(picture.png) == (picture.width, picture.height)


def test_pages_cover_the_selection_once(engine: Engine) -> None:
    for words in REQUESTS:
        answer = answer_for(engine, words)
        pages = plan(answer)
        placed = [p.item.model.id for page in pages for p in page.placed]
        if not any(page.summary for page in pages):
            assert sorted(placed) == sorted(m.id for m in answer.models), words
        assert [page.number for page in pages] == list(range(1, len(pages) + 1))
        assert all(page.height <= MAX_HEIGHT for page in pages)


def test_labels_never_overlap_each_other_or_a_marker(pictures: list[Drawn]) -> None:
    assert sum(len(p.page.placed) for p in pictures) > 300
    for picture in pictures:
        texts, markers = picture.text_boxes(), picture.marker_boxes()
        assert len(markers) >= len(picture.page.placed)
        for i, (label, box) in enumerate(texts):
            assert box.x0 >= 0 and box.x1 <= WIDTH and box.y0 >= 0 and box.y1 <= picture.page.height, label
            for other, other_box in texts[i + 1 :]:
                assert not overlapping(box, other_box), f"{label!r} overlaps {other!r}"
            for marker in markers:
                assert not overlapping(box, marker), f"{label!r} overlaps a marker"


def test_every_character_drawn_is_in_the_bundled_font(pictures: list[Drawn]) -> None:
    fonts = {str(timeline.REGULAR), str(timeline.BOLD)}
    chinese = 0
    for picture in pictures:
        for text in picture.texts():
            assert text.get_fontproperties().get_file() in fonts
            assert not missing_glyphs(text.get_text()), text.get_text()
            chinese += any("\u4e00" <= c <= "\u9fff" for c in text.get_text())
    assert chinese > 20


def test_the_font_has_every_glyph_the_knowledge_can_draw(knowledge: KnowledgeBase) -> None:
    """Names, lane titles and the picture's own words: a new vendor or model must not draw an empty box."""
    strings = [v.name for v in knowledge.vendors] + [v.name_zh for v in knowledge.vendors]
    strings += [m.name for m in knowledge.models] + [label for t in TYPES.values() for label in t.values()]
    strings += [value for key, values in STRINGS.items() if key.startswith("tl_") for value in values.values()]
    strings += [name for names in MONTHS.values() for name in names]
    missing = {s: missing_glyphs(s) for s in strings if missing_glyphs(s)}
    assert not missing, f"run scripts/subset_font.py: {missing}"


def test_lanes_come_from_the_data(knowledge: KnowledgeBase) -> None:
    """A vendor's picture has one lane per type, even a type no code knows yet; other pictures one per vendor."""
    google = knowledge.by_vendor["Google"]
    models = [
        *knowledge.models,
        google[0].model_copy(update={"id": "holo-1", "name": "Holo One", "type": "hologram"}),
    ]
    engine = Engine(KnowledgeBase.build(models, knowledge.vendors, knowledge.lexicon, knowledge.capabilities))
    (page,) = plan(answer_for(engine, "google"))
    assert {lane.title for lane in page.lanes} == {TYPES[m.type]["en"] for m in google} | {"hologram"}
    lanes = {lane.title for page in plan(answer_for(engine, "video")) for lane in page.lanes}
    assert lanes == {m.vendor for m in knowledge.models if m.type == "video"}


def test_a_selection_too_large_to_label_is_summarised_per_month(knowledge: KnowledgeBase) -> None:
    engine = Engine(crowded(knowledge, count=400, days=1))
    (page,) = plan(answer_for(engine, "google"))
    assert page.summary and page.height <= MAX_HEIGHT
    assert (
        sum(sum(pair) for months in page.counts.values() for pair in months.values())
        == len(knowledge.by_vendor["Google"]) + 400
    )
    (picture,) = render_timeline(answer_for(engine, "google"))
    assert "counts per month" in picture.caption


def test_a_large_selection_is_split_by_time(knowledge: KnowledgeBase) -> None:
    """Four vendors with a long-named model every few days: too tall for one picture, fine in halves."""
    vendors = ["Google", "OpenAI", "Alibaba", "DeepSeek"]
    models = list(knowledge.models)
    for i in range(100):
        template = knowledge.by_vendor[vendors[i % 4]][0]
        day = date(YEAR, 1, 1) + timedelta(days=(i * 11) % 365)
        models.append(variant(template, id=f"many-{i}", name=f"Model number {i} with a long name", released=day))
    engine = Engine(KnowledgeBase.build(models, knowledge.vendors, knowledge.lexicon, knowledge.capabilities))
    pages = plan(answer_for(engine, "google openai alibaba deepseek"))
    assert len(pages) > 1 and not any(page.summary for page in pages)
    spans = [(page.first, page.last) for page in pages]
    assert spans[0][0] == 1 and spans[-1][1] == 12
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(spans))


def test_no_model_no_picture(engine: Engine) -> None:
    answer = answer_for(engine, nothing_words(engine.knowledge))
    assert not answer.models and render_timeline(answer) == ()


# -- /timeline in Telegram ----------------------------------------------------------------------------------


@dataclass
class PictureBot(Bot):
    pictures: TimelinePictures


async def start(store: KnowledgeStore) -> PictureBot:
    api, pictures = RecordingRequest(), TimelinePictures(store)
    app = build_application(
        make_settings(), store, request=api, get_updates_request=RecordingRequest(), pictures=pictures
    )
    await app.initialize()
    api.clear()
    return PictureBot(app, api, UpdateFactory(), store, pictures)


@pytest.fixture
async def bot(engine: Engine) -> AsyncIterator[PictureBot]:
    running = await start(KnowledgeStore(KNOWLEDGE, engine))
    yield running
    await running.app.shutdown()


async def test_timeline_sends_a_photo_with_caption_and_list_button(bot: PictureBot, engine: Engine) -> None:
    await bot.send(bot.make.message("/timeline 谷歌", language_code="en"))
    assert [c.method for c in bot.api.calls] == ["sendChatAction", "sendPhoto"]
    assert bot.api.of("sendChatAction")[0]["action"] == "upload_photo"
    ((params, upload),) = bot.api.photos()
    assert upload.filename == "timeline-1.png" and upload.mimetype == "image/png"
    assert (size := png_size(upload.content)) is not None and size[0] == WIDTH
    google = len(engine.knowledge.by_vendor["Google"])
    assert (
        params["caption"].startswith("2025 年 AI 模型时间线 · 谷歌 Google")
        and f"共 {google} 个模型" in params["caption"]
    )
    assert params["parse_mode"] == "HTML" and params["chat_id"] == 42
    assert buttons(params) == [{"text": TG_STRINGS["btn_as_list"]["zh"], "callback_data": "l:zh:vgoogle"}]
    photo_message = bot.api.calls[-1].result
    assert photo_message["photo"][-1]["width"] == WIDTH and photo_message["caption"] == params["caption"]

    bot.api.clear()  # the button under the picture: the same selection as a text list, in a new message
    await bot.press("l:zh:vgoogle", message=photo_message)
    (listed,) = bot.api.sent()
    (as_list,) = await bot.say("/list 谷歌")
    assert listed["text"] == as_list["text"] and data_of(listed) == data_of(as_list)


async def test_a_repeated_request_is_served_from_the_cache_until_a_reload(engine: Engine, knowledge_copy: Path) -> None:
    bot = await start(KnowledgeStore(knowledge_copy, engine))
    await bot.send(bot.make.message("/timeline google Q1"))
    await bot.send(bot.make.message("/timeline Google q1", language_code="zh"))  # same filters, same language
    first, second = bot.api.photos()
    assert bot.pictures.stats.drawn == 1 and bot.pictures.stats.hits == 1
    assert first[1].content == second[1].content and len(bot.api.of("sendChatAction")) == 1
    (upload,) = [call for call in bot.api.calls if call.method == "sendPhoto" and call.files]  # sent once
    assert second[0]["photo"] == upload.result["photo"][-1]["file_id"]  # then named by Telegram's file_id

    def add_model(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        new: dict[str, Any] = {
            "id": "gemini-q1-new",
            "name": "Gemini Q1 New",
            "aliases": [],
            "released": "2025-02-14",
            "ga": None,
        }
        return [*entries, dict(entries[0], **new, milestones=None)]

    edit_models(knowledge_copy, "google.yaml", add_model)
    await bot.send(bot.make.message("/reload", user_id=ADMIN))
    await bot.send(bot.make.message("/timeline google Q1"))
    assert bot.pictures.stats.drawn == 2 and bot.store.version == 2
    q1 = len(answer_for(engine, "google Q1").models)
    assert f"{q1} models" in first[0]["caption"] and f"{q1 + 1} models" in bot.api.photos()[-1][0]["caption"]
    await bot.app.shutdown()


async def test_an_empty_selection_is_answered_in_text(bot: PictureBot, engine: Engine) -> None:
    (reply,) = await bot.say(f"/timeline {nothing_words(engine.knowledge)}")
    assert not bot.api.photos() and "没有找到符合条件的模型" in reply["text"]


async def test_words_that_are_no_filter_get_a_usage_hint(bot: PictureBot) -> None:
    (reply,) = await bot.say("/timeline bananas")
    assert reply["text"] == esc(TG_STRINGS["timeline_unknown"]["en"].format(words="bananas"))
    assert not bot.api.photos()
    await bot.say("/timeline video models from january to june")  # words beside filters pass, as in /list
    ((params, _),) = bot.api.photos()
    assert params["caption"].startswith("AI models of 2025: timeline · video generation · Jan–Jun")


async def test_timeline_in_a_group_topic(bot: PictureBot) -> None:
    await bot.send(bot.make.message("/timeline@AlmanacTestBot 视频", chat_type="supergroup", thread_id=7))
    ((params, _),) = bot.api.photos()
    assert params["chat_id"] < 0 and params["message_thread_id"] == 7


async def test_a_capability_survives_the_list_button(bot: PictureBot, engine: Engine) -> None:
    """编程 is a capability filter: the button under its picture must list the same models, not all."""
    await bot.send(bot.make.message("/timeline 编程"))
    *_, (params, _) = bot.api.photos()  # the button sits under the last picture
    (data,) = data_of(params)
    assert data == "l:zh:kcoding"
    bot.api.clear()
    await bot.press(data)
    (listed,) = bot.api.sent()
    coding = answer_for(engine, "编程")
    assert f"共 {len(coding.models)} 个" in listed["text"]
    assert len(coding.models) < len(engine.knowledge.models)


@pytest.mark.parametrize(
    "words", ["编程", "混合推理", "国产 开源 Q3", "google video", "reasoning models with audio input"]
)
def test_the_list_button_keeps_every_filter(engine: Engine, words: str) -> None:
    answer = answer_for(engine, words)
    pressed = resolve(list_data(answer, engine), engine)
    assert pressed is not None and not pressed.edit
    assert pressed.answer.filters == answer.filters and pressed.answer.models == answer.models


async def test_a_file_id_telegram_no_longer_knows_is_uploaded_again(bot: PictureBot) -> None:
    await bot.send(bot.make.message("/timeline google q1"))
    bot.api._uploads.clear()  # Telegram forgot the file (or the bot's token changed)
    await bot.send(bot.make.message("/timeline google q1"))
    sends = [call for call in bot.api.calls if call.method == "sendPhoto"]
    assert [(bool(call.files), call.result is not None) for call in sends] == [
        (True, True),
        (False, False),
        (True, True),
    ]
    assert bot.pictures.stats.drawn == 1


def test_a_list_button_only_in_the_bots_own_spelling(engine: Engine) -> None:
    answer = answer_for(engine, "google open weights")
    data = list_data(answer, engine)
    assert data == "l:en:vgoogle.o1" and resolve(data, engine) is not None
    for forged in ("l:en:o1.vgoogle", "l:en:vgoogle.o1.", "l:en:vGoogle.o1", "l:en:vgoogle.o01", "l:xx:vgoogle.o1"):
        assert resolve(forged, engine) is None, forged
