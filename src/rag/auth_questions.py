"""Questions about authentication itself ("How do I authenticate with Stripe?"): which APIs they ask about.

Such a question names no endpoint, so ranking operations for it can only find one that mentions keys or
tokens in passing (a "create an access key" call of another API). What it asks for is in the spec's own
security schemes, which the library indexes as auth chunks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_AUTH = re.compile(r"\b(authenticat\w*|authori[sz]\w*|auth|oauth2?|credentials?|bearer|api[ -]?keys?|"
                   r"access[ -]tokens?|secret[ -]keys?|tokens?|log ?in|sign ?in)\b", re.IGNORECASE)
# Stemmed words an auth question may hold besides the API's name: what to authenticate with, and how.
_AUTH_TERMS = frozenset("""
authenticate authentication authenticating auth authorize authorise authorization authorisation oauth oauth2
credential bearer api key token secret access login log sign header send pass kind type method scheme
requir request
""".split())


def mentions_auth(question: str) -> bool:
    """Tell whether a question speaks of authentication (keys, tokens, credentials, logging in)."""
    return bool(_AUTH.search(question))


def auth_scope(terms: Sequence[str], api_titles: Sequence[set[str]]) -> set[int] | None:
    """Return the APIs (positions in `api_titles`) an auth-only question names, an empty set when it names
    none, or None when its words ask for more than how to authenticate.

    `terms` are the question's tokens; each API's title tokens count as naming it.
    """
    named = {n for n, title in enumerate(api_titles) if title & set(terms)}
    spoken = set().union(*(api_titles[n] for n in named)) if named else set()
    rest = [t for t in terms if t not in _AUTH_TERMS and t not in spoken]
    return None if rest else named
