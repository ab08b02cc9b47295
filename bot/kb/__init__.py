"""The knowledge base: YAML files validated into one immutable snapshot."""

from bot.kb.errors import KnowledgeError, KnowledgeLoadError
from bot.kb.loader import load_knowledge
from bot.kb.snapshot import KnowledgeBase

__all__ = ["KnowledgeBase", "KnowledgeError", "KnowledgeLoadError", "load_knowledge"]
