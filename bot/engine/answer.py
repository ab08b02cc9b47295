"""Question → ``Answer``: which intent, which models, in which order, and what was understood.

The engine reads one immutable knowledge snapshot and holds no other state, so it can answer from any
thread or task; ``/reload`` builds a new engine and swaps the reference.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Literal, get_args

from bot.engine.filters import METRICS, FilterIndex, Filters, Metric, month_range
from bot.engine.intents import Cues, Rules
from bot.engine.matcher import Mention, NameMatcher, Target
from bot.engine.normalize import Lang, normalize
from bot.kb import KnowledgeBase
from bot.kb.names import fold_name, name_words
from bot.kb.schema import Dimension, Model

DEFAULT_LATEST = 5
MAX_LATEST = 20
SUPERLATIVE_SHOWN = 5
SUGGESTIONS = 3
MAX_MENTIONS = 12  # names read per question: a comparison takes three; more is a flood, not a question

OutOfScope = Literal["topic", "legacy", "unknown", "subjective", "filter"]
_VERSION_AFTER_NAME = re.compile(r"(?:\s*[a-z]{3,})?\s*([a-z]?\d+(?:\.\d+)*[a-z]*)(?![\d.])")  # "opus 6" too
_YEAR = re.compile(r"20\d\d")
_NEXT_WORD = re.compile(r"\s*([a-z0-9][a-z0-9.]*)")
_NAMEISH = re.compile(r"[a-z][a-z0-9]*\d[a-z0-9.]*|\d+[a-z]+[a-z0-9]*|[a-z]{2,}")
_WORDS = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*|[\u3400-\u9fff]+")


_DIMENSION_OF_FACT: dict[str, Dimension] = {
    "context_window": "context_window",
    "max_output": "max_output",
    "params": "params_total",
    "released": "newer",
}


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
    subjective: bool = False  # "最好的…": a list by capability, not a ranking
    page: int = 0  # "下一页": which page of a list the conversation is on
    dimension: Dimension | None = None  # comparisons: "哪个参数多" picks a winner by this
    recent: tuple[Model, ...] = ()  # the models a conversation has been about, latest last ("哪个新" compares them)
    unknown_name: str | None = None  # a name the question used that the knowledge does not have
    vendor_names: Mapping[str, str] = field(default_factory=dict, repr=False)  # vendor → Chinese name
    capability_names: Mapping[str, tuple[str, str]] = field(default_factory=dict, repr=False)  # id → (zh, en)
    vendor_countries: Mapping[str, str] = field(default_factory=dict, repr=False)

    def vendor_label(self, vendor: str) -> str:
        """ "谷歌 Google" in Chinese answers (where the names differ), "Google" in English ones."""
        zh = self.vendor_names.get(vendor, vendor)
        return f"{zh} {vendor}" if self.lang == "zh" and zh != vendor else vendor

    def capability_label(self, capability: str) -> str:
        zh, en = self.capability_names.get(capability, (capability, capability))
        return zh if self.lang == "zh" else en


@dataclass(frozen=True, slots=True)
class FilterWords:
    """What a command's filter words ask for, in which language, and the words that are no filter."""

    filters: Filters
    lang: Lang
    unknown: tuple[str, ...] = ()  # a misspelt or unknown word, or a model's name

    @property
    def not_understood(self) -> bool:
        """Words, none of them a filter: like a list question, ask again rather than show everything."""
        return bool(self.unknown) and self.filters.empty


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
        self._vendor_countries = MappingProxyType({v.name: v.country for v in knowledge.vendors})
        self._generic_words = frozenset(fold_name(word) for word in knowledge.lexicon.generic_words)

    # -- understanding -------------------------------------------------------------------------------

    def _read(self, text: str, listing: bool = False) -> _Reading:
        """``listing``: the text is known to ask for a list (a command's filter words)."""
        mentions = self.names.scan(text)[:MAX_MENTIONS]
        cues = self.rules.read(_mask(text, ((m.start, m.end) for m in mentions)))
        family_cue = cues.found("family_cue")
        kept = []
        for mention in mentions:
            # a short family name without a version ("GPT", "Step", "Wan") only counts when asked about as a family;
            # a long one ("HunyuanImage", "Seedream") is a name in itself
            # "gpt-oss 有哪几个", "which Kling models": a list question about the family counts too
            asked = listing or family_cue or cues.found("list_words") or cues.found("count")
            asked = asked or self.rules.read(text[mention.start : mention.end]).found("family_cue")
            targets = tuple(
                t
                for t in mention.targets
                if t.kind != "family" or asked or any(c.isdigit() for c in t.value) or len(fold_name(t.value)) >= 8
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
        for word in dict.fromkeys(reading.leftover_words()):  # each distinct word once, however often typed
            if self.names.is_known_word(word):
                continue
            fix = self.names.correct(word)
            if fix and fix != word:
                text = re.sub(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", fix, text)
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
            reasoning=True if cues.found("reasoning") and not cues.found("hybrid") else None,
            hybrid=cues.found("hybrid"),
            input_modality=input_modality,
        )

    # -- the structured API: commands and buttons are already precise, so they skip question reading --------

    def blank(self, lang: Lang) -> Answer:
        """An empty answer in ``lang`` carrying the snapshot's labels (vendor names, totals), to fill in."""
        return Answer(
            Intent.HELP,
            lang,
            "",
            total=len(self.knowledge.models),
            vendor_names=self._vendor_names,
            capability_names=self._capability_names,
            vendor_countries=self._vendor_countries,
        )

    def card(self, model: Model, lang: Lang) -> Answer:
        return replace(self.blank(lang), intent=Intent.CARD, models=(model,))

    def compare(self, models: tuple[Model, ...], lang: Lang) -> Answer:
        return replace(self.blank(lang), intent=Intent.COMPARE, models=models[:3])

    def listing(self, filters: Filters, lang: Lang, intent: Intent = Intent.LIST) -> Answer:
        """Every model matching ``filters``: the same models, in the same order, as a question's list."""
        found = self.index.select(filters)
        return replace(self.blank(lang), intent=intent, filters=filters, models=found, total=len(found))

    def latest(self, count: int, lang: Lang, filters: Filters | None = None) -> Answer:
        newest, total = self.index.latest(filters or Filters(), min(max(count, 1), MAX_LATEST))
        return replace(self.blank(lang), intent=Intent.LATEST, filters=filters or Filters(), models=newest, total=total)

    def models_in(self, text: str) -> tuple[Model, ...]:
        """The models named in ``text``, in order (typos corrected), without reading it as a question."""
        reading = self._understand(normalize(text).text)
        ids = (t.value for m in reading.mentions if (t := m.first("model")))
        return tuple(dict.fromkeys(self.knowledge.by_id[i] for i in ids))

    # -- answering -----------------------------------------------------------------------------------

    def answer(self, text: str, context: Answer | None = None) -> Answer:
        """Answer one question; ``context`` is the conversation's previous answer, if any. Never raises."""
        question = normalize(text)
        base = replace(self.blank(question.lang), question=question.original)
        if not question.text or self.rules.help_only(question.text):
            return base
        answer = self._decide(base, self._understand(question.text), context)
        if answer.intent in (Intent.CARD, Intent.FIELD) and answer.models:
            earlier = [m for m in (context.recent if context else ()) if m is not answer.models[0]]
            answer = replace(answer, recent=(*earlier[-2:], answer.models[0]))
        return answer

    def _understand(self, text: str, listing: bool = False) -> _Reading:
        """Read normalised text: misspellings rewritten, names found, misspelt name words corrected."""
        reading = self._read(self.rules.rewrite(text), listing)
        if (corrected := self._corrected(reading)) is not None:
            reading = self._read(corrected, listing)
        return reading

    @staticmethod
    def _not_filters(reading: _Reading) -> list[str]:
        """Model names and unknown words: what a filter-only command cannot use."""
        models = [reading.text[m.start : m.end] for m in reading.mentions if m.first("model") and not m.first("vendor")]
        return list(dict.fromkeys([*models, *(w for w in reading.leftover_words() if _NAMEISH.fullmatch(w))]))

    def read_filters(self, words: str) -> FilterWords:
        """Filter words read exactly as a list question reads them (``/timeline 开源 谷歌 Q1``), for commands
        that take filters and need no intent: one parser for every list, picture or count. Words that are
        no filter are returned as the user spelt them, not as typo correction left them."""
        question = normalize(words)
        reading = self._understand(question.text, listing=True)
        unknown = self._not_filters(reading)
        if unknown:
            unknown = self._not_filters(self._read(self.rules.rewrite(question.text), listing=True)) or unknown
        return FilterWords(self._filters(reading), question.lang, tuple(unknown))

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
                return " ".join(reading.text[mention.start : match.end()].split())
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
        if len(candidates) == 1 and not missing & self._generic_words:
            # "nemotron ultra" → the one model; but "o4" is not o4-mini: a variant word is missing
            return self._about(base, candidates[0], reading.cues)
        if candidates:
            return replace(base, intent=Intent.CLARIFY, suggestions=candidates[:SUGGESTIONS])
        vendor_names = [reading.text[m.start : m.end] for m in reading.mentions if m.first("vendor")]
        unknown = " ".join([*vendor_names, *(w for w in words if w in leftovers or w in versions)])
        close = tuple(
            m for m in self.names.closest_models(unknown) if not filters.vendors or m.vendor in filters.vendors
        )
        if versions:  # "GPT-7", "claude opus 4.9": a version nobody released is said plainly, with the nearest names
            return replace(base, intent=Intent.OUT_OF_SCOPE, reason="unknown", unknown_name=unknown, suggestions=close)
        if close:
            return replace(base, intent=Intent.CLARIFY, suggestions=close, unknown_name=unknown)
        return None

    @staticmethod
    def _metric(cues: Cues) -> Metric:
        """What a superlative ranks by: "oldest" alone, else the metric word (parameters when none is named)."""
        if cues.found("oldest"):
            return "oldest"
        named = [metric for metric in METRICS if metric in cues.strings("metrics")]
        return named[0] if named else "params_total"

    # -- the rules, in the order they are tried ---------------------------------------------------------

    def _decide(self, base: Answer, reading: _Reading, context: Answer | None) -> Answer:
        """The first rule that recognises the question answers it; the order is the meaning."""
        question = _Question(self, base, reading, context)
        for rule in self._rules:
            if (answer := rule(question)) is not None:
                return answer
        return question.out_of_scope("topic")

    @property
    def _rules(self) -> tuple[Callable[["_Question"], Answer | None], ...]:
        return (
            self._rule_off_topic,
            self._rule_follow_up,
            self._rule_several_models,
            self._rule_dangling_name,
            self._rule_one_model,
            self._rule_legacy,
            self._rule_unknown_version,
            self._rule_family_only,
            self._rule_superlative,
            self._rule_subjective,
            self._rule_unresolved_name,
            self._rule_latest,
            self._rule_not_about_models,
            self._rule_listing,
            self._rule_unknown_words,
        )

    def _rule_off_topic(self, q: "_Question") -> Answer | None:
        """ "写一段代码" is a task for another bot; "哪些模型擅长写代码" is a question about models."""
        cues = q.cues
        if cues.found("out_of_scope") and not q.models and not (cues.found("capabilities") and q.asks_for_models):
            return q.out_of_scope("topic")
        return None

    def _rule_follow_up(self, q: "_Question") -> Answer | None:
        """A question that leans on the previous answer: 它开源吗 · 那 Flash 呢 · 和 o3 比呢 · 开源的呢 · 下一页."""
        context, cues = q.context, q.cues
        if context is None:
            return None
        focus = context.models[0] if context.intent in (Intent.CARD, Intent.FIELD) and context.models else None
        if len(q.models) == 1 and (focus is not None or context.intent == Intent.COMPARE):
            other, first = q.models[0], focus if focus is not None else context.models[0]
            if other is not first and (
                cues.found("compare") or cues.found("compare_follow") or cues.found("which_one")
            ):
                return replace(q.base, intent=Intent.COMPARE, models=(first, other), dimension=self._dimension(cues))
            if cues.found("follow_marker") and not cues.found("fields") and context.intent == Intent.FIELD:
                return replace(q.base, intent=Intent.FIELD, models=(other,), fact=context.fact)
            return None
        if q.models or q.legacy:
            return None
        pair = context.models if context.intent == Intent.COMPARE else context.recent[-2:]
        if len(pair) >= 2 and cues.found("which_one"):  # "哪个新", "两个哪个长" after two models
            dimension = self._dimension(cues) or _DIMENSION_OF_FACT.get(context.fact or "")
            return replace(q.base, intent=Intent.COMPARE, models=pair, dimension=dimension)
        if focus is not None:
            named = self._elliptical(focus, q.reading)  # "那 Flash 呢" after Gemini 3 Pro: Gemini 3 Flash
            if named is not None and (cues.found("follow_marker") or not q.reading.leftover_words()[1:]):
                return replace(context, question=q.base.question, lang=q.base.lang, models=(named,))
            if cues.found("fields") or cues.found("pronoun"):
                return self._about(q.base, focus, cues)
            return None
        if context.intent in (Intent.LIST, Intent.COUNT, Intent.LATEST, Intent.SUPERLATIVE):
            return self._refine(q, context)
        return None

    def _refine(self, q: "_Question", context: Answer) -> Answer | None:
        """A list narrowed or turned: 开源的呢 · 其中百度的 · 一共几个 · 下一页 · the latest 3? A question with its own
        subject ("谷歌的模型有哪些") stands alone instead."""
        cues, filters = q.cues, q.filters
        if cues.found("next_page"):
            return replace(context, question=q.base.question, page=context.page + 1)
        self_contained = cues.found("model_words") and (cues.found("list_words") or cues.found("count"))
        if self_contained and not cues.found("within"):
            return None
        merged = context.filters.refined(filters)
        if merged == context.filters and not (cues.found("count") or cues.found("latest") or q.ranking):
            return None
        if q.ranking:
            return self._superlative(q, merged)
        if cues.found("latest"):
            return self._latest(q, merged)
        found = self.index.select(merged)
        intent = Intent.COUNT if cues.found("count") else Intent.LIST
        return replace(q.base, intent=intent, filters=merged, models=found, total=len(found))

    def _rule_several_models(self, q: "_Question") -> Answer | None:
        models = q.models
        pair = len(models) == 1 and (q.cues.found("compare") or q.cues.found("conjunctions"))
        if pair and (other := self._elliptical(models[0], q.reading)) is not None:
            models = (*models, other)
        if len(models) >= 2:
            return replace(q.base, intent=Intent.COMPARE, models=models[:3], dimension=self._dimension(q.cues))
        return None

    def _rule_dangling_name(self, q: "_Question") -> Answer | None:
        return self._dangling(q.base, q.models[0], q.reading) if len(q.models) == 1 else None

    def _rule_one_model(self, q: "_Question") -> Answer | None:
        return self._about(q.base, q.models[0], q.cues) if len(q.models) == 1 else None

    def _rule_legacy(self, q: "_Question") -> Answer | None:
        if q.legacy:
            return replace(q.base, intent=Intent.OUT_OF_SCOPE, reason="legacy", unknown_name=q.legacy)
        return None

    def _rule_unknown_version(self, q: "_Question") -> Answer | None:
        if unknown := self._unknown_version(q.reading):
            close = tuple(self.names.closest_models(unknown))
            return replace(
                q.base, intent=Intent.OUT_OF_SCOPE, reason="unknown", unknown_name=unknown, suggestions=close
            )
        return None

    def _rule_family_only(self, q: "_Question") -> Answer | None:
        """ "Gemini 2.5": which one? The plainest names first ("Gemini 2.5 Pro" before "… Computer Use")."""
        filters = q.filters
        if filters.family is None or q.cues.found("family_cue") or q.list_cue:
            return None
        members = sorted(
            self.knowledge.by_family[filters.family],
            key=lambda m: (len(self.names.official_words(m)), -m.released.toordinal()),
        )
        extra = [w for w in q.reading.leftover_words() if _NAMEISH.fullmatch(w)]  # "gemini 2.5 ultra"
        unknown = " ".join([filters.family, *extra]) if extra else None
        return replace(q.base, intent=Intent.CLARIFY, suggestions=tuple(members[:SUGGESTIONS]), unknown_name=unknown)

    def _rule_superlative(self, q: "_Question") -> Answer | None:
        return self._superlative(q, q.filters) if q.ranking else None

    def _superlative(self, q: "_Question", filters: Filters) -> Answer:
        metric = self._metric(q.cues)
        lowest = q.cues.found("least") and not q.cues.found("extreme") and metric != "oldest"
        top, total = self.index.ranked(filters, metric, SUPERLATIVE_SHOWN, lowest=lowest)
        return replace(
            q.base, intent=Intent.SUPERLATIVE, filters=filters, metric=metric, lowest=lowest, models=top, total=total
        )

    def _rule_subjective(self, q: "_Question") -> Answer | None:
        """ "最好的编程模型" lists the coding models, saying it is a list, not a ranking; "最强的模型" alone is declined
        with what can be ranked."""
        if not q.cues.found("subjective"):
            return None
        filters = q.filters
        if filters.capabilities or filters.types or filters.hybrid or filters.reasoning:
            found = self.index.select(filters)
            return replace(q.base, intent=Intent.LIST, filters=filters, models=found, total=len(found), subjective=True)
        return q.out_of_scope("subjective")

    def _rule_unresolved_name(self, q: "_Question") -> Answer | None:
        # "mistral medium 开源吗" still names a model; "哪些 AI 模型是开源的" does not
        name_question = not q.list_cue and replace(q.filters, vendors=frozenset(), open_weights=None).empty
        if q.leftovers and name_question:
            return self._unresolved_name(q.base, q.reading, q.filters, q.leftovers)
        return None

    def _rule_latest(self, q: "_Question") -> Answer | None:
        return self._latest(q, q.filters) if q.cues.found("latest") and q.filters.start is None else None

    def _latest(self, q: "_Question", filters: Filters) -> Answer:
        count = min(max(self.rules.requested_count(q.reading.masked) or DEFAULT_LATEST, 1), MAX_LATEST)
        newest, total = self.index.latest(filters, count)
        return replace(q.base, intent=Intent.LATEST, filters=filters, models=newest, total=total)

    def _rule_not_about_models(self, q: "_Question") -> Answer | None:
        """ "今天几号" (a count word alone), "中国的首都是哪里" / "OpenAI 的老板是谁" (a country or company with a question
        that is not about models): out of scope, never a list."""
        filters, cues = q.filters, q.cues
        if q.list_cue and filters.empty and not cues.found("model_words"):
            return q.out_of_scope("topic")
        subject_only = replace(filters, vendors=frozenset(), country=None).empty and not filters.empty
        if subject_only and not cues.found("model_words") and q.reading.leftover_words():
            return q.out_of_scope("topic")
        return None

    def _rule_listing(self, q: "_Question") -> Answer | None:
        filters = q.filters
        if not (q.list_cue or not filters.empty):
            return None
        if filters.empty and q.leftovers and not q.cues.found("all_models"):
            # "哪些模型擅长写诗": a filter we did not understand never lists the whole almanac
            return replace(q.base, intent=Intent.OUT_OF_SCOPE, reason="filter", unknown_name=" ".join(q.leftovers))
        found = self.index.select(filters)
        intent = Intent.COUNT if q.cues.found_outside("count", "list_words") else Intent.LIST
        return replace(q.base, intent=intent, filters=filters, models=found, total=len(found))

    def _rule_unknown_words(self, q: "_Question") -> Answer | None:
        """Words we do not know: a name we lack ("sora3"), or chit-chat ("do you like pizza") we do not echo."""
        words = q.reading.leftover_words()
        if not q.leftovers:
            return None
        if len(words) >= 3 and not any(c.isdigit() for w in words for c in w):
            return q.out_of_scope("topic")
        return replace(q.base, intent=Intent.OUT_OF_SCOPE, reason="unknown", unknown_name=" ".join(words))

    @staticmethod
    def _dimension(cues: Cues) -> Dimension | None:
        """What "哪个…" compares by: newer / older or a metric word; None for a plain comparison."""
        if not cues.found("which_one"):
            return None
        named = cues.strings("compare_dimension") + cues.strings("metrics")
        return next((d for d in get_args(Dimension) if d in named), None)


class _Question:
    """One question on its way through the rules: what was read, and what several rules need from it."""

    def __init__(self, engine: Engine, base: Answer, reading: _Reading, context: Answer | None) -> None:
        self.base, self.reading, self.context = base, reading, context
        self.cues = reading.cues
        family_cue = self.cues.found("family_cue")
        self.models = tuple(
            dict.fromkeys(
                engine.knowledge.by_id[t.value]
                for m in reading.mentions
                if (t := m.first("model")) and not (family_cue and m.first("family"))
            )
        )
        self.legacy = next((m.targets[0].value for m in reading.mentions if m.targets[0].kind == "legacy"), None)
        self._engine = engine
        self._filters: Filters | None = None

    @property
    def filters(self) -> Filters:
        if self._filters is None:
            self._filters = self._engine._filters(self.reading)
        return self._filters

    @property
    def list_cue(self) -> bool:
        return self.cues.found("list_words") or self.cues.found("count")

    @property
    def asks_for_models(self) -> bool:
        return self.list_cue or self.cues.found("model_words")

    @property
    def ranking(self) -> bool:
        cues = self.cues
        return cues.found("oldest") or ((cues.found("extreme") or cues.found("least")) and not cues.found("latest"))

    @property
    def leftovers(self) -> list[str]:
        return [w for w in self.reading.leftover_words() if _NAMEISH.fullmatch(w)]

    def out_of_scope(self, reason: OutOfScope) -> Answer:
        return replace(self.base, intent=Intent.OUT_OF_SCOPE, reason=reason)
