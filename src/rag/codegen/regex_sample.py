"""Build a string that a regular expression accepts, from its parsed form (literals, classes, groups, repeats)."""

from __future__ import annotations

import re
from re import _constants as c  # type: ignore[attr-defined]  # the parser's opcodes, stable since 3.11
from re import _parser  # type: ignore[attr-defined]
from typing import Any

_CATEGORY = {c.CATEGORY_DIGIT: "0123456789", c.CATEGORY_WORD: "abcdefghijklmnopqrstuvwxyz0123456789_",
             c.CATEGORY_SPACE: " ", c.CATEGORY_NOT_DIGIT: "abc", c.CATEGORY_NOT_WORD: "-. ",
             c.CATEGORY_NOT_SPACE: "abc"}
_PRINTABLE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_. "
_MAX_UNBOUNDED = 64


def regex_sample(pattern: str, variant: int = 0, length: int = 0) -> str | None:
    """Return a string the pattern matches (search semantics), or None when none can be built.

    ``variant`` picks other members of character classes (distinct array items); ``length`` asks open
    repeats (``*``, ``+``, ``{2,}``) to grow until the string is at least that long.
    """
    try:
        regex = re.compile(pattern)
        parsed = _parser.parse(pattern)
    except (re.error, TypeError, ValueError, RecursionError, OverflowError):
        return None
    for extra in dict.fromkeys((0, max(length, 0), 1)):
        try:
            text = _build(list(parsed), variant, extra)
        except (_Unbuildable, RecursionError):
            return None
        if len(text) >= length and regex.search(text):
            return text
    return None


class _Unbuildable(Exception):
    """The pattern uses a construct that cannot be generated (back-references, lookarounds)."""


def _build(items: list[tuple[Any, Any]], variant: int, extra: int) -> str:
    out = []
    for op, arg in items:
        out.append(_one(op, arg, variant, extra))
    return "".join(out)


def _one(op: Any, arg: Any, variant: int, extra: int) -> str:
    if op == c.LITERAL:
        return chr(arg)
    if op == c.NOT_LITERAL:
        return "a" if chr(arg) != "a" else "b"
    if op == c.ANY:
        return "a"
    if op == c.IN:
        return _in(arg, variant)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, high, sub = arg
        count = low if extra == 0 else min(max(low, extra), _MAX_UNBOUNDED if high == c.MAXREPEAT else high)
        return "".join(_build(list(sub), variant + n, extra) for n in range(count))
    if op == c.SUBPATTERN:
        return _build(list(arg[-1]), variant, extra)
    if op == getattr(c, "ATOMIC_GROUP", None):
        return _build(list(arg), variant, extra)
    if op == c.BRANCH:  # distinct variants take distinct alternatives
        return _build(list(arg[1][variant % len(arg[1])]), variant, extra)
    if op == c.AT:
        return ""
    raise _Unbuildable(str(op))


def _in(members: list[tuple[Any, Any]], variant: int) -> str:
    """Return a character of a class; a negated class gets a printable character it leaves out."""
    chars: list[str] = []
    negate = False
    for op, arg in members:
        if op == c.NEGATE:
            negate = True
        elif op == c.LITERAL:
            chars.append(chr(arg))
        elif op == c.RANGE:
            chars += [chr(n) for n in range(arg[0], min(arg[1], arg[0] + 25) + 1)]
        elif op == c.CATEGORY:
            chars += list(_CATEGORY.get(arg, "a"))
    if negate:
        chars = [ch for ch in _PRINTABLE if ch not in set(chars)]
    if not chars:
        raise _Unbuildable("empty class")
    return chars[variant % len(chars)]
