"""The rules of ``knowledge/intents.yaml``, compiled once per snapshot into fast matchers.

Each phrase list becomes one regular expression, longest phrase first, so "十二月" wins over "二月" and
"max output" over "max". Latin phrases match whole words only; Chinese phrases match anywhere.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.kb.schema import Lexicon

ValueT = TypeVar("ValueT")

_CHINESE_NUMBERS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _pattern(phrase: str) -> str:
    escaped = re.escape(phrase.casefold())
    head = r"(?<![a-z0-9])" if re.match(r"[a-z0-9]", phrase.casefold()) else ""
    tail = r"(?![a-z0-9])" if re.search(r"[a-z0-9]$", phrase.casefold()) else ""
    return head + escaped + tail


@dataclass(frozen=True, slots=True)
class Hit(Generic[ValueT]):
    value: ValueT
    start: int
    end: int


class PhraseMatcher(Generic[ValueT]):
    """Finds the phrases of several groups (each group → a value) in normalised text."""

    def __init__(self, groups: Mapping[ValueT, Iterable[str]], regexes: Iterable[str] = ()) -> None:
        by_phrase: dict[str, ValueT] = {}
        for value, phrases in groups.items():
            for phrase in phrases:
                by_phrase.setdefault(phrase.casefold(), value)
        self._values = list(dict.fromkeys(by_phrase.values()))
        ordered = sorted(by_phrase, key=len, reverse=True)
        self._by_phrase = by_phrase
        parts = [f"(?:{_pattern(p)})" for p in ordered] + [f"(?:{r})" for r in regexes]
        self._regex = re.compile("|".join(parts)) if parts else None
        self._regex_value = next(iter(groups), None)

    def hits(self, text: str) -> list[Hit[ValueT]]:
        if self._regex is None:
            return []
        found = []
        for match in self._regex.finditer(text):
            value = self._by_phrase.get(match.group(0), self._regex_value)
            found.append(Hit(value, match.start(), match.end()))  # type: ignore[arg-type]
        return found

    def values(self, text: str) -> list[ValueT]:
        return list(dict.fromkeys(hit.value for hit in self.hits(text)))

    def found(self, text: str) -> bool:
        return self._regex is not None and self._regex.search(text) is not None


def _plain(phrases: Iterable[str], regexes: Iterable[str] = ()) -> PhraseMatcher[bool]:
    return PhraseMatcher({True: phrases}, regexes)


def parse_count(text: str) -> int | None:
    """'3', '十', '两' → 3, 10, 2."""
    if text.isdigit():
        return int(text)
    if text in _CHINESE_NUMBERS:
        return _CHINESE_NUMBERS[text]
    if len(text) == 2 and text[0] == "十":
        return 10 + _CHINESE_NUMBERS.get(text[1], 0)
    if len(text) == 2 and text[1] == "十":
        return _CHINESE_NUMBERS.get(text[0], 1) * 10
    return None


class Rules:
    """All cue matchers of one lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.help = _plain((), [*(f"^{_pattern(p)}$" for p in lexicon.help.phrases), *lexicon.help.regex])
        self.out_of_scope = _plain(lexicon.out_of_scope_topics.phrases, lexicon.out_of_scope_topics.regex)
        self.filler = _plain(lexicon.filler)
        self.conjunctions = _plain(lexicon.conjunctions)
        self.compare = _plain(lexicon.compare.phrases, lexicon.compare.regex)
        self.count = _plain(lexicon.count.phrases, lexicon.count.regex)
        self.latest = _plain(lexicon.latest.phrases)
        self.latest_count = [re.compile(r) for r in lexicon.latest.count_regex]
        self.extreme = _plain(lexicon.superlative.extreme)
        self.oldest = _plain(lexicon.superlative.oldest)
        self.metrics = PhraseMatcher(lexicon.superlative.metrics)
        self.fields = PhraseMatcher(lexicon.fields)
        self.list_words = _plain(lexicon.list_words)
        self.family_cue = _plain(lexicon.family_cue)
        self.open_weights = PhraseMatcher({True: lexicon.open_weights.open, False: lexicon.open_weights.closed})
        self.reasoning = _plain(lexicon.reasoning)
        self.types = PhraseMatcher(lexicon.types)
        self.input_cue = _plain(lexicon.input_modalities.cue)
        self.input_words = PhraseMatcher(lexicon.input_modalities.words)
        self.months = PhraseMatcher(lexicon.time.months)
        self.month_regex = [re.compile(r) for r in lexicon.time.month_regex]
        self.quarters = PhraseMatcher(lexicon.time.quarters)
        self.halves = PhraseMatcher(lexicon.time.halves)
        self.field_order = list(lexicon.fields)
        # every cue and filler phrase at once: what is left after removing them may be a misspelt name
        self.any_cue = _plain(
            phrase
            for group in (
                lexicon.filler,
                lexicon.conjunctions,
                lexicon.compare.phrases,
                lexicon.count.phrases,
                lexicon.latest.phrases,
                lexicon.superlative.extreme,
                lexicon.superlative.oldest,
                *lexicon.superlative.metrics.values(),
                *lexicon.fields.values(),
                lexicon.list_words,
                lexicon.family_cue,
                lexicon.open_weights.open,
                lexicon.open_weights.closed,
                lexicon.reasoning,
                *lexicon.types.values(),
                lexicon.input_modalities.cue,
                *lexicon.input_modalities.words.values(),
                *lexicon.time.months.values(),
                *lexicon.time.quarters.values(),
                *lexicon.time.halves.values(),
            )
            for phrase in group
        )

    def requested_count(self, text: str) -> int | None:
        for regex in self.latest_count:
            if (match := regex.search(text)) and (n := parse_count(match.group(1))) is not None:
                return n
        return None

    def help_only(self, text: str) -> bool:
        stripped = re.sub(r"[\s,.!?，。！？、~～]+$|^[\s,.!?，。！？、~～]+", "", text)
        return self.help.found(stripped)
