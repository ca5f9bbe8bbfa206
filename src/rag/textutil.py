"""Small text helpers shared by chunking and retrieval: identifier splitting and tokenising."""

from __future__ import annotations

import re

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[A-Za-z0-9]+")
STOPWORDS = frozenset(
    """a an and are as at be by can do does for from get how i if in into is it its me my of on or please
    should so that the their them then there these this to us use using via want was we what when where
    which who will with would you your i'd i'm let lets able need needs also all any some one way""".split()
)


def split_identifier(name: str) -> list[str]:
    """Split camelCase, snake_case, kebab-case and path-like identifiers into lower-case words."""
    words: list[str] = []
    for part in _WORD.findall(name or ""):
        words.extend(w.lower() for w in _CAMEL.split(part) if w)
    return words


def singular(word: str) -> str:
    """Return a crude singular form so 'refunds' and 'refund' match ('statuses' → 'status')."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "uses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Tokenise text for keyword ranking: split identifiers, lower-case, drop stopwords, singularise."""
    return [singular(w) for w in split_identifier(text) if w not in STOPWORDS and len(w) > 1 or w.isdigit()]


def path_resources(path: str) -> list[str]:
    """Return the literal resource nouns of a URL path, skipping `{param}` segments and versions."""
    nouns = []
    for seg in (path or "").split("/"):
        if not seg or seg.startswith("{") or re.fullmatch(r"v\d+(\.\d+)?", seg):
            continue
        nouns.extend(split_identifier(seg))
    return nouns


_TAG = re.compile(r"<[^>]{0,200}>")
_MD_LINK = re.compile(r"\[([^\]]{0,200})\]\([^)]{0,500}\)")
# Specs converted from Markdown often keep its escapes ("Default: 20\. Minimum: 1\."); they are not words.
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")


def plain(text: str) -> str:
    """Reduce HTML/Markdown description text to plain words (tags dropped, link text kept, escapes undone)."""
    return " ".join(_MD_ESCAPE.sub(r"\1", _MD_LINK.sub(r"\1", _TAG.sub(" ", text or ""))).split())


def surface_word(term: str, text: str) -> str:
    """Return the word of `text` that `tokenize` turned into `term` ("movies" for "movy"), else the term."""
    words = split_identifier(text)
    if term in words:
        return term
    return next((w for w in words if singular(w) == term), term)


def truncate(text: str, limit: int) -> str:
    """Cut text at a word boundary near `limit` characters, marking the cut with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def first_sentence(text: str, limit: int = 240) -> str:
    """Return the first sentence of a description, capped at `limit` characters."""
    text = plain(text)
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return truncate(match.group(1) if match else text, limit)
