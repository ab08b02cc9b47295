"""Names in a question → the models, families and vendors they mean (and pre-2025 models we do not cover).

Exact first: the question is folded like the alias index (case, width, spaces, hyphens, dots) and scanned
for the longest known name at each word boundary, so ``gpt 4.1``, ``GPT-4.1`` and ``gpt4.1`` all hit one
dictionary key. A version never matches half-way: ``gpt-5.1`` cannot be read as ``gpt-5``, nor ``o3-mini`` as
``o3``, because the scan only stops where a word ends and ``.`` between two digits joins a version.

Then typos: a leftover word that is not a known word is replaced by the closest name word (rapidfuzz, with a
score threshold and a margin over the runner-up) and the scan runs again. Digits are never corrected, so a
typo fix can never change a version. What still does not resolve is looked up word by word in a token index
("opus" → Claude Opus 4, 4.1, 4.5), which gives the candidates for "did you mean …?".
"""

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from bot.kb import KnowledgeBase
from bot.kb.names import SEPARATORS, fold_name, name_words
from bot.kb.schema import Model

Kind = Literal["model", "family", "vendor", "legacy"]
KIND_ORDER: tuple[Kind, ...] = ("model", "family", "vendor", "legacy")

_LATIN_WORD = re.compile(r"[a-z][a-z0-9]*")
_PURE_VERSION = re.compile(r"\d{1,3}(?:\.\d+)*")

TYPO_MIN_LENGTH = 4
TYPO_MIN_SCORE = 75.0
TYPO_MIN_MARGIN = 4.0


@dataclass(frozen=True, slots=True)
class Target:
    kind: Kind
    value: str  # a model id, family name, vendor name or legacy model name


@dataclass(frozen=True, slots=True)
class Mention:
    """A known name found in the question, with every thing it can mean (most specific first)."""

    start: int
    end: int
    targets: tuple[Target, ...]

    def first(self, *kinds: Kind) -> Target | None:
        return next((t for t in self.targets if t.kind in kinds), None)


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


def _fold_with_positions(text: str) -> tuple[str, list[int], list[int]]:
    """The folded text, each folded char's index in ``text``, and the folded positions that are word
    boundaries (where a name may start or end)."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char not in SEPARATORS:
            chars.append(char)
            origin.append(index)
    boundaries = [0]
    for p in range(1, len(chars)):
        before, after = chars[p - 1], chars[p]
        if _is_cjk(before) or _is_cjk(after):
            boundaries.append(p)
        elif origin[p] - origin[p - 1] > 1:
            # "4.1": a dot between digits joins a version number instead of separating words
            skipped = text[origin[p - 1] + 1 : origin[p]]
            if not (before.isdigit() and after.isdigit() and skipped.strip(".") == ""):
                boundaries.append(p)
        elif before.isalnum() != after.isalnum():
            boundaries.append(p)
    if chars:
        boundaries.append(len(chars))
    return "".join(chars), origin, boundaries


class NameMatcher:
    """Indexes built once per knowledge snapshot; every lookup is a dictionary hit or a small candidate set."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        keys: dict[str, list[Target]] = defaultdict(list)

        def add(key: str, target: Target) -> None:
            if key and target not in keys[key]:
                keys[key].append(target)

        # the snapshot's folded indexes, plus the names only the lexicon knows
        for key, model in knowledge.by_key.items():
            add(key, Target("model", model.id))
        for key, family in knowledge.family_by_key.items():
            add(key, Target("family", family))
        for family, aliases in knowledge.lexicon.family_aliases.items():
            for alias in aliases:
                add(fold_name(alias), Target("family", family))
        for key, vendor in knowledge.vendor_by_key.items():
            add(key, Target("vendor", vendor.name))
        for name in knowledge.lexicon.legacy_models.names:
            add(fold_name(name), Target("legacy", name))
        self._keys = {
            key: tuple(sorted(targets, key=lambda t: KIND_ORDER.index(t.kind))) for key, targets in keys.items()
        }
        self._longest_from: dict[str, int] = {}  # first character → the longest key starting with it
        for key in self._keys:
            self._longest_from[key[0]] = max(len(key), self._longest_from.get(key[0], 0))
        self._model_keys_by_prefix: dict[str, list[str]] = defaultdict(list)
        for key, key_targets in self._keys.items():
            if key_targets[0].kind == "model":
                self._model_keys_by_prefix[key[:2]].append(key)

        words: dict[str, set[str]] = defaultdict(set)
        by_vendor: dict[str, set[str]] = defaultdict(set)
        self._official: dict[str, tuple[str, ...]] = {}
        for model in knowledge.models:
            for name in (model.name, *model.aliases):
                for word in name_words(name):
                    words[word].add(model.id)
            self._official[model.id] = tuple(name_words(model.name))
            by_vendor[model.vendor].update(self._official[model.id])
        self._models_by_word = {word: frozenset(ids) for word, ids in words.items()}
        vocabulary = set(self._models_by_word)
        for vendor in knowledge.vendors:
            for name in (vendor.name, *vendor.aliases):
                vocabulary.update(name_words(name))
        self._vocabulary = sorted(w for w in vocabulary if _LATIN_WORD.fullmatch(w) and len(w) >= 3)
        self._known_words = frozenset(vocabulary)
        self._vendor_words = {vendor: frozenset(words) for vendor, words in by_vendor.items()}
        self._knowledge = knowledge

    def scan(self, text: str) -> list[Mention]:
        """Every known name in ``text`` (normalised), leftmost-longest, not overlapping."""
        folded, origin, boundaries = _fold_with_positions(text)
        mentions: list[Mention] = []
        taken = 0
        for i, start in enumerate(boundaries[:-1]):
            if start < taken:
                continue
            # only ends within the longest key that starts with this character: linear in the text, however
            # many word boundaries it has (every character of Chinese text is one)
            last = bisect_right(boundaries, start + self._longest_from.get(folded[start], 0), lo=i + 1)
            for j in range(last - 1, i, -1):
                end = boundaries[j]
                if targets := self._keys.get(folded[start:end]):
                    if (brand := self._brand_before_longer_name(folded, boundaries, i, end)) is not None:
                        end, targets = brand, self._keys[folded[start:brand]]
                    mentions.append(Mention(origin[start], origin[end - 1] + 1, targets))
                    taken = end
                    break
        return mentions

    def _brand_before_longer_name(self, folded: str, boundaries: list[int], i: int, end: int) -> int | None:
        """ "通义千问 Qwen3-VL": the alias "通义千问 Qwen3" would swallow the brand and leave "-VL" behind. When a
        vendor's name opens the match and a longer model name starts right after it, the brand ends there."""
        start = boundaries[i]
        for k in range(i + 1, len(boundaries)):
            brand_end = boundaries[k]
            if brand_end >= end:
                return None
            targets = self._keys.get(folded[start:brand_end])
            if not targets or targets[0].kind not in ("vendor", "family"):
                continue
            last = bisect_right(boundaries, brand_end + self._longest_from.get(folded[brand_end], 0), lo=k)
            for model_end in (boundaries[j] for j in range(last - 1, k, -1)):
                if model_end <= end:
                    break
                found = self._keys.get(folded[brand_end:model_end])
                if found and found[0].kind == "model":
                    return brand_end
        return None

    def model_named(self, name: str) -> Model | None:
        """The model whose name or alias folds to the same key as ``name``, if any."""
        targets = self._keys.get(fold_name(name), ())
        return self._knowledge.by_id[targets[0].value] if targets and targets[0].kind == "model" else None

    def is_known_word(self, word: str) -> bool:
        return word in self._known_words

    def correct(self, word: str) -> str | None:
        """The name word ``word`` is most likely a typo of, if the match is clear enough."""
        best = self._near(word, limit=2)
        if not best or (len(best) > 1 and best[0][1] - best[1][1] < TYPO_MIN_MARGIN):
            return None
        return best[0][0]

    def models_with_words(self, words: list[str]) -> list[Model]:
        """Models whose names contain every one of ``words``, closest first: candidates for "did you mean".

        A bare version number must be a word of the official name: "opus 5" is not Claude Opus 4.5 just
        because an API id spells it ``claude-opus-4-5``. Sizes and dates (235b, 0905) may come from any alias."""
        sets = [self._models_by_word.get(word) for word in words]
        if not sets or any(s is None for s in sets):
            return []
        ids = frozenset.intersection(*sets)  # type: ignore[arg-type]
        versions = [w for w in words if _PURE_VERSION.fullmatch(w)]
        found = [
            model
            for model in (self._knowledge.by_id[i] for i in ids)
            if all(version in self._official[model.id] for version in versions)
        ]

        def closeness(model: Model) -> tuple[int, int, int]:
            own = self._official[model.id]  # words in the official name count more than alias words
            return (-sum(word in own for word in words), len(own), -model.released.toordinal())

        return sorted(found, key=closeness)

    def vendor_uses_word(self, vendor: str, word: str) -> bool:
        """Whether ``word`` is part of the official name of any of ``vendor``'s models ("mini" for xAI)."""
        return word in self._vendor_words.get(vendor, frozenset())

    def close_words(self, word: str) -> list[str]:
        """Name words within a typo or two of ``word`` (all of them, however close the runners-up)."""
        return [w for w, _ in self._near(word, limit=3)]

    def official_words(self, model: Model) -> tuple[str, ...]:
        """The words of the model's official name ("GPT-4.1 mini" → gpt, 4.1, mini)."""
        return self._official[model.id]

    def _near(self, word: str, limit: int) -> list[tuple[str, float]]:
        """The name words closest to ``word`` above the typo threshold, best first (Latin words only)."""
        if len(word) < TYPO_MIN_LENGTH or not _LATIN_WORD.fullmatch(word):
            return []
        found = process.extract(word, self._vocabulary, scorer=fuzz.ratio, limit=limit, score_cutoff=TYPO_MIN_SCORE)
        return [(choice, score) for choice, score, _ in found]

    def closest_models(self, text: str, limit: int = 3, cutoff: float = 70.0) -> list[Model]:
        """Models whose folded names are closest to ``text`` (used only to suggest, never to answer)."""
        key = fold_name(text)
        if len(key) < 3:
            return []
        bucket = self._model_keys_by_prefix.get(key[:2], [])
        found: list[Model] = []
        for choice, _, _ in process.extract(key, bucket, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=cutoff):
            model = self._knowledge.by_id[self._keys[choice][0].value]
            if model not in found:
                found.append(model)
        return found[:limit]
