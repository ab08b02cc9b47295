"""Scores the engine against a labelled question set: per-intent precision and recall, and every miss.

A question counts as answered correctly when the intent matches and the models do: in order for cards,
fields and comparisons (and a field question names the fact that was asked, when the label gives it); as a
set for lists, counts and latest releases; the tied winners first for superlatives; and for "did you mean"
the expected names must be among the suggestions. A conversation is a list of such questions asked in order,
each answered with the previous answer as its context; every turn is scored like a single question.
"""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine import Answer, Engine, Intent
from bot.kb.yamlfile import YamlDocument, read_yaml


@dataclass(frozen=True, slots=True)
class Labelled:
    question: str
    intent: str
    models: tuple[str, ...]
    suggestions: tuple[str, ...] = ()
    fact: str | None = None
    turn: int = 0  # its place in a conversation (0: a question on its own or a conversation's first)


Conversation = tuple[Labelled, ...]


@dataclass(frozen=True, slots=True)
class Miss:
    item: Labelled
    answer: Answer

    def __str__(self) -> str:
        got = [m.name for m in self.answer.models][:6]
        sugg = [m.name for m in self.answer.suggestions]
        fact = f" ({self.answer.fact})" if self.answer.fact else ""
        wanted = f" ({self.item.fact})" if self.item.fact else ""
        turn = f"[turn {self.item.turn + 1}] " if self.item.turn else ""
        return (
            f"{turn}{self.item.question!r}: expected {self.item.intent}{wanted} {list(self.item.models)[:6]}"
            f"{' ' + str(list(self.item.suggestions)) if self.item.suggestions else ''}; "
            f"got {self.answer.intent.value}{fact} {got}{' ' + str(sugg) if sugg else ''}"
        )


@dataclass(frozen=True, slots=True)
class Report:
    total: int
    correct: int
    by_intent: dict[str, tuple[int, int]]  # intent → (correct, labelled)
    precision: dict[str, float]
    recall: dict[str, float]
    misses: tuple[Miss, ...]
    conversations: tuple[int, int] = (0, 0)  # (answered right in every turn, all conversations)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def intent_accuracy(self, intent: str) -> float:
        right, labelled = self.by_intent[intent]
        return right / labelled if labelled else 0.0

    def format(self) -> str:
        lines = [f"{'intent':<14}{'n':>5}{'correct':>9}{'precision':>11}{'recall':>8}"]
        for intent in sorted(self.by_intent):
            right, labelled = self.by_intent[intent]
            lines.append(
                f"{intent:<14}{labelled:>5}{right / labelled:>9.1%}{self.precision[intent]:>11.1%}{self.recall[intent]:>8.1%}"
            )
        lines.append(f"overall: {self.correct}/{self.total} = {self.accuracy:.1%} answered correctly")
        if self.conversations[1]:
            whole, count = self.conversations
            lines.append(f"conversations right in every turn: {whole}/{count} = {whole / count:.1%}")
        if self.misses:
            lines.append(f"misses ({len(self.misses)}):")
            lines.extend(f"  {miss}" for miss in self.misses)
        return "\n".join(lines)


def _labelled(item: dict[str, Any], turn: int = 0) -> Labelled:
    return Labelled(
        str(item["q"]),
        item["intent"],
        tuple(item.get("models") or ()),
        tuple(item.get("suggestions") or ()),
        item.get("fact"),
        turn,
    )


def load_questions(path: Path) -> list[Conversation]:
    """Every labelled item as a conversation: a question on its own is a conversation of one turn."""
    document = read_yaml(path, str(path))
    if not isinstance(document, YamlDocument):
        raise ValueError("\n".join(map(str, document)))
    return [
        tuple(_labelled(turn, n) for n, turn in enumerate(item["conversation"]))
        if "conversation" in item
        else (_labelled(item),)
        for item in document.data
    ]


def is_correct(item: Labelled, answer: Answer) -> bool:
    if answer.intent.value != item.intent:
        return False
    names = [m.name for m in answer.models]
    if item.intent == Intent.CLARIFY:
        return set(item.suggestions) <= {m.name for m in answer.suggestions}
    if item.intent in (Intent.LIST, Intent.COUNT, Intent.LATEST):
        return set(names) == set(item.models)
    if item.intent == Intent.SUPERLATIVE:
        return set(names[: len(item.models)]) == set(item.models)
    if item.intent == Intent.FIELD and item.fact is not None and answer.fact != item.fact:
        return False
    return names == list(item.models)


def evaluate(engine: Engine, conversations: list[Conversation]) -> Report:
    items: list[Labelled] = []
    answers: list[Answer] = []
    for conversation in conversations:
        previous: Answer | None = None
        for item in conversation:
            previous = engine.answer(item.question, previous)
            items.append(item)
            answers.append(previous)
    right = [is_correct(item, answer) for item, answer in zip(items, answers, strict=True)]
    labelled = Counter(item.intent for item in items)
    predicted = Counter(answer.intent.value for answer in answers)
    intent_hits = Counter(i.intent for i, a in zip(items, answers, strict=True) if a.intent.value == i.intent)
    correct_by = Counter(item.intent for item, ok in zip(items, right, strict=True) if ok)
    intents = sorted(set(labelled) | set(predicted))
    whole = dialogues = start = 0
    for conversation in conversations:
        if len(conversation) > 1:
            dialogues += 1
            whole += all(right[start : start + len(conversation)])
        start += len(conversation)
    return Report(
        total=len(items),
        correct=sum(right),
        by_intent={i: (correct_by[i], labelled[i]) for i in labelled},
        precision={i: intent_hits[i] / predicted[i] if predicted[i] else 0.0 for i in intents},
        recall={i: intent_hits[i] / labelled[i] if labelled[i] else 0.0 for i in intents},
        misses=tuple(Miss(i, a) for i, a, ok in zip(items, answers, right, strict=True) if not ok),
        conversations=(whole, dialogues),
    )
