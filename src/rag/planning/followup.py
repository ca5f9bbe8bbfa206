"""Resolve an offline follow-up against the previous turn: its question, and the operations its answer named."""

from __future__ import annotations

import re
from collections.abc import Sequence

from src.rag.planning.actions import VERBS
from src.rag.planning.names import resource_of_path
from src.rag.textutil import singular
from src.rag.verify import find_endpoint_mentions

LANGUAGES = re.compile(r"\b(python|javascript|js|node|typescript|curl|bash|shell)\b", re.IGNORECASE)
_SUBSTITUTE = re.compile(r"^\s*(?:and|but|ok|okay|now|also)?\s*(?:,\s*)?(?:what|how)?\s*(?:about|same for|the same for|for|and for)"
                         r"\s+(?P<noun>[^?]+?)\s*\??\s*$", re.IGNORECASE)
_REFERS = re.compile(r"\b(it|its|them|they|that|those|this|these|again|too|as well)\b", re.IGNORECASE)
_UNDO_PREPOSITION = {"remove", "delete", "detach", "unpin", "purge", "revoke", "drop"}


def resolve_follow_up(question: str, previous: str, previous_answer: str) -> str:
    """Return the follow-up as a standalone question, or '' when it does not lean on the previous turn.

    "now in Python" asks the previous question again; "and for TV shows?" asks it about another
    resource; "remove them again" asks the previous question with another action.
    """
    words = re.findall(r"[A-Za-z#+]+", question.lower())
    if not previous or not words or len(words) > 10:
        return ""
    endpoints = find_endpoint_mentions(previous_answer)
    if LANGUAGES.search(question) and len(words) <= 6 and not _verb(words):
        return previous
    match = _SUBSTITUTE.match(question)
    if match and not _verb(words[:1]) and not re.search(r"\bones?\b", match["noun"], re.IGNORECASE):
        return swap_resource(previous, endpoints[0] if endpoints else "", match["noun"].strip())
    verb = _verb(words)
    if verb and _REFERS.search(question):
        return swap_action(previous, verb)
    return ""


def _verb(words: Sequence[str]) -> str:
    return next((w for w in words if w in VERBS), "")


def swap_resource(previous: str, endpoint: str, noun: str) -> str:
    """Put another resource where the previous question named the previous operation's resource."""
    path = endpoint.split(" ", 1)[1] if " " in endpoint else ""
    wanted = {w for w in resource_of_path(path)}
    for word in re.findall(r"[A-Za-z]+", previous):
        if singular(word.lower()) in wanted:
            return re.sub(rf"\b{re.escape(word)}\b", noun, previous, count=1)
    return f"{previous.rstrip(' ?.')} for {noun}"


def swap_action(previous: str, verb: str) -> str:
    """Ask the previous question with another action ("add items to a playlist" → "remove items from a playlist")."""
    words = previous.split()
    for n, word in enumerate(words):
        if word.lower().strip(",.?") in VERBS:
            words[n] = verb
            text = " ".join(words)
            return re.sub(r"\bto\b", "from", text, count=1) if verb in _UNDO_PREPOSITION else text
    return f"{verb} {previous}"
