"""A short plain-English phrase for what an operation does, read from its method and path alone.

"POST /v1/customers/{customer}/sources" becomes "create source of customers", "GET /api/v1/namespaces/
{namespace}/pods" becomes "list pods of namespaces". Developers ask in exactly that shape ("list pods in a
namespace"), while an operation's digest opens with paths, parameters and response fields; the phrase is
embedded beside the digest so the dense match can see the verb and the resource together. Every spec gets
the same rule: nothing here knows an API.
"""

from __future__ import annotations

import re

from src.rag.textutil import singular

# Path segments that name a version, a date or an API group/host, never a resource.
_NOT_A_RESOURCE = re.compile(r"v\d+[a-z0-9]*|\d[\d-]*|api|apis|rest|[^{}]*\.[^{}]*")
_EXTENSION = re.compile(r"\.(json|xml|csv|yaml)$", re.I)
_ITEM_VERBS = {"GET": "get", "PUT": "replace", "PATCH": "update", "DELETE": "delete", "POST": "update"}
_COLLECTION_VERBS = {"GET": "list", "PUT": "replace", "PATCH": "update", "DELETE": "delete", "POST": "create"}


def _words(segment: str) -> str:
    """Split snake, kebab and camel case into lower-case words."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", re.sub(r"[^A-Za-z0-9]+", " ", segment))
    return " ".join(spaced.lower().split())


def _singular(words: str) -> str:
    return " ".join(singular(w) for w in words.split())


def action_phrase(method: str, path: str) -> str:
    """Return 'verb resource of parents' for an operation (empty when the path names no resource)."""
    segments = [_EXTENSION.sub("", s) for s in path.strip("/").split("/") if s]
    literal = [i for i, s in enumerate(segments) if not s.startswith("{") and not _NOT_A_RESOURCE.fullmatch(s)]
    if not literal:
        return ""
    last = literal[-1]
    item = last < len(segments) - 1  # a parameter follows the last resource: one object, not the collection
    resource = _words(segments[last])
    parents = " ".join(_words(segments[i]) for i in literal[-3:-1])
    method = method.upper()
    after_param = last > 0 and segments[last - 1].startswith("{")
    if method == "POST" and not item and after_param and singular(resource) == resource and " " not in resource:
        # POST /charges/{charge}/capture: the last word is the action itself
        return f"{resource} the {parents}".strip() if parents else resource
    verb = (_ITEM_VERBS if item else _COLLECTION_VERBS).get(method, method.lower())
    noun = resource if verb == "list" else _singular(resource)
    return f"{verb} {noun}" + (f" of {parents}" if parents else "")
