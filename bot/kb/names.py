"""One folding of model and vendor names, shared by the alias index and the question matcher.

Users write the same name many ways (``GPT-4.1``, ``gpt 4.1``, ``ｇｐｔ４．１``); folding width, case and the
separators people vary makes them one key, so an exact lookup can precede any fuzzy guessing.
"""

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.·・]+")


def fold_name(text: str) -> str:
    """Fold ``text`` to its lookup key: NFKC width, case folding, spaces/hyphens/dots/underscores removed."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).casefold())
