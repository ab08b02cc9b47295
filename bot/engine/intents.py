"""The rules of ``knowledge/intents.yaml``, compiled once per snapshot into one fast phrase reader.

One pass over the question finds every phrase of every group (compare words, months, field words …):
at each position only the phrase lengths that start with that character are looked up in a dictionary,
longest first, so "十二月" wins over "二月" and "max output" over "max". Latin phrases match whole words
only; Chinese phrases match anywhere. The few regular expressions of the lexicon run beside it.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.engine.normalize import normalize
from bot.kb.schema import Lexicon

_CHINESE_NUMBERS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
CueValue = str | int | bool  # a phrase's meaning: a month number, a type name, open (True) or closed …
_INNER_PUNCTUATION = re.compile(r"[,.!?，。！？、~～]+")
_PUNCTUATION = re.compile(r"^[\s,.!?，。！？、~～]+|[\s,.!?，。！？、~～]+$")


def _is_latin(char: str) -> bool:
    return "a" <= char <= "z" or "0" <= char <= "9"


@dataclass(frozen=True, slots=True)
class Hit:
    group: str
    value: CueValue
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Cues:
    """The phrases found in one text, by group."""

    by_group: Mapping[str, tuple[Hit, ...]] = field(default_factory=dict)

    def found(self, group: str) -> bool:
        return bool(self.by_group.get(group))

    def values(self, group: str) -> list[CueValue]:
        return list(dict.fromkeys(hit.value for hit in self.by_group.get(group, ())))

    def strings(self, group: str) -> list[str]:
        """The values of a group whose phrases mean names (types, countries, fields …)."""
        return [value for value in self.values(group) if isinstance(value, str)]

    def numbers(self, group: str) -> list[int]:
        """The values of a group whose phrases mean numbers (months, quarters, halves)."""
        return [value for value in self.values(group) if isinstance(value, int) and not isinstance(value, bool)]

    def _outside(self, group: str, covering: str) -> list[Hit]:
        """The hits of ``group`` whose phrase is not part of a ``covering`` phrase."""
        cover = [(hit.start, hit.end) for hit in self.by_group.get(covering, ())]
        return [
            hit
            for hit in self.by_group.get(group, ())
            if not any(start <= hit.start and hit.end <= end for start, end in cover)
        ]

    def strings_outside(self, group: str, covering: str) -> list[str]:
        """The values of ``group`` whose phrase is not part of a ``covering`` phrase: "图像" inside "图像生成"
        (a capability) is not also the type "image"."""
        return list(dict.fromkeys(hit.value for hit in self._outside(group, covering) if isinstance(hit.value, str)))

    def found_outside(self, group: str, covering: str) -> bool:
        """A phrase of ``group`` that is not part of a ``covering`` phrase ("几" alone, not inside "哪几个")."""
        return bool(self._outside(group, covering))

    def spans(self) -> list[tuple[int, int]]:
        return [(hit.start, hit.end) for hits in self.by_group.values() for hit in hits]


class PhraseReader:
    """Every group's phrases in one dictionary; ``read`` finds them all in a single pass."""

    def __init__(
        self, groups: Mapping[str, Mapping[Any, Iterable[str]]], fold: Callable[[str], str] = str.casefold
    ) -> None:
        """``fold`` brings a phrase to the form questions are read in (see ``Rules``)."""
        entries: dict[str, list[tuple[str, CueValue, bool, bool]]] = defaultdict(list)
        lengths: dict[str, set[int]] = defaultdict(set)
        for group, values in groups.items():
            for value, phrases in values.items():
                for raw in phrases:
                    phrase = fold(raw)
                    if phrase and all(e[0] != group for e in entries[phrase]):
                        entries[phrase].append((group, value, _is_latin(phrase[0]), _is_latin(phrase[-1])))
                        lengths[phrase[:2]].add(len(phrase))
        self._entries = dict(entries)
        # phrase lengths by their first two characters (one for one-character phrases): at each position of a
        # question only the lengths of phrases that can start there are tried, longest first
        self._lengths = {start: sorted(sizes, reverse=True) for start, sizes in lengths.items()}

    def read(self, text: str, extra: Mapping[str, Iterable[re.Pattern[str]]] = {}) -> Cues:
        found: dict[str, list[Hit]] = defaultdict(list)
        taken: dict[str, int] = {}
        size = len(text)
        for start, first in enumerate(text):
            longer = self._lengths.get(text[start : start + 2], ()) if start + 1 < size else ()
            for length in (*longer, *self._lengths.get(first, ())):
                end = start + length
                if end > size or not (matches := self._entries.get(text[start:end])):
                    continue
                for group, value, latin_head, latin_tail in matches:
                    if taken.get(group, 0) > start:
                        continue
                    if latin_head and start > 0 and _is_latin(text[start - 1]):
                        continue
                    if latin_tail and end < size and _is_latin(text[end]):
                        continue
                    found[group].append(Hit(group, value, start, end))
                    taken[group] = end
        for group, patterns in extra.items():
            for pattern in patterns:
                found[group].extend(Hit(group, True, m.start(), m.end()) for m in pattern.finditer(text))
        return Cues({group: tuple(hits) for group, hits in found.items()})


def parse_count(text: str) -> int | None:
    """'3', '十', '两', '十二' → 3, 10, 2, 12."""
    if text.isdigit():
        return int(text)
    if text in _CHINESE_NUMBERS:
        return _CHINESE_NUMBERS[text]
    if len(text) == 2 and text[0] == "十":
        return 10 + _CHINESE_NUMBERS.get(text[1], 0)
    if len(text) == 2 and text[1] == "十":
        return _CHINESE_NUMBERS.get(text[0], 1) * 10
    return None


def _fold(phrase: str) -> str:
    """A phrase read the way a question is: the normaliser's case folding and Chinese conversion, so "向量" in
    the lexicon still matches a question whose "向量" OpenCC's Taiwan table turned into "矢量"."""
    return normalize(phrase).text


class Rules:
    """The compiled lexicon: a phrase reader for every cue group plus the lexicon's regexes."""

    def __init__(self, lexicon: Lexicon, capabilities: Mapping[str, Iterable[str]] | None = None) -> None:
        def plain(phrases: Iterable[str]) -> Mapping[Any, Iterable[str]]:
            return {True: tuple(phrases)}

        self.reader = PhraseReader(
            {
                "out_of_scope": plain(lexicon.out_of_scope_topics.phrases),
                "filler": plain(lexicon.filler),
                "conjunctions": plain(lexicon.conjunctions),
                "compare": plain(lexicon.compare.phrases),
                "count": plain(lexicon.count.phrases),
                "latest": plain(lexicon.latest.phrases),
                "extreme": plain(lexicon.superlative.extreme),
                "least": plain(lexicon.superlative.least),
                "subjective": plain(lexicon.subjective),
                "countries": lexicon.countries,
                "oldest": plain(lexicon.superlative.oldest),
                "metrics": lexicon.superlative.metrics,
                "fields": lexicon.fields,
                "list_words": plain(lexicon.list_words),
                "model_words": plain(lexicon.model_words),
                "family_cue": plain(lexicon.family_cue),
                "open_weights": {True: lexicon.open_weights.open, False: lexicon.open_weights.closed},
                "reasoning": plain(lexicon.reasoning),
                "hybrid": plain(lexicon.hybrid_reasoning),
                "all_models": plain(lexicon.all_models),
                "follow_marker": plain(lexicon.follow_up.markers),
                "pronoun": plain(lexicon.follow_up.pronouns),
                "compare_follow": plain(lexicon.follow_up.compare),
                "within": plain(lexicon.follow_up.within),
                "next_page": plain(lexicon.follow_up.next_page),
                "which_one": plain(lexicon.compare_words.which_one),
                "compare_dimension": lexicon.compare_words.dimensions,
                "types": lexicon.types,
                "capabilities": capabilities or {},
                "input_cue": plain(lexicon.input_modalities.cue),
                "input_words": lexicon.input_modalities.words,
                "months": lexicon.time.months,
                "quarters": lexicon.time.quarters,
                "halves": lexicon.time.halves,
            },
            _fold,
        )
        self._extra = {
            "out_of_scope": [re.compile(r) for r in lexicon.out_of_scope_topics.regex],
            "compare": [re.compile(r) for r in lexicon.compare.regex],
            "count": [re.compile(r) for r in lexicon.count.regex],
        }
        self._help = [re.compile(r) for r in lexicon.help.regex]
        self._help_phrases = frozenset(p.casefold() for p in lexicon.help.phrases)
        self.month_regex = [re.compile(r) for r in lexicon.time.month_regex]
        self.month_range_regex = [re.compile(r) for r in lexicon.time.month_range_regex]
        self.quarter_range_regex = [re.compile(r) for r in lexicon.time.quarter_range_regex]
        self.latest_count = [re.compile(r) for r in lexicon.latest.count_regex]
        self.field_order = list(lexicon.fields)
        spellings = {_fold(v): word for word, variants in lexicon.synonyms.items() for v in variants}
        self._synonyms = (
            re.compile("|".join(re.escape(v) for v in sorted(spellings, key=len, reverse=True))) if spellings else None
        )
        self._spellings = spellings

    def rewrite(self, text: str) -> str:
        """Common misspellings → the words the rules know (开原 → 开源, 谷哥 → 谷歌)."""
        if self._synonyms is None:
            return text
        return self._synonyms.sub(lambda m: self._spellings[m.group(0)], text)

    def read(self, text: str) -> Cues:
        return self.reader.read(text, self._extra)

    def months_by_regex(self, text: str) -> list[int]:
        found = (int(m.group(1)) for regex in self.month_regex for m in regex.finditer(text))
        return [month for month in found if 1 <= month <= 12]

    def month_span(self, text: str) -> tuple[int, int] | None:
        """An explicit range of months ("1-3月", "q1-q2") as (first month, last month)."""
        for regex in self.month_range_regex:
            if (m := regex.search(text)) and 1 <= int(m.group(1)) <= int(m.group(2)) <= 12:
                return int(m.group(1)), int(m.group(2))
        for regex in self.quarter_range_regex:
            if (m := regex.search(text)) and 1 <= int(m.group(1)) <= int(m.group(2)) <= 4:
                return 3 * int(m.group(1)) - 2, 3 * int(m.group(2))
        return None

    def requested_count(self, text: str) -> int | None:
        for regex in self.latest_count:
            if (match := regex.search(text)) and (n := parse_count(match.group(1))) is not None:
                return n
        return None

    def help_only(self, text: str) -> bool:
        stripped = _PUNCTUATION.sub("", text)
        spaced = " ".join(_INNER_PUNCTUATION.sub(" ", stripped).split())  # "hi, who are you?" → "hi who are you"
        return (
            stripped in self._help_phrases
            or spaced in self._help_phrases
            or any(regex.search(stripped) for regex in self._help)
        )
