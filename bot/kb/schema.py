"""Pydantic models of the knowledge files: the single definition of what a valid entry is.

Strict types everywhere (``context_window: "1M"`` is an error, not a coercion); dates are the one lax
field because YAML files spell them as text. The JSON Schema that editors use is generated from here.
"""

import re
from collections.abc import Callable
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from bot.kb.names import fold_name

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
_HTTPS_URL = re.compile(r"https://[^\s/$.?#][^\s]*")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _https_url(value: str) -> str:
    if not _HTTPS_URL.fullmatch(value):
        raise ValueError("must be an https:// URL")
    return value


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value) or len(value) > 40:
        raise ValueError("must be at most 40 lowercase letters, digits and single hyphens")
    return value


HttpsUrl = Annotated[
    str,
    StringConstraints(max_length=500),
    AfterValidator(_https_url),
    Field(json_schema_extra={"pattern": "^https://"}),
]
Day = Annotated[date, Strict(False)]
ModelId = Annotated[
    str, AfterValidator(_slug), Field(json_schema_extra={"pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 40})
]

ModelType = Literal["llm", "multimodal-llm", "image", "video", "audio", "embedding", "3d", "world-model", "other"]
Modality = Literal["text", "image", "audio", "video", "pdf", "embedding", "3d"]
Access = Literal["api", "app", "cloud", "weights"]
Reasoning = bool | Literal["hybrid", "variants"] | None
CommercialUse = Literal["yes", "conditional", "no"]
Confidence = Literal["high", "medium"]
Billions = Annotated[float, Strict(False), Field(gt=0, description="Billions of parameters (0.308 for 308M)")]
CapabilityId = Annotated[
    str, AfterValidator(_slug), Field(json_schema_extra={"pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 40})
]

YEAR = 2025


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


def _check_aliases(aliases: tuple[str, ...]) -> tuple[str, ...]:
    for alias in aliases:
        key = fold_name(alias)
        if len(key) < 2:
            raise ValueError(f"alias {alias!r} is too short to identify anything")
    return aliases


Aliases = Annotated[tuple[Text, ...], Strict(False), AfterValidator(_check_aliases)]


class Milestone(_Strict):
    """A dated step in a model's life (experimental, paid preview, GA ...), named in both languages."""

    date: Day
    stage_en: Text
    stage_zh: Text

    def stage(self, lang: str) -> str:
        return self.stage_zh if lang == "zh" else self.stage_en

    @property
    def is_release(self) -> bool:
        return self.stage_en == RELEASED


RELEASED = "released"  # the stage of the first public availability, which every model has
_RELEASED_ZH = "发布"
_GA = ("GA", "正式版")


def _both_or_neither(first: str, second: str) -> Callable[[Any, ValidationInfo], Any]:
    """A validator for ``second``: a note exists in both languages or in neither."""

    def check(value: Any, info: ValidationInfo) -> Any:
        if first in info.data and (info.data[first] is None) != (value is None):
            raise ValueError(f"{first} and {second} are given together or both null")
        return value

    return check


class Model(_Strict):
    """One AI model: the fact sheet's fields, plus id, aliases and the prose the bot shows."""

    id: ModelId = Field(description="Stable URL-safe slug used in buttons and deep links")
    name: Text = Field(description="Official name, exactly as in the fact sheet")
    aliases: Aliases = ()
    vendor: Text = Field(description="The vendor's `name` from vendors.yaml")
    family: Text | None
    released: Day = Field(description="First public availability in any form")
    ga: Day | None = Field(description="Later general availability, if different")
    milestones: Annotated[tuple[Milestone, ...], Strict(False)] | None
    type: ModelType
    reasoning: Reasoning = Field(description="true, false, hybrid (switchable) or variants (separate editions)")
    open_weights: bool
    license: Text | None = Field(
        description="Short name: an SPDX id where one exists, else the licence's own name, or proprietary; "
        "null when the weights' licence could not be confirmed"
    )
    license_note_en: Text | None = Field(description="What the short licence name leaves out")
    license_note_zh: Text | None
    commercial_use: CommercialUse | None = Field(description="Open weights only: yes, conditional or no")
    params_total_b: Billions | None
    params_active_b: Billions | None = Field(description="Active parameters per token (mixture of experts)")
    params_note_en: Text | None = Field(description="What the numbers leave out: sizes, how they were counted")
    params_note_zh: Text | None
    architecture: Text | None
    context_window: Annotated[int, Field(gt=0)] | None
    max_output: Annotated[int, Field(gt=0)] | None
    input_modalities: Annotated[tuple[Modality, ...], Strict(False), Field(min_length=1)]
    output_modalities: Annotated[tuple[Modality, ...], Strict(False), Field(min_length=1)]
    sizes: Annotated[tuple[Text, ...], Strict(False)] | None
    access: Annotated[tuple[Access, ...], Strict(False)]
    capabilities: Annotated[tuple[CapabilityId, ...], Strict(False), Field(min_length=1, max_length=5)] = Field(
        description="1-5 ids from capabilities.yaml, grounded in the model's own announcement"
    )
    source: HttpsUrl = Field(description="The primary source the facts were checked against")
    source2: HttpsUrl | None
    confidence: Confidence = Field(description="high: a primary source confirms the facts; medium: secondary ones")
    summary_zh: Text
    summary_en: Text
    highlights_zh: Annotated[tuple[Text, ...], Strict(False), Field(min_length=2, max_length=4)]
    highlights_en: Annotated[tuple[Text, ...], Strict(False), Field(min_length=2, max_length=4)]

    @field_validator("ga")
    @classmethod
    def _ga_not_before_release(cls, ga: date | None, info: ValidationInfo) -> date | None:
        released = info.data.get("released")
        if ga is not None and released is not None and ga < released:
            raise ValueError(f"ga {ga} is before released {released}")
        return ga

    _license_notes_pair = field_validator("license_note_zh")(_both_or_neither("license_note_en", "license_note_zh"))
    _params_notes_pair = field_validator("params_note_zh")(_both_or_neither("params_note_en", "params_note_zh"))

    @field_validator("commercial_use")
    @classmethod
    def _commercial_use_for_open_weights(cls, value: str | None, info: ValidationInfo) -> str | None:
        """yes, conditional or no for open weights (null: the terms could not be confirmed); null when closed."""
        if info.data.get("open_weights") is False and value is not None:
            raise ValueError("only open-weights models have commercial_use (null for proprietary models)")
        return value

    @field_validator("params_active_b")
    @classmethod
    def _active_not_above_total(cls, active: float | None, info: ValidationInfo) -> float | None:
        total = info.data.get("params_total_b")
        if active is not None and total is not None and active > total:
            raise ValueError(f"{active:g}B active is more than {total:g}B in total")
        return active

    @field_validator("highlights_en")
    @classmethod
    def _highlights_pair_up(cls, en: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        zh = info.data.get("highlights_zh")
        if zh is not None and len(zh) != len(en):
            raise ValueError(f"{len(en)} English highlights but {len(zh)} Chinese ones")
        return en

    @cached_property
    def dates(self) -> tuple[Milestone, ...]:
        """Every dated step (release, milestones, GA), earliest first, one per distinct date."""
        steps: dict[date, Milestone] = {
            self.released: Milestone(date=self.released, stage_en=RELEASED, stage_zh=_RELEASED_ZH)
        }
        for milestone in self.milestones or ():
            steps.setdefault(milestone.date, milestone)
        if self.ga is not None:
            steps[self.ga] = Milestone(date=self.ga, stage_en=_GA[0], stage_zh=_GA[1])
        return tuple(steps[day] for day in sorted(steps))

    @cached_property
    def dates_in_year(self) -> tuple[Milestone, ...]:
        return tuple(step for step in self.dates if step.date.year == YEAR)

    @property
    def params_b(self) -> float | None:
        """The parameter count a ranking uses: the total, else the active count."""
        return self.params_total_b if self.params_total_b is not None else self.params_active_b


class Vendor(_Strict):
    """An organisation behind models; aliases are the brands people use for it in questions."""

    name: Text
    name_zh: Text
    aliases: Aliases = ()
    country: Text
    homepage: HttpsUrl


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return pattern


Phrases = Annotated[tuple[Text, ...], Strict(False)]
Regexes = Annotated[tuple[Annotated[str, AfterValidator(_compiles)], ...], Strict(False)]


class Capability(_Strict):
    """One entry of knowledge/capabilities.yaml: what a model is good for, and the words people use for it."""

    id: CapabilityId
    name_zh: Text
    name_en: Text
    words: Phrases = Field(description="Phrases users type for it (lower case, simplified Chinese)")


FieldName = Literal[
    "price",
    "commercial_use",
    "released",
    "maker",
    "max_output",
    "context_window",
    "params",
    "license",
    "open_weights",
    "reasoning",
    "modalities",
    "access",
]
Metric = Literal["context_window", "max_output", "params_total"]


class PhraseRule(_Strict):
    phrases: Phrases = ()
    regex: Regexes = ()


class LegacyModels(_Strict):
    names: Phrases


class LatestWords(_Strict):
    phrases: Phrases
    count_regex: Regexes = Field(description="Each regex's first group is how many models were asked for")


class SuperlativeWords(_Strict):
    extreme: Phrases
    least: Phrases = ()
    oldest: Phrases
    metrics: dict[Metric, Phrases]


class OpenWeightsWords(_Strict):
    open: Phrases
    closed: Phrases


class InputModalityWords(_Strict):
    cue: Phrases
    words: dict[Modality, Phrases]


Dimension = Literal["params_total", "context_window", "max_output", "newer", "older"]


class FollowUpWords(_Strict):
    """Words that lean on the previous answer of a conversation."""

    markers: Phrases = Field(description='"那 X 呢", "what about X": the same question about something else')
    pronouns: Phrases = Field(description="它, this model, it: the model just answered about")
    compare: Phrases = Field(description='"和 X 比呢", "compare it with X"')
    within: Phrases = Field(description='"其中…", "of those": narrow the previous list')
    next_page: Phrases


class CompareWords(_Strict):
    which_one: Phrases = Field(description='"哪个", "which": a comparison that wants a winner')
    dimensions: dict[Dimension, Phrases] = Field(description="What a winner is picked by (besides metric words)")


class TimeWords(_Strict):
    months: dict[Annotated[int, Field(ge=1, le=12)], Phrases]
    quarters: dict[Annotated[int, Field(ge=1, le=4)], Phrases]
    halves: dict[Annotated[int, Field(ge=1, le=2)], Phrases]
    month_regex: Regexes = Field(description="Each regex's first group is a month number")
    month_range_regex: Regexes = Field(default=(), description="Groups 1 and 2: the first and last month")
    quarter_range_regex: Regexes = Field(default=(), description="Groups 1 and 2: the first and last quarter")


class Lexicon(_Strict):
    """knowledge/intents.yaml: the words and patterns behind every intent, tunable without code."""

    help: PhraseRule
    synonyms: dict[Text, Phrases] = Field(default_factory=dict, description="The word → spellings rewritten to it")
    out_of_scope_topics: PhraseRule
    legacy_models: LegacyModels
    filler: Phrases
    conjunctions: Phrases
    compare: PhraseRule
    count: PhraseRule
    latest: LatestWords
    superlative: SuperlativeWords
    fields: dict[FieldName, Phrases]
    list_words: Phrases
    model_words: Phrases = ()
    family_cue: Phrases
    family_aliases: dict[str, Phrases]
    subjective: Phrases = ()
    generic_words: Phrases = Field(
        default=(), description="Words that name a kind of model, not one: never an alias (they would hijack questions)"
    )
    all_models: Phrases = Field(default=(), description='"全部模型": the only list question without a filter')
    follow_up: FollowUpWords
    compare_words: CompareWords
    countries: dict[str, Phrases] = Field(default_factory=dict, description="Keys are vendors' `country` values")
    open_weights: OpenWeightsWords
    reasoning: Phrases
    hybrid_reasoning: Phrases = Field(default=(), description="Switchable thinking: a filter of its own")
    types: dict[ModelType, Phrases]
    input_modalities: InputModalityWords
    time: TimeWords
