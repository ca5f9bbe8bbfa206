"""Questions about authentication itself ("How do I authenticate with Stripe?"): which APIs they ask about.

Such a question names no endpoint, so ranking operations for it can only find one that mentions keys or
tokens in passing (a "create an access key" call of another API). What it asks for is in the spec's own
security schemes, which the library indexes as auth chunks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from src.rag.textutil import tokenize
from src.rag.types import ChunkKind, Hit

# An auth question names authentication itself; "get a token" or "log in" alone usually asks for the endpoint.
_OAUTH = re.compile(r"\bo\s*auth(?:\s*2(?:\.0)?)?\b", re.IGNORECASE)
_AUTH = re.compile(r"\b(authenticat\w*|authori[sz]\w*|auth|credentials?|bearer|api[ -]?keys?|secret[ -]keys?)\b|"
                   + _OAUTH.pattern, re.IGNORECASE)
# Stemmed words an auth question may hold besides the API's name: what to authenticate with, and how.
_AUTH_TERMS = frozenset("""
authenticate authentication authenticating auth authorize authorise authorization authorisation oauth
credential bearer api key token secret access header kind type method scheme require required
""".split())


# The reasons retrieval gives the hits of an auth-only question (what the answer and the plan recognise).
AUTH_REASON = "it is how the API you asked about authenticates"
TOKEN_REASON = "it hands out the token that API's scheme asks for"
# Last path segments of the calls that hand a client its token (``POST /oauth/token``), and segments of
# OAuth calls that take one back instead.
_TOKEN_ENDS = frozenset({"token", "access_token"})
_TAKES_BACK = frozenset({"revoke", "revocation", "introspect"})


def issues_tokens(method: str, path: str) -> bool:
    """Tell whether a call hands out credentials: a POST ending in ``/token`` or under an OAuth segment, not a
    revocation (path parameters do not count: ``{interaction_token}`` is a value passed in)."""
    literal = re.split(r"[?#]", path, maxsplit=1)[0]
    segments = [seg.lower() for seg in literal.split("/") if seg and not seg.startswith("{")]
    if method.upper() != "POST" or not segments or _TAKES_BACK & set(segments):
        return False
    return segments[-1] in _TOKEN_ENDS or any(seg.startswith("oauth") for seg in segments)


def mentions_auth(question: str) -> bool:
    """Tell whether a question speaks of authentication itself (auth, credentials, API keys, OAuth)."""
    return bool(_AUTH.search(question))


def auth_terms(question: str) -> list[str]:
    """Return the question's tokens with every spelling of OAuth ("OAuth 2.0", "oauth2") as one word."""
    return tokenize(_OAUTH.sub(" oauth ", question))


def auth_scope(terms: Sequence[str], api_titles: Sequence[set[str]]) -> set[int] | None:
    """Return the APIs (positions in `api_titles`) an auth-only question names, an empty set when it names
    none, or None when its words ask for more than how to authenticate.

    `terms` are the question's tokens (`auth_terms`); an API's title words name it, except auth words
    ("Token Service" is not named by "how do I get a token?").
    """
    named = {n for n, title in enumerate(api_titles) if (title - _AUTH_TERMS) & set(terms)}
    spoken = set().union(*(api_titles[n] for n in named)) if named else set()
    rest = [t for t in terms if t not in _AUTH_TERMS and t not in spoken]
    return None if rest else named


def is_auth_ranking(hits: Sequence[Hit]) -> bool:
    """Tell whether retrieval ranked for an auth-only question: its security schemes lead, with that reason."""
    fitting = [h for h in hits if h.fits]
    return bool(fitting) and fitting[0].kind == ChunkKind.AUTH and AUTH_REASON in fitting[0].reasons
