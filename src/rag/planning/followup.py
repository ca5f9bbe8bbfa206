"""Resolve an offline follow-up against the previous turn: its question, and the operations its answer named."""

from __future__ import annotations

import re
from collections.abc import Sequence

from src.rag.planning.actions import VERBS
from src.rag.planning.names import resource_of_path
from src.rag.textutil import singular
from src.rag.verify import find_endpoint_mentions

LANGUAGES = re.compile(r"\b(python|javascript|js|node|typescript|curl|bash|shell)\b", re.IGNORECASE)
_SUBSTITUTE = re.compile(r"^\s*(?:and|but|ok|okay|now|also)?\s*(?:,\s*)?(?:what|how)?\s*"
                         r"(?:about|same for|the same for|for|and for)"
                         r"\s+(?P<noun>[^?]+?)\s*\??\s*$", re.IGNORECASE)
_REFERS = re.compile(r"\b(it|its|them|they|that|those|this|these|again|too|as well)\b", re.IGNORECASE)
_LISTING = {"list", "show", "find", "search"}
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
    endpoint = endpoints[0] if endpoints else ""
    if match and not _verb(words[:1]) and not re.search(r"\bones?\b", match["noun"], re.IGNORECASE):
        noun = match["noun"].strip()
        return with_endpoints(swap_resource(previous, endpoint, noun), sibling_endpoints(endpoint, noun))
    verb = _verb(words)
    if verb and _REFERS.search(question):
        return with_endpoints(swap_action(previous, verb), related_endpoints(endpoint, verb))
    return ""


def with_endpoints(question: str, endpoints: Sequence[str]) -> str:
    """Name the calls the follow-up most likely means, so the ranker's exact-match rule can find them."""
    return f"{question} ({', '.join(endpoints)})" if endpoints else question


def related_endpoints(endpoint: str, verb: str) -> list[str]:
    """Return the calls on the previous call's resource that do ``verb``: its item path, or a verb sub-path."""
    method, _, path = endpoint.partition(" ")
    if not path:
        return []
    from src.rag.planning.actions import methods_for

    item = path if path.rstrip("/").endswith("}") else path.rstrip("/") + "/{id}"
    collection = re.sub(r"/\{[^}]+\}$", "", path)
    out = []
    for m in sorted(methods_for(verb)):
        if m == "GET":
            out += [f"GET {collection}"] if verb in _LISTING else [f"GET {item}", f"GET {collection}"]
        elif m == "POST" and "DELETE" in methods_for(verb):
            out.append(f"POST {item}/{verb}")  # an undo done by POST is an action sub-path ("/cancel")
        else:
            out += [f"{m} {item}"] + ([f"POST {item}/{verb}"] if m == "POST" else [])
        if m == "DELETE" and item != path:
            out.append(f"DELETE {path}")  # some APIs remove items by DELETE on the collection they were added to
    return list(dict.fromkeys(o for o in out if o.split(" ", 1) != [method, path]))


def sibling_endpoints(endpoint: str, noun: str) -> list[str]:
    """Return the previous call with its resource segment replaced by the new resource ("refunds" for "charges")."""
    method, _, path = endpoint.partition(" ")
    segments = path.split("/")
    literal = [i for i, seg in enumerate(segments) if seg and "{" not in seg]
    if not literal:
        return []
    words = re.findall(r"[a-z0-9]+", noun.lower())
    old = segments[literal[-1]]
    stem, dot, ext = old.partition(".")
    capital = stem[:1].isupper()  # keep the path's own style: Twilio's `Calls.json` → `Messages.json`
    out = []
    for slug in dict.fromkeys(("_".join(words), "-".join(words), "".join(words))):
        slug = "".join(w.capitalize() for w in words) if capital else slug
        swapped = segments[:]
        swapped[literal[-1]] = slug + (dot + ext if dot else "")
        out.append(f"{method} {'/'.join(swapped)}")
    return list(dict.fromkeys(out))


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
