"""One folding of model and vendor names, shared by the alias index and the question matcher.

Users write the same name many ways (``GPT-4.1``, ``gpt 4.1``, ``ｇｐｔ４．１``); folding width, case and the
separators people vary makes them one key, so an exact lookup can precede any fuzzy guessing.
"""

import re
import unicodedata

SEPARATORS = frozenset(" \t\n-‐‑‒–—_.·・")  # the characters people vary inside a name
_SEPARATOR_RUNS = re.compile("[" + re.escape("".join(sorted(SEPARATORS))) + r"\s]+")
_VERSION_DOT = re.compile(r"(?<=\d)\.(?=\d)")
_WORD = re.compile(r"[a-z0-9]+(?:[.+][a-z0-9]+)*|[\u3400-\u9fff]+")


def fold_name(text: str) -> str:
    """Fold ``text`` to its lookup key: NFKC width, case folding, spaces/hyphens/dots/underscores removed."""
    return _SEPARATOR_RUNS.sub("", unicodedata.normalize("NFKC", text).casefold())


def name_words(text: str) -> list[str]:
    """The words of a name, folded like ``fold_name`` but split where it joins: "Gemini 2.5 Flash-Lite" →
    gemini, 2.5, flash, lite. A dot between two digits stays, so a version remains one word."""
    folded = _VERSION_DOT.sub("\x00", unicodedata.normalize("NFKC", text).casefold())
    spaced = "".join(" " if c in SEPARATORS else c for c in folded).replace("\x00", ".")
    return _WORD.findall(spaced)
