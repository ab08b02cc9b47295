"""Question text → one canonical form, so every later step sees a single spelling.

Lone surrogates (from a terminal's undecodable bytes or a client's broken UTF-16) become U+FFFD first, so
nothing later (OpenCC's UTF-8 encoding among them) can fail on them. Then full-width → half-width (NFKC),
case folding, and traditional → simplified Chinese with OpenCC: the official OpenCC binding on PyPI
(``opencc``), maintained by the OpenCC project itself, with phrase-level dictionaries and a compiled core
that converts a question in microseconds. The ``tw2sp`` configuration also converts Taiwan wording
(支援 → 支持, 影片 → 视频, 軟體 → 软件), which character-level converters miss.

The length cap holds before and after normalisation: NFKC expands some characters (``㍿`` → ``株式会社``,
``ﷺ`` → 18 characters), and every later step is paid per character.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

import opencc

Lang = Literal["zh", "en"]

MAX_QUESTION_CHARS = 500
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


@dataclass(frozen=True, slots=True)
class Question:
    """A normalised question and the language to answer in."""

    original: str
    text: str
    lang: Lang


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("tw2sp")


def valid_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (a surrogate pair becomes its character)."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def normalize(text: str) -> Question:
    """Normalise ``text`` (cut to ``MAX_QUESTION_CHARS`` before and after: no real question is longer)."""
    original = valid_text(text[:MAX_QUESTION_CHARS])
    cleaned = _INVISIBLE.sub("", unicodedata.normalize("NFKC", original))[:MAX_QUESTION_CHARS].casefold()
    if _CJK.search(cleaned):
        cleaned = _converter().convert(cleaned)
    lang: Lang = "zh" if _CJK.search(cleaned) else "en"
    return Question(original, " ".join(cleaned.split())[:MAX_QUESTION_CHARS], lang)
