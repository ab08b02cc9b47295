"""Question → ``Answer``: which intent, which models, in which order, and what was understood.

The engine reads one immutable knowledge snapshot and holds no other state, so it can answer from any
thread or task; ``/reload`` builds a new engine and swaps the reference.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from bot.engine.filters import METRICS, FilterIndex, Filters, Metric, month_range
from bot.engine.intents import Cues, Rules
from bot.engine.matcher import Mention, NameMatcher, Target
from bot.engine.normalize import Lang, normalize
from bot.kb import KnowledgeBase
from bot.kb.names import fold_name, name_words
from bot.kb.schema import GENERIC_WORDS, Model

DEFAULT_LATEST = 5
MAX_LATEST = 20
SUPERLATIVE_SHOWN = 5
SUGGESTIONS = 3

OutOfScope = Literal["topic", "legacy", "unknown", "subjective"]
_VERSION_AFTER_NAME = re.compile(r"\s*([a-z]?\d+(?:\.\d+)*[a-z]*)(?![\d.])")
_YEAR = re.compile(r"20\d\d")
_NEXT_WORD = re.compile(r"\s*([a-z0-9][a-z0-9.]*)")
_NAMEISH = re.compile(r"[a-z][a-z0-9]*\d[a-z0-9.]*|\d+[a-z]+[a-z0-9]*|[a-z]{2,}")
_WORDS = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*|[\u3400-\u9fff]+")


class Intent(StrEnum):
    CARD = "card"
    FIELD = "field"
    COMPARE = "compare"
    LIST = "list"
    COUNT = "count"
    LATEST = "latest"
    SUPERLATIVE = "superlative"
    CLARIFY = "clarify"
    HELP = "help"
    OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the engine understood and found; renderers turn it into text."""

    intent: Intent
    lang: Lang
    question: str
    models: tuple[Model, ...] = ()
    suggestions: tuple[Model, ...] = ()
    fact: str | None = None
    filters: Filters = field(default_factory=Filters)
    metric: Metric | None = None
    total: int = 0
    lowest: bool = False  # superlatives: smallest first
    reason: OutOfScope | None = None
    unknown_name: str | None = None  # a name the question used that the knowledge does not have
    vendor_names: Mapping[str, str] = field(default_factory=dict, repr=False)  # vendor → Chinese name
    capability_names: Mapping[str, tuple[str, str]] = field(default_factory=dict, repr=False)  # id → (zh, en)

    def vendor_label(self, vendor: str) -> str:
        """ "谷歌 Google" in Chinese answers (where the names differ), "Google" in English ones."""
        zh = self.vendor_names.get(vendor, vendor)
        return f"{zh} {vendor}" if self.lang == "zh" and zh != vendor else vendor

    def capability_label(self, capability: str) -> str:
        zh, en = self.capability_names.get(capability, (capability, capability))
        return zh if self.lang == "zh" else en


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


@dataclass(frozen=True, slots=True)
class _Reading:
    """One question as understood so far: the text, the names in it, and the cue words around them."""

    text: str
    mentions: tuple[Mention, ...]
    masked: str  # the text with names blanked out, so "Qwen-Image" never reads as the word "image"
    cues: Cues

    def leftover_words(self) -> list[str]:
        """Words that are neither names nor cue phrases: possibly a misspelt or unknown name."""
        return _WORDS.findall(_mask(self.masked, self.cues.spans()))


def _vendor_words(reading: _Reading) -> list[str]:
    """The words of the vendor names in the question ("mistral" of "mistral small")."""
    return [word for m in reading.mentions if m.first("vendor") for word in name_words(reading.text[m.start : m.end])]


class Engine:
    """Answers questions from one knowledge snapshot."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self.rules = Rules(knowledge.lexicon, {c.id: c.words for c in knowledge.capabilities})
        self.names = NameMatcher(knowledge)
        self.index = FilterIndex(knowledge)
        self._vendor_names = MappingProxyType({v.name: v.name_zh for v in knowledge.vendors})
        self._capability_names = MappingProxyType({c.id: (c.name_zh, c.name_en) for c in knowledge.capabilities})

    # -- understanding -------------------------------------------------------------------------------

    def _read(self, text: str) -> _Reading:
        mentions = self.names.scan(text)
        cues = self.rules.read(_mask(text, ((m.start, m.end) for m in mentions)))
        family_cue = cues.found("family_cue")
        kept = []
        for mention in mentions:
            # a family without a version ("GPT", "Step", "Wan") only counts when asked about as a family
            asked = family_cue or self.rules.read(text[mention.start : mention.end]).found("family_cue")
            targets = tuple(
                t for t in mention.targets if t.kind != "family" or asked or any(c.isdigit() for c in t.value)
            )
            model = self.knowledge.by_id[t.value] if (t := mention.first("model")) else None
            names_family = model is not None and model.family and fold_name(model.family) == fold_name(model.name)
            if asked and model and model.family and names_family and not mention.first("family"):
                # "智谱GLM-4.5 系列": an alias of the model that names its whole family
                targets = (Target("family", model.family), *targets)
            if targets:
                kept.append(replace(mention, targets=targets))
        masked = _mask(text, ((m.start, m.end) for m in kept))
        if len(kept) != len(mentions):
            cues = self.rules.read(masked)
        return _Reading(text, tuple(kept), masked, cues)

    def _corrected(self, reading: _Reading) -> str | None:
        """The question with misspelt name words corrected, or None when nothing needed correcting."""
        text = reading.text
        changed = False
        for word in reading.leftover_words():
            if self.names.is_known_word(word):
                continue
            fix = self.names.correct(word)
            if fix and fix != word:
                text = re.sub(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", fix, text, count=1)
                changed = True
        return text if changed else None

    def _candidates(self, leftovers: list[str], reading: _Reading, filters: Filters) -> tuple[Model, ...]:
        """Models an unresolved name could mean: "mistral small" → Mistral Small 3, 3.1, 3.2."""
        words = name_words(" ".join(leftovers))
        loose = self.names.models_with_words(words)
        if filters.vendors:
            loose = [m for m in loose if m.vendor in filters.vendors]
        vendor_words = _vendor_words(reading)
        strict = self.names.models_with_words(vendor_words + words) if vendor_words else []
        return tuple(strict if len(strict) >= 2 or not loose else loose)

    def _filters(self, reading: _Reading) -> Filters:
        cues, mentions = reading.cues, reading.mentions
        family_cue = cues.found("family_cue")
        vendors = frozenset(t.value for m in mentions if (t := m.first("vendor")) and m.first("model") is None)
        family = next(
            (t.value for m in mentions if (t := m.first("family")) and (family_cue or not m.first("vendor"))), None
        )
        start = end = None
        months = cues.numbers("months") or self.rules.months_by_regex(reading.masked)
        quarters = cues.numbers("quarters")
        halves = cues.numbers("halves")
        if span := self.rules.month_span(reading.masked):
            start, end = month_range(*span)
        elif months:  # "3月和4月": from the first to the last month named
            start, end = month_range(min(months), max(months))
        elif quarters:
            start, end = month_range(3 * min(quarters) - 2, 3 * max(quarters))
        elif halves:
            start, end = month_range(6 * min(halves) - 5, 6 * max(halves))
        words = cues.strings("input_words") if cues.found("input_cue") else []
        input_modality = words[0] if words else None
        open_values = cues.values("open_weights")
        countries = cues.strings("countries")
        return Filters(
            vendors=vendors,
            country=countries[0] if countries and countries[0] != "all" else None,
            family=family,
            open_weights=bool(open_values[0]) if open_values else None,
            start=start,
            end=end,
            types=frozenset() if input_modality else frozenset(cues.strings_outside("types", "capabilities")),
            capabilities=frozenset(cues.strings("capabilities")),
            reasoning=True if cues.found("reasoning") else None,
            input_modality=input_modality,
        )

    # -- answering -----------------------------------------------------------------------------------

    def answer(self, text: str, context: Answer | None = None) -> Answer:
        """Answer one question; ``context`` is the conversation's previous answer, if any. Never raises."""
        question = normalize(text)
        base = Answer(
            Intent.HELP,
            question.lang,
            question.original,
            total=len(self.knowledge.models),
            vendor_names=self._vendor_names,
            capability_names=self._capability_names,
        )
        if not question.text or self.rules.help_only(question.text):
            return base
        reading = self._read(self.rules.rewrite(question.text))
        if (corrected := self._corrected(reading)) is not None:
            reading = self._read(corrected)
        return self._decide(base, reading)

    def _elliptical(self, model: Model, reading: _Reading) -> Model | None:
        """The second model of "Gemini 2.5 Flash-Lite 和 Flash" or "sonnet 4.5 vs 4", named by difference."""
        words = name_words(" ".join(reading.leftover_words()))
        if not words:
            return None
        own = list(self.names.official_words(model))
        version_at = next((i for i, word in enumerate(own) if any(c.isdigit() for c in word)), None)
        if version_at is None:
            candidate = own[:1] + words
        elif len(words) == 1 and any(c.isdigit() for c in words[0]):
            candidate = [*own[:version_at], words[0], *own[version_at + 1 :]]  # another version of it
        else:
            candidate = [*own[: version_at + 1], *words]  # another edition of the same version
        other = self.names.model_named(" ".join(candidate))
        return other if other is not model else None

    def _about(self, base: Answer, model: Model, cues: Cues) -> Answer:
        """One model: its card, or the one fact asked about ("上下文多长")."""
        asked = cues.values("fields")
        fact = next((f for f in self.rules.field_order if f in asked), None)
        return replace(base, intent=Intent.FIELD if fact else Intent.CARD, models=(model,), fact=fact)

    def _dangling(self, base: Answer, model: Model, reading: _Reading) -> Answer | None:
        """ "grok 4 mini", "qwen3 omin": a known name followed by a name word that changes which model is
        meant. Answering the shorter name would be a wrong card, so ask instead."""
        mention = next(m for m in reading.mentions if (t := m.first("model")) and t.value == model.id)
        word_match = _NEXT_WORD.match(reading.masked, mention.end)
        if word_match is None or any(s <= word_match.start(1) < e for s, e in reading.cues.spans()):
            return None
        word = word_match.group(1)
        if _YEAR.fullmatch(word):
            return None
        spelled = [word] if (word[:1].isdigit() or self.names.is_known_word(word)) else self.names.close_words(word)
        # only words that name this vendor's models ("mini" for xAI; not "use" for OpenAI)
        spelled = [w for w in spelled if w[:1].isdigit() or self.names.vendor_uses_word(model.vendor, w)]
        if not spelled:
            return None
        own = name_words(reading.text[mention.start : mention.end])
        meant = [m for w in spelled for m in self.names.models_with_words([*own, w])]
        if model in meant:
            return None  # "gemini 2.5 pro preview", "kimi k2 0905": still the same model
        suggestions = tuple(dict.fromkeys([*meant, model]))[:SUGGESTIONS]
        name = f"{reading.text[mention.start : mention.end]} {word}"
        return replace(base, intent=Intent.CLARIFY, suggestions=suggestions, unknown_name=None if meant else name)

    def _unknown_version(self, reading: _Reading) -> str | None:
        """ "Claude 5", "DeepSeek R2": a known vendor or family with a version the knowledge does not have."""
        cue_spans = reading.cues.spans()
        for mention in reading.mentions:
            if mention.first("model") or not mention.first("vendor", "family"):
                continue
            match = _VERSION_AFTER_NAME.match(reading.masked, mention.end)
            if match is None or _YEAR.fullmatch(match.group(1)):
                continue
            if any(start <= match.start(1) < end for start, end in cue_spans):
                continue
            words = name_words(reading.text[mention.start : mention.end])
            if not self.names.models_with_words([*words, match.group(1)]):  # "豆包1.5" exists, "claude 5" not
                return f"{reading.text[mention.start : mention.end]} {match.group(1)}"
        return None

    def _unresolved_name(
        self, base: Answer, reading: _Reading, filters: Filters, leftovers: list[str]
    ) -> Answer | None:
        """A name that matched nothing exactly: the one model it can only mean, candidates to choose from,
        or a plain "not in the knowledge" when it has a version that does not exist."""
        words = reading.leftover_words()
        versions = [w for w in words if w[:1].isdigit() and not _YEAR.fullmatch(w)]
        candidates = self._candidates(leftovers + versions, reading, filters)
        given = set(name_words(" ".join(words)))
        missing = set(self.names.official_words(candidates[0])) - given if candidates else set()
        if len(candidates) == 1 and not missing & GENERIC_WORDS:
            # "nemotron ultra" → the one model; but "o4" is not o4-mini: a variant word is missing
            return self._about(base, candidates[0], reading.cues)
        if candidates:
            return replace(base, intent=Intent.CLARIFY, suggestions=candidates[:SUGGESTIONS])
        vendor_names = [reading.text[m.start : m.end] for m in reading.mentions if m.first("vendor")]
        unknown = " ".join([*vendor_names, *(w for w in words if w in leftovers or w in versions)])
        close = [m for m in self.names.closest_models(unknown) if not filters.vendors or m.vendor in filters.vendors]
        if close:
            return replace(base, intent=Intent.CLARIFY, suggestions=tuple(close), unknown_name=unknown)
        if versions:  # "claude opus 4.9": a version that does not exist is never a vendor list
            return replace(base, intent=Intent.OUT_OF_SCOPE, reason="unknown", unknown_name=unknown)
        return None

    @staticmethod
    def _metric(cues: Cues) -> Metric:
        """What a superlative ranks by: "oldest" alone, else the metric word (parameters when none is named)."""
        if cues.found("oldest"):
            return "oldest"
        named = [metric for metric in METRICS if metric in cues.strings("metrics")]
        return named[0] if named else "params_total"

    def _decide(self, base: Answer, reading: _Reading) -> Answer:
        cues = reading.cues
        family_cue = cues.found("family_cue")
        models = tuple(
            dict.fromkeys(
                self.knowledge.by_id[t.value]
                for m in reading.mentions
                if (t := m.first("model")) and not (family_cue and m.first("family"))
            )
        )
        asks_for_models = cues.found("list_words") or cues.found("count") or cues.found("model_words")
        if cues.found("out_of_scope") and not models and not (cues.found("capabilities") and asks_for_models):
            # "写一段代码" is a task for another bot; "哪些模型擅长写代码" is a question about models
            return replace(base, intent=Intent.OUT_OF_SCOPE, reason="topic")
        pair = len(models) == 1 and (cues.found("compare") or cues.found("conjunctions"))
        if pair and (other := self._elliptical(models[0], reading)) is not None:
            models = (*models, other)
        if len(models) >= 2:
            return replace(base, intent=Intent.COMPARE, models=models[:3])
        if len(models) == 1 and (doubt := self._dangling(base, models[0], reading)):
            return doubt
        if len(models) == 1:
            return self._about(base, models[0], cues)
        legacy = next((m.targets[0].value for m in reading.mentions if m.targets[0].kind == "legacy"), None)
        if legacy:
            return replace(base, intent=Intent.OUT_OF_SCOPE, reason="legacy", unknown_name=legacy)
        if unknown := self._unknown_version(reading):
            return replace(base, intent=Intent.OUT_OF_SCOPE, reason="unknown", unknown_name=unknown)

        filters = self._filters(reading)
        list_cue = cues.found("list_words") or cues.found("count")
        if filters.family is not None and not (family_cue or list_cue):
            members = sorted(  # the plainest names first ("Gemini 2.5 Pro" before "… Computer Use"), then newest
                self.knowledge.by_family[filters.family],
                key=lambda m: (len(self.names.official_words(m)), -m.released.toordinal()),
            )
            extra = [w for w in reading.leftover_words() if _NAMEISH.fullmatch(w)]  # "gemini 2.5 ultra"
            unknown = " ".join([filters.family, *extra]) if extra else None
            return replace(base, intent=Intent.CLARIFY, suggestions=tuple(members[:SUGGESTIONS]), unknown_name=unknown)
        ranking = cues.found("extreme") or cues.found("least")
        if cues.found("oldest") or (ranking and not cues.found("latest")):
            metric = self._metric(cues)
            lowest = cues.found("least") and not cues.found("extreme") and metric != "oldest"
            top, total = self.index.ranked(filters, metric, SUPERLATIVE_SHOWN, lowest=lowest)
            return replace(
                base, intent=Intent.SUPERLATIVE, filters=filters, metric=metric, lowest=lowest, models=top, total=total
            )
        if cues.found("subjective"):
            return replace(base, intent=Intent.OUT_OF_SCOPE, reason="subjective")

        words = reading.leftover_words()
        leftovers = [w for w in words if _NAMEISH.fullmatch(w)]
        # "mistral medium 开源吗" still names a model; "哪些 AI 模型是开源的" does not
        name_question = not list_cue and replace(filters, vendors=frozenset(), open_weights=None).empty
        if leftovers and name_question and (named := self._unresolved_name(base, reading, filters, leftovers)):
            return named

        if cues.found("latest") and filters.start is None:
            count = min(max(self.rules.requested_count(reading.masked) or DEFAULT_LATEST, 1), MAX_LATEST)
            newest, total = self.index.latest(filters, count)
            return replace(base, intent=Intent.LATEST, filters=filters, models=newest, total=total)
        if list_cue and filters.empty and not cues.found("model_words"):
            return replace(base, intent=Intent.OUT_OF_SCOPE, reason="topic")  # "今天几号", "汇率多少"
        if list_cue or not filters.empty:
            found = self.index.select(filters)
            intent = Intent.COUNT if cues.found("count") else Intent.LIST
            return replace(base, intent=intent, filters=filters, models=found, total=len(found))
        if leftovers:
            return replace(base, intent=Intent.OUT_OF_SCOPE, reason="unknown", unknown_name=" ".join(words))
        return replace(base, intent=Intent.OUT_OF_SCOPE, reason="topic")
