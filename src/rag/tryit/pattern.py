"""A string matching a regular expression (the `pattern` keyword of JSON Schema), walked from its parse tree."""

from __future__ import annotations

import re

try:  # Python 3.11+ keeps the parser here; sre_parse is its deprecated alias
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

_CATEGORY = {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " ",
             "CATEGORY_NOT_DIGIT": "a", "CATEGORY_NOT_WORD": "-", "CATEGORY_NOT_SPACE": "a"}


def string_matching(pattern: str) -> str | None:
    """Return a short string that `re.search(pattern, ...)` accepts, or None when none could be built."""
    try:
        built = _emit(sre_parse.parse(pattern))
    except (re.error, RecursionError, TypeError, ValueError, OverflowError):
        return None
    try:
        return built if re.search(pattern, built) else None
    except re.error:
        return None


def _emit(tokens) -> str:
    return "".join(_token(op, arg) for op, arg in tokens)


def _token(op, arg) -> str:
    name = str(op)
    if name == "LITERAL":
        return chr(arg)
    if name == "NOT_LITERAL":
        return "a" if chr(arg) != "a" else "b"
    if name == "ANY":
        return "a"
    if name == "IN":
        return _choice(arg)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, sub = arg
        return _emit(sub) * min(max(low, 0), 1000)
    if name in ("SUBPATTERN", "ATOMIC_GROUP"):
        return _emit(arg[-1] if isinstance(arg, tuple) else arg)
    if name == "BRANCH":
        return _emit(arg[1][0])
    if name == "CATEGORY":
        return _CATEGORY.get(str(arg), "a")
    return ""  # anchors (AT), lookarounds and back references add no characters


def _choice(items) -> str:
    negated = any(str(op) == "NEGATE" for op, _ in items)
    if negated:
        return "a" if re.fullmatch(sre_parse_pattern(items), "a") is None else "0"
    op, arg = items[0]
    name = str(op)
    if name == "LITERAL":
        return chr(arg)
    if name == "RANGE":
        return chr(arg[0])
    if name == "CATEGORY":
        return _CATEGORY.get(str(arg), "a")
    return "a"


def sre_parse_pattern(items) -> str:
    """Rebuild a negated class as a pattern of its excluded characters (for the fallback choice)."""
    chars = "".join(chr(a) for op, a in items if str(op) == "LITERAL")
    return "[" + re.escape(chars) + "]" if chars else "(?!)"
