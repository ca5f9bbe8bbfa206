"""Values the user typed into a question: ids, quoted names, numbers, emails, phone numbers, channels, dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from src.rag.textutil import STOPWORDS, singular

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("phone", re.compile(r"(?<![\w+])\+\d{7,15}\b")),
    ("quoted", re.compile(r"(?<![\w])'([^'\n]{1,80})'(?![\w])|\"([^\"\n]{1,80})\"|“([^”\n]{1,80})”")),
    ("channel", re.compile(r"(?<![\w&])#([A-Za-z0-9][\w-]{0,60})")),
    ("date", re.compile(r"\b\d{4}-\d\d-\d\d(?:T[\d:]+Z?)?\b")),
    ("url", re.compile(r"\bhttps?://[^\s'\"<>]+")),
    ("id", re.compile(r"\b[A-Za-z]{1,8}_[A-Za-z0-9]{2,}\b|\b[A-Z]{2}[0-9a-fx]{4,}\b")),
    ("domain", re.compile(r"\b[a-z0-9-]+\.(?:com|org|net|io|dev|app|co)\b")),
)
# A word followed by a value-looking token: "droplet 42", "node worker-3", "namespace build".
_NAMED = re.compile(r"\b(?=([A-Za-z]{3,})\s+(?:named\s+|called\s+)?([a-z0-9][a-z0-9._-]*[a-z0-9])(?=[\s,.;:?!)]|$))")
_NUMBER = re.compile(r"(?<![\w.#+-])\$?(\d+(?:\.\d+)?)\s*(%|gb|mb|k)?(?![\w-])", re.IGNORECASE)
_VALUE_SHAPE = re.compile(r".*(\d|-|_).*")
_NOT_NOUNS = STOPWORDS | {"new", "existing", "same", "last", "first", "every", "each", "called", "named", "id"}


@dataclass(frozen=True)
class GivenValue:
    """One value in the question, the words just around it, and where it starts."""

    kind: str
    value: Any
    text: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    start: int = 0

    @property
    def nouns(self) -> tuple[str, ...]:
        """Return the words that say what the value is (the word before it first, then the one after)."""
        return self.before[-1:] + self.after[:1]


def given_values(question: str) -> list[GivenValue]:
    """Return every value the user gave, in the order typed; a span is claimed by the first pattern that fits."""
    taken: list[tuple[int, int]] = []
    found: list[GivenValue] = []

    def claim(kind: str, value: Any, start: int, end: int) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(GivenValue(kind, value, question[start:end], _words(question[:start])[-2:],
                                _words(question[end:])[:2], start))

    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(question):
            text = next((g for g in m.groups() if g), m.group(0)) if m.groups() else m.group(0)
            claim(kind, text, m.start(), m.end())
    for m in _NAMED.finditer(question):
        noun, value = m.group(1).lower(), m.group(2)
        if noun not in _NOT_NOUNS and _VALUE_SHAPE.fullmatch(value) and not value.isdigit():
            claim("name", value, m.start(2), m.end(2))
    for m in _NUMBER.finditer(question):
        number = float(m.group(1)) if "." in m.group(1) else int(m.group(1))
        claim("number", number, m.start(), m.end())
    return sorted(found, key=lambda v: v.start)


def _words(text: str) -> tuple[str, ...]:
    return tuple(singular(w.lower()) for w in re.findall(r"[A-Za-z]+", text) if w.lower() not in _NOT_NOUNS)


def id_prefix_fits(value: str, resource: tuple[str, ...]) -> bool:
    """Tell whether an id's prefix abbreviates a resource: ``cus_`` customer, ``pm_`` payment method, ``vs_`` vector store."""
    prefix = value.split("_", 1)[0].lower() if "_" in value else ""
    if not prefix or not resource:
        return False
    joined = "".join(resource)
    initials = "".join(w[0] for w in resource)
    if joined.startswith(prefix) or initials == prefix:
        return True
    rest = iter(joined[1:])
    return prefix[0] == joined[0] and len(prefix) > 1 and all(ch in rest for ch in prefix[1:])
