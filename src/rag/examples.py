"""Example questions for one API, built from its own operations (shown after an upload)."""

from __future__ import annotations

import re
from collections import OrderedDict

from src.rag.types import ApiSpec, Operation

MAX_QUESTION_CHARS = 120
# Summaries that start with one of these read naturally after "How do I ...".
_VERBS = {
    "add", "approve", "archive", "attach", "cancel", "capture", "change", "check", "close", "complete", "confirm",
    "copy", "count", "create", "delete", "detach", "disable", "download", "enable", "export", "fetch", "find",
    "finalize", "generate", "get", "import", "invite", "list", "lookup", "mark", "modify", "move", "open", "pause",
    "post", "publish", "put", "read", "redeem", "refund", "register", "reject", "remove", "rename", "replace",
    "reset", "resume", "retrieve", "revoke", "run", "schedule", "search", "send", "set", "start", "stop", "submit",
    "subscribe", "sync", "test", "update", "upload", "upsert", "validate", "verify", "void",
}
_TAG = re.compile(r"<[^>]*>")
_METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "QUERY", "MUTATION", "SUBSCRIPTION"}


def example_questions(spec: ApiSpec, limit: int = 4) -> list[str]:
    """Return up to `limit` natural questions about distinct areas of the API, auth first when declared."""
    return [q for q, _ in candidates(spec)][:limit]


def candidates(spec: ApiSpec) -> list[tuple[str, str]]:
    """Return (question, operation key) pairs: auth first when declared, then one per area in turn."""
    pairs: list[tuple[str, str]] = []
    spread = _spread(spec.operations)
    if spec.auth_schemes and spread:
        title = _clean(spec.title).rstrip(".") or "this API"
        # Asked about a real call, so the answer is that endpoint with its auth, not a bare scheme.
        pairs.append((f"How do I authenticate with {title} to call {spread[0].key}?", spread[0].key))
    for op in spread:
        question = question_for(op)
        if all(question != q for q, _ in pairs):
            pairs.append((question, op.key))
    return pairs


def question_for(op: Operation) -> str:
    """Phrase one operation as the question a developer would ask to find it."""
    summary = _clean(op.summary).rstrip(".")
    first = summary.split(" ", 1)[0] if summary else ""
    if first.upper() in _METHODS or summary.startswith("/"):  # "GET /health" says nothing a path does not
        return _cap(f"How do I call {op.method} {op.path}?")
    verb = _base_verb(first)
    if verb:
        rest = summary[len(first):]
        return _cap(f"How do I {_lower_first(summary) if verb == first.lower() else verb + rest}?")
    if summary:
        return _cap(f"How do I use {op.method} {op.path} ({summary})?")
    return _cap(f"How do I call {op.method} {op.path}?")


def _base_verb(word: str) -> str:
    """Return the verb a summary starts with in its base form ("Retrieves" → "retrieve"), else ''."""
    low = word.lower()
    for form in (low, low[:-1] if low.endswith("s") else "", low[:-2] if low.endswith("es") else ""):
        if form in _VERBS:
            return form
    return ""


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym or mixed case ("OAuth", "SMS")."""
    word = text.split(" ", 1)[0]
    if word[1:] != word[1:].lower():
        return text
    return text[0].lower() + text[1:]


def _spread(operations: tuple[Operation, ...]) -> list[Operation]:
    """Order operations round-robin across tags (or first path segment) so examples cover different areas."""
    groups: OrderedDict[str, list[Operation]] = OrderedDict()
    usable = [o for o in operations if not o.deprecated and not o.is_webhook]
    # Operations with a summary first: they make readable questions.
    for op in sorted(usable, key=lambda o: (not o.summary, o.path, o.method)):
        groups.setdefault(_area(op), []).append(op)
    ordered: list[Operation] = []
    while any(groups.values()):
        for ops in groups.values():
            if ops:
                ordered.append(ops.pop(0))
    return ordered


def _area(op: Operation) -> str:
    if op.tags:
        return op.tags[0].lower()
    parts = [p for p in op.path.split("/") if p and not p.startswith("{") and not re.fullmatch(r"v\d+(\.\d+)?", p)]
    return parts[0].lower() if parts else ""


def _clean(text: str) -> str:
    """Reduce spec text to one plain line: no HTML tags, no Markdown emphasis, single spaces."""
    plain = _TAG.sub(" ", text or "")
    plain = re.sub(r"[`*_#>\[\]]", "", plain)
    return " ".join(plain.split())


def _cap(text: str) -> str:
    return text if len(text) <= MAX_QUESTION_CHARS else text[: MAX_QUESTION_CHARS - 2].rstrip() + "…?"
