"""Split a question into the actions it asks for, in the order asked."""

from __future__ import annotations

import re

from src.rag.query import ACTION_VERBS
from src.rag.textutil import tokenize

# Verbs developers use for API actions beyond the retrieval vocabulary.
VERBS = ACTION_VERBS | frozenset("""
acknowledge activate assign attach ban block bill buy cap clone complete confirm create drain email enable
evict expose finalize fork give grant hook invite kick lift mute pin poll price publish pull purge put read
refresh rotate save scale set skip star submit tag tell unban unpin unstar upload make start stop end open
""".split())
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=\S)")
_ALWAYS = re.compile(r"\s*,?\s*\b(?:and then|then|after that|afterwards|finally|lastly|and also)\b[,:]?\s+",
                     re.IGNORECASE)
_MAYBE = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s+-\s+|:\s+", re.IGNORECASE)
_HEADING = re.compile(r"^(?P<head>[^:]{3,120}):\s+(?P<body>.+)$", re.DOTALL)
_LIST_ITEM = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)\s*")
# Sentences that describe what exists or happened rather than ask for something.
_STATE = re.compile(r"\b(already|existing|exists?|i have|got|i know|is leaving|failed|stuck|keeps|by mistake|"
                    r"is capped|stopped|(?:don'?t|do not|dont) (?:know|have))\b", re.IGNORECASE)
MAX_ACTIONS = 4
# "(DELETE /files/{id}, GET /files)": calls a resolved follow-up names for the ranker, not actions asked
_ENDPOINT_LIST = re.compile(r"\s*\((?:\s*,?\s*(?:GET|POST|PUT|PATCH|DELETE)\s+/[^,()]*)+\)")
_ARTICLE = re.compile(r"^\s*(?:a|an|another|one more)\s+\w", re.IGNORECASE)
_MAKING = {"create", "make", "add", "set", "open", "start", "register", "build"}


def split_actions(question: str) -> list[str]:
    """Return one clause per action asked for ("skip the track and set the volume to 60" → two).

    A summary before a colon ("bill a customer: add the line, create the invoice") gives way to the steps
    after it; a bare list of nouns after a colon ("deployment, service and ingress") becomes one
    "create" action each; sentences that only describe the situation are dropped.
    """
    text = _ENDPOINT_LIST.sub("", " ".join(question.split())).strip()
    match = _HEADING.match(text)
    if match:
        items = [i.strip(" .?!") for i in _LIST_ITEM.split(match["body"]) if i.strip(" .?!")]
        if len(items) >= 2 and all(len(i.split()) <= 3 and not has_verb(i) for i in items):
            return [f"create {i}" for i in items][:MAX_ACTIONS]
        body = _clauses(match["body"])
        if len(body) >= 2:
            return body[:MAX_ACTIONS]
    return _clauses(text)[:MAX_ACTIONS] or [question.strip()]


def _clauses(text: str) -> list[str]:
    clauses: list[str] = []
    for sentence in _SENTENCE.split(text):
        for part in _ALWAYS.split(sentence):
            clauses += _verb_parts(part)
    clauses = [c.strip(" ,.;:-") for c in clauses if tokenize(c)]
    kept: list[str] = []
    for clause in clauses:
        if kept and _ARTICLE.match(clause) and _first_word(kept[-1]) in _MAKING:
            clause = f"{_first_word(kept[-1])} {clause}"  # "create a user and then a pool that uses it"
        # context ("full amount", "which endpoint?") is not an action; an action opens with its verb
        if opens_with_verb(clause) or (not kept and not _STATE.search(clause)):
            kept.append(clause)
    for n in range(1, len(kept)):
        if len(tokenize(kept[n])) < 2:  # "…find them in the ban list, lift it": a lone verb borrows the object
            kept[n] = f"{kept[n]} {' '.join(tokenize(kept[n - 1])[-2:])}"
    if len(kept) > 1 and not opens_with_verb(kept[0]) and len(kept[0].split()) <= 3:
        topic = kept.pop(0)
        kept[0] = f"{kept[0]} ({topic})"  # a leading topic ("metered billing") is context for the action
    return kept or clauses


def _verb_parts(part: str) -> list[str]:
    """Split at commas, 'and', dashes and colons only where the next piece starts with a verb.

    "make a coupon and a code SUMMER25" asks for two things made: a piece opening with an article after
    a making verb becomes its own action with that verb.
    """
    pieces = _MAYBE.split(part)
    out: list[str] = []
    for piece in pieces:
        verb = _first_word(out[-1]) if out else ""
        if out and _ARTICLE.match(piece) and verb in _MAKING:
            out.append(f"{verb} {piece}")
        elif out and not opens_with_verb(piece):
            out[-1] = f"{out[-1]} and {piece}"
        else:
            out.append(piece)
    return out


def _first_word(clause: str) -> str:
    words = re.findall(r"[a-z]+", clause.lower())
    return words[0] if words else ""


def opens_with_verb(clause: str) -> bool:
    """Tell whether a clause opens with an action verb (after "to", "please", "also", "just" or "now")."""
    words = re.findall(r"[a-z]+", clause.lower())
    first = words[0] if words else ""
    if first in {"to", "please", "also", "just", "now"} and len(words) > 1:
        first = words[1]
    return first in VERBS or (first.endswith("s") and first[:-1] in VERBS)


def has_verb(clause: str) -> bool:
    """Tell whether a clause holds an action verb anywhere."""
    return any(w in VERBS for w in re.findall(r"[a-z]+", clause.lower()))


# What an action's verb asks the call to do, as the HTTP methods that can do it.
_METHODS_FOR = (
    ({"GET"}, "list find search show see get read check poll download pull look fetch view retrieve which "
              "what tell count inspect watch"),
    ({"DELETE", "POST"}, "delete remove purge revoke release lift unban detach destroy drop"),
    ({"POST", "PUT"}, "create make add start upload send post submit register buy new trigger run invite "
                      "attach put open book generate deploy issue enroll save"),
    ({"POST", "PUT", "PATCH"}, "update change set modify edit replace cap finalize confirm upgrade assign hook "
                               "give ban stop cancel end rename move mark enable disable acknowledge verify price"),
)


def methods_for(verb: str) -> set[str]:
    """Return the HTTP methods that can do what a verb asks (every method for a verb not known)."""
    for methods, verbs in _METHODS_FOR:
        if verb in verbs.split():
            return set(methods)
    return {"GET", "POST", "PUT", "PATCH", "DELETE"}


def method_fits(action: str, method: str) -> bool:
    """Tell whether an HTTP method can do what the action's first verb asks (unknown verbs allow any)."""
    words = re.findall(r"[a-z]+", action.lower())
    verb = next((w for w in words[:3] if w in VERBS or w in {"new", "which", "what"}), "")
    return not verb or method.upper() in methods_for(verb)
