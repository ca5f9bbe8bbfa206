"""What the ranker reads from a question: content words, nouns, the verb's HTTP intent, concrete identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from src.rag.textutil import singular, tokenize

# Verbs that say which kind of call the user wants; the first family that matches wins.
INTENTS = (
    (re.compile(r"\b(delete|remove|destroy|erase|unsubscribe|revoke|drop|kill|ban|kick)\b", re.I), frozenset({"DELETE"})),
    (re.compile(r"\b(update|modify|change|edit|rename|replace|patch|scale|set|toggle|enable|disable)\b", re.I),
     frozenset({"PATCH", "PUT", "POST"})),
    (re.compile(r"\b(create|add|make|send|refund|pay|upload|submit|register|cancel|capture|invite|issue|"
                r"generate|start|post|open|transfer|verify|book|schedule|run|launch|deploy|attach|provision|"
                r"spin up|call|text|message|reply)\b", re.I), frozenset({"POST", "PUT"})),
    (re.compile(r"\b(list|get|retrieve|show|find|fetch|view|read|search|look|download|status|which|what|see|"
                r"check|lookup|history|how many|current)\b", re.I), frozenset({"GET"})),
)
# Words too generic to say what resource the user means.
GENERIC = frozenset("api endpoint call request response data object id list new value field way thing".split())
_MANY = re.compile(r"\b(all|every|each|list|lists|listing|many|several|which)\b", re.I)
_NOT_PLURAL = frozenset("does this status address access class process business analysis".split())
_IDENTIFIERS = (
    re.compile(r"\b\d{3,}\b"),  # 8841, snowflakes
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),  # UUIDs
    re.compile(r"\b[a-z]{2,8}_[A-Za-z0-9]*[0-9A-Z][A-Za-z0-9]*\b"),  # ch_123, cus_ABC
    re.compile(r"\b[A-Z]{2}[0-9a-f]{6,}\b"),  # SIDs: AC123abc…
    re.compile(r"[\"'`][^\"'`\s][^\"'`]{0,60}[\"'`]"),  # a quoted name
    re.compile(r"\b(?:id|ID|named|called)\s+[\w.-]+"),  # "id 8841", "named web-1"
)


@dataclass(frozen=True)
class QuestionSignals:
    """The parts of a question the ranker's features depend on."""

    terms: tuple[str, ...]
    nouns: tuple[str, ...]
    intent: frozenset[str]
    names_identifier: bool
    wants_many: bool


def intent_methods(text: str) -> frozenset[str]:
    """Return the HTTP methods the question's first action verb asks for (empty when it names none)."""
    first: tuple[int, frozenset[str]] | None = None
    for pattern, methods in INTENTS:
        found = pattern.search(text)
        if found and (first is None or found.start() < first[0]):
            first = (found.start(), methods)
    return first[1] if first else frozenset()


def names_identifier(text: str) -> bool:
    """Return whether the question names one concrete object (an id, a UUID, a quoted name)."""
    return any(p.search(text) for p in _IDENTIFIERS)


def wants_many(text: str) -> bool:
    """Return whether the question asks for several objects ("all", "list", a plural noun)."""
    if _MANY.search(text):
        return True
    return any(singular(w) != w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _NOT_PLURAL)


def read_question(text: str) -> QuestionSignals:
    """Analyse one question (or one step of it) for the ranker."""
    terms = tuple(dict.fromkeys(tokenize(text)))
    verbs = {t for t in terms if any(p.fullmatch(t) for p, _ in INTENTS)}
    nouns = tuple(t for t in terms if t not in verbs and t not in GENERIC and not t.isdigit())
    return QuestionSignals(terms, nouns, intent_methods(text), names_identifier(text), wants_many(text))
