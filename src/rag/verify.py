"""Check every endpoint and JSON pointer an answer mentions against what the index actually holds."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from src.rag.types import ApiSpec

_HTTP = re.compile(r"(?<![A-Za-z0-9_-])(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE)\s+(/[^\s`'\"<>|]*)")
_GRAPHQL = re.compile(r"(?<![A-Za-z0-9_-])(QUERY|MUTATION|SUBSCRIPTION)\s+([A-Za-z_][A-Za-z0-9_]*)\b")
_POINTER = re.compile(r"#/[^\s`'\"<>|]+")
_TRAILING = ".,;:!?)]*_'\""
# Markdown escaping puts backslashes before punctuation; they are not part of the path.
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]<>()#+!|~.-])")
_PARAM_SEGMENT = re.compile(r"^(\{[^/]*\}|:[A-Za-z_][A-Za-z0-9_]*|<[^/>]*>)$")


def find_endpoint_mentions(text: str) -> list[str]:
    """Return each distinct ``METHOD /path`` (or GraphQL ``QUERY field``) and ``#/…`` pointer in order of appearance."""
    clean = _MD_ESCAPE.sub(r"\1", text or "")
    found: list[tuple[int, str]] = []
    for match in _HTTP.finditer(clean):
        path = _trim(match.group(2))
        if path:
            found.append((match.start(), f"{match.group(1)} {path}"))
    found += [(m.start(), f"{m.group(1)} {m.group(2)}") for m in _GRAPHQL.finditer(clean)]
    found += [(m.start(), _trim(m.group(0))) for m in _POINTER.finditer(clean)]
    return list(dict.fromkeys(mention for _, mention in sorted(found) if mention and mention != "#/"))


def verify_answer(text: str, known_keys: set[str], known_pointers: set[str]) -> tuple[str, ...]:
    """Return the mentions in ``text`` that match no known operation key or pointer."""
    keys = _key_index(frozenset(known_keys))
    pointers = {_norm_pointer(p) for p in known_pointers if p}
    unverified = []
    for mention in find_endpoint_mentions(text):
        ok = _pointer_known(mention, pointers) if mention.startswith("#") else _key_known(mention, keys)
        if not ok:
            unverified.append(mention)
    return tuple(unverified)


def verify_plan(plan: Iterable[Any], known_keys: set[str], known_pointers: set[str]) -> tuple[str, ...]:
    """Return the plan steps (``METHOD /path``) and pointers that match nothing in the index."""
    claims = "\n".join(f"{step.method} {step.path} {step.pointer}" for step in plan)
    return verify_answer(claims, known_keys, known_pointers)


def known_references(specs: Iterable[ApiSpec]) -> tuple[set[str], set[str]]:
    """Collect the operation keys and JSON pointers of specs, for ``verify_answer``."""
    keys: set[str] = set()
    pointers: set[str] = set()
    for spec in specs:
        keys.update(op.key for op in spec.operations)
        for item in (*spec.operations, *spec.schemas, *spec.auth_schemes, *spec.docs):
            if item.pointer:
                pointers.add(item.pointer)
    return keys, pointers


def _trim(text: str) -> str:
    return text.rstrip(_TRAILING)


def _segments(path: str) -> tuple[str, ...]:
    """Normalise a path: no query or fragment, no trailing slash, any parameter notation becomes ``{}``."""
    path = re.split(r"[?#]", path, maxsplit=1)[0]
    parts = [p for p in path.strip().split("/") if p]
    return tuple("{}" if _PARAM_SEGMENT.match(p) else p for p in parts)


@lru_cache(maxsize=32)
def _key_index(keys: frozenset[str]) -> dict[str, list[tuple[str, ...]]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for key in keys:
        method, _, path = key.partition(" ")
        index.setdefault(method.upper(), []).append(_segments(path) if path.startswith("/") else (path,))
    return index


def _key_known(mention: str, index: dict[str, list[tuple[str, ...]]]) -> bool:
    method, _, path = mention.partition(" ")
    wanted = _segments(path) if path.startswith("/") else (path,)
    for candidate in index.get(method, []):
        # A template segment of a known path accepts any one segment: a renamed parameter or a concrete id.
        if len(candidate) == len(wanted) and all(c == w or c == "{}" for c, w in zip(candidate, wanted)):
            return True
    return False


def _norm_pointer(pointer: str) -> str:
    return unquote(pointer).rstrip("/")


def _pointer_known(mention: str, pointers: set[str]) -> bool:
    pointer = _norm_pointer(mention)
    # A pointer inside a known object (its requestBody, a response) is as checkable as the object itself.
    return any(pointer == p or pointer.startswith(p + "/") for p in pointers)
