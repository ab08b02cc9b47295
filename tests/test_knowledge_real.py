"""The real knowledge base: complete, consistent and indexed the way questions need it."""

import json
import re
from datetime import date

from bot.__main__ import json_schema
from bot.kb import KnowledgeBase
from bot.kb.names import fold_name
from tests.conftest import KNOWLEDGE


def test_every_model_is_sourced_described_and_dated(knowledge: KnowledgeBase) -> None:
    """Invariants that hold however many models are added (counts of real data are never pinned)."""
    assert knowledge.models and knowledge.vendors
    assert knowledge.open_weights_count == sum(1 for m in knowledge.models if m.open_weights)
    capability_ids = set(knowledge.capability_by_id)
    for model in knowledge.models:
        assert model.source.startswith("https://") and model.confidence in ("high", "medium"), model.name
        assert model.capabilities and set(model.capabilities) <= capability_ids, model.name
        assert any(step.date.year == 2025 for step in model.dates), model.name
        assert model.open_weights or (model.commercial_use is None and model.license == "proprietary"), model.name
        assert model.highlights_zh and len(model.highlights_zh) == len(model.highlights_en), model.name


def test_chinese_text_has_no_english_curation(knowledge: KnowledgeBase) -> None:
    """Notes and milestone names shown in Chinese answers are written in Chinese."""
    han = re.compile(r"[\u4e00-\u9fff]")
    for model in knowledge.models:
        for text in (model.license_note_zh, model.params_note_zh, *(s.stage_zh for s in model.milestones or ())):
            assert text is None or han.search(text), (model.name, text)


def test_every_capability_is_named_in_both_languages(knowledge: KnowledgeBase) -> None:
    for capability in knowledge.capabilities:
        assert capability.name_zh and capability.name_en and capability.words, capability.id


def test_ids_are_stable_slugs(knowledge: KnowledgeBase) -> None:
    ids = [m.id for m in knowledge.models]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) and len(i) <= 40 for i in ids)
    assert knowledge.by_id["gemini-2-5-pro"].name == "Gemini 2.5 Pro"


def test_every_name_and_alias_leads_to_its_model(knowledge: KnowledgeBase) -> None:
    for model in knowledge.models:
        for name in (model.name, *model.aliases):
            assert knowledge.by_key[fold_name(name)] is model, name


def test_spelling_variants_fold_to_one_key(knowledge: KnowledgeBase) -> None:
    for spelling in ("gpt4.1", "GPT 4.1", "ｇｐｔ－４．１", "Gpt_4.1"):
        assert knowledge.by_key[fold_name(spelling)].name == "GPT-4.1"
    assert knowledge.by_key[fold_name("o4 mini")].name == "o4-mini"
    assert knowledge.by_key[fold_name("qwen 2.5 max")].name == "Qwen2.5-Max"


def test_vendors_index(knowledge: KnowledgeBase) -> None:
    assert {m.vendor for m in knowledge.models} == set(knowledge.vendor_by_name)
    assert knowledge.vendor_by_key[fold_name("谷歌")].name == "Google"
    assert knowledge.vendor_by_key[fold_name("马斯克")].name == "xAI"
    assert sum(len(models) for models in knowledge.by_vendor.values()) == len(knowledge.models)
    assert all(v.homepage.startswith("https://") for v in knowledge.vendors)


def test_every_model_has_a_2025_date_and_ordered_dates(knowledge: KnowledgeBase) -> None:
    for model in knowledge.models:
        assert model.dates_in_year, model.name
        assert model.ga is None or model.released <= model.ga
    assert list(knowledge.models) == sorted(knowledge.models, key=lambda m: (m.released, m.name.casefold()))


def test_month_index_names_the_milestone(knowledge: KnowledgeBase) -> None:
    april = {(d.model.name, d.step.stage_en) for d in knowledge.by_month["2025-04"]}
    assert ("Gemini 2.5 Pro", "paid preview") in april
    february = {(d.model.name, d.step.stage_en) for d in knowledge.by_month["2025-02"]}
    assert ("Gemini 2.0 Flash", "GA") in february
    assert ("Gemini 2.0 Flash", "experimental") not in february


def test_family_index(knowledge: KnowledgeBase) -> None:
    assert {m.name for m in knowledge.by_family["Llama 4"]} == {"Llama 4 Scout", "Llama 4 Maverick"}
    assert knowledge.family_by_key[fold_name("gemini 2.5")] == "Gemini 2.5"


def test_prose_is_present_and_paired(knowledge: KnowledgeBase) -> None:
    for model in knowledge.models:
        assert model.summary_zh and model.summary_en
        assert 2 <= len(model.highlights_zh) == len(model.highlights_en) <= 4
        assert re.search(r"[\u4e00-\u9fff]", model.summary_zh), model.name


def test_snapshot_is_immutable(knowledge: KnowledgeBase) -> None:
    model = knowledge.models[0]
    for attempt in (
        lambda: setattr(model, "name", "x"),
        lambda: knowledge.by_id.__setitem__("x", model),
        lambda: setattr(knowledge, "models", ()),
    ):
        try:
            attempt()
        except (TypeError, AttributeError, ValueError):
            continue
        raise AssertionError("the snapshot accepted a change")


def test_committed_schemas_are_current() -> None:
    for kind, filename in (
        ("models", "schema.json"),
        ("vendors", "vendors.schema.json"),
        ("intents", "intents.schema.json"),
        ("capabilities", "capabilities.schema.json"),
    ):
        committed = json.loads((KNOWLEDGE / filename).read_text(encoding="utf-8"))
        assert committed == json_schema(kind), f"regenerate with: python -m bot schema {kind} > knowledge/{filename}"


def test_every_file_points_editors_at_its_schema() -> None:
    files = [KNOWLEDGE / "vendors.yaml", KNOWLEDGE / "intents.yaml", *sorted((KNOWLEDGE / "models").glob("*.yaml"))]
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file(), path


def test_dates_are_dates(knowledge: KnowledgeBase) -> None:
    model = knowledge.by_id["gemini-2-5-pro"]
    assert model.released == date(2025, 3, 25)
    assert model.ga == date(2025, 6, 17)
