"""Question text → one canonical form, so every later step sees a single spelling.

Full-width → half-width (NFKC), case folding, and traditional → simplified Chinese with OpenCC: the
official OpenCC binding on PyPI (``opencc``), maintained by the OpenCC project itself, with phrase-level
dictionaries and a compiled core that converts a question in microseconds. The ``tw2sp`` configuration
also converts Taiwan wording (支援 → 支持, 影片 → 视频, 軟體 → 软件), which character-level converters miss.
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


def normalize(text: str) -> Question:
    """Normalise ``text`` (cut to ``MAX_QUESTION_CHARS``: no real question is longer)."""
    original = text[:MAX_QUESTION_CHARS]
    cleaned = _INVISIBLE.sub("", unicodedata.normalize("NFKC", original)).casefold()
    if _CJK.search(cleaned):
        cleaned = _converter().convert(cleaned)
    lang: Lang = "zh" if _CJK.search(cleaned) else "en"
    return Question(original, " ".join(cleaned.split()), lang)
