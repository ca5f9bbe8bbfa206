"""Name analysis for data flow: which resource an input or output field refers to, and by which attribute."""

from __future__ import annotations

import re

from src.rag.textutil import singular, split_identifier

# Trailing words that say "this is how you name a resource", not the resource itself.
ATTRIBUTES = {"id": "id", "ids": "id", "sid": "sid", "sids": "sid", "uuid": "uuid", "uuids": "uuid",
              "uri": "uri", "uris": "uri", "name": "name", "names": "name", "slug": "slug",
              "key": "key", "token": "token", "number": "number", "urn": "urn", "identifier": "id",
              "identity": "identity", "code": "code", "tag": "tag", "email": "email", "ip": "ip"}
_ID_LIKE = {"id", "sid", "uuid", "uri", "urn", "slug"}
_GENERIC = {"the", "a", "an", "object", "response", "list", "paginated", "resource", "item", "result",
            "data", "value", "v1", "v2", "api", "io", "k8s", "model", "schema"}
_DESCRIBED = re.compile(r"\b(?:id|identifier|uri|sid|uuid|name)s?\s+of\s+(?:the|a|an)\s+([a-z][a-z ]{2,30}?)\b(?:\s+to|\s+that|\s+which|[.,;(]|$)",
                        re.IGNORECASE)


def words(name: str) -> list[str]:
    """Split an identifier into lower-case singular words."""
    return [singular(w) for w in split_identifier(name)]


def split_name(name: str) -> tuple[tuple[str, ...], str]:
    """Split ``playlist_id`` into (("playlist",), "id"); a bare noun (``customer``) is referred to by id."""
    raw = split_identifier(name)
    if raw and raw[-1] in ATTRIBUTES:
        return tuple(singular(w) for w in raw[:-1]), ATTRIBUTES[raw[-1]]
    return tuple(singular(w) for w in raw), "id"


def path_owner(path: str, param: str) -> tuple[str, ...]:
    """Return the resource words of the literal segment just before ``{param}`` (``/Calls/{Sid}`` → call)."""
    segments = [s for s in path.split("/") if s]
    for i, seg in enumerate(segments):
        if "{" + param + "}" in seg and i > 0:
            prev = re.sub(r"\.[a-z]+$", "", segments[i - 1])
            if not prev.startswith("{"):
                return tuple(words(prev))
    return ()


def described_owner(description: str) -> tuple[str, ...]:
    """Return the resource a description names: "The ID of the customer to charge" → customer."""
    match = _DESCRIBED.search(description or "")
    return tuple(words(match.group(1))[-2:]) if match else ()


def schema_owner(schema_name: str) -> tuple[str, ...]:
    """Return the resource words of a schema name: ``io.k8s.api.core.v1.Pod`` → pod, ``api.v2010.account.call`` → call."""
    last = re.split(r"[./]", schema_name or "")[-1]
    found = [w for w in words(last) if w not in _GENERIC]
    for suffix in ("response", "object", "list", "resource"):
        if found and found[-1] == suffix and len(found) > 1:
            found = found[:-1]
    return tuple(found)


def resource_of_path(path: str) -> tuple[str, ...]:
    """Return the resource an operation works on: its last literal path segment, singular."""
    literal = [s for s in path.split("/") if s and "{" not in s and not re.fullmatch(r"v\d+(\.\d+)?|\d{4}-\d\d-\d\d", s)]
    if not literal:
        return ()
    last = re.sub(r"\.[a-z]+$", "", literal[-1])
    return tuple(words(last))


def is_id_like(attribute: str) -> bool:
    """Tell whether an attribute is an opaque identifier (so it must come from somewhere, not be made up)."""
    return attribute in _ID_LIKE
