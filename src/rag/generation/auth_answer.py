"""The offline answer to "how do I authenticate?": each asked-about API's security schemes, cited, and the
calls that hand out tokens."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from src.core.security import escape_markdown
from src.rag.generation import offline_sections as sec
from src.rag.textutil import first_sentence, plain
from src.rag.types import Answer, ApiSpec, AuthScheme, ChunkKind, Hit, Operation

PROVIDER = "offline"
MAX_TOKEN_CALLS = 3
_TOKEN_SEGMENTS = frozenset({"token", "tokens", "oauth", "oauth2", "access_token"})


def is_auth_ranking(hits: Sequence[Hit]) -> bool:
    """Tell whether retrieval answered with auth schemes only (an auth-only question)."""
    fitting = [h for h in hits if h.fits]
    return bool(fitting) and all(h.kind == ChunkKind.AUTH for h in fitting)


def compose_auth(question: str, hits: Sequence[Hit], specs: Mapping[str, ApiSpec]) -> Answer:
    """Say how to authenticate with each API among the auth hits, in their ranked order."""
    by_api: dict[str, list[Hit]] = {}
    for hit in hits:
        if hit.fits and hit.kind == ChunkKind.AUTH and hit.api in specs:
            by_api.setdefault(hit.api, []).append(hit)
    parts = []
    if len(by_api) > 1:
        parts.append(f"Your question names no single API, so here is how each of these {len(by_api)} APIs "
                     "authenticates; pick one in *Answer from* to see only its own.")
    for api, group in by_api.items():
        parts += _api_section(specs[api], group)
    used = tuple(h for group in by_api.values() for h in group)
    return Answer(question=question, text="\n\n".join(parts).strip() + "\n", sources=used, provider=PROVIDER)


def _api_section(spec: ApiSpec, group: list[Hit]) -> list[str]:
    schemes = [s for s in (_scheme_of(spec, h) for h in group) if s is not None]
    title = f"{spec.title} {spec.version}".strip()
    lines = [f"### How to authenticate with {escape_markdown(title)}",
             "Send one of these with every call:" if len(schemes) > 1 else "Send this with every call:"]
    for s in schemes:
        about = sec.md_prose(first_sentence(plain(s.description).lstrip('# '), 200), 200)
        lines.append(f"- {sec.md_code(s.name)}: {sec.how_to_send(s)}" + (f". {about}" if about else "")
                     + (f" (source: {sec.md_code(s.pointer)})" if s.pointer else ""))
    parts = ["\n".join(lines)]
    issuers = token_calls(spec)
    if issuers:
        calls = [f"- {sec.md_code(op.key)}" + (f" — {sec.md_prose(sec.summary_of(op), 100)}" if sec.summary_of(op) else "")
                 + (f" (source: {sec.md_code(op.pointer)})" if op.pointer else "") for op in issuers]
        parts.append("\n".join(["Calls of this API that issue tokens:", *calls]))
    return parts


def _scheme_of(spec: ApiSpec, hit: Hit) -> AuthScheme | None:
    """Return the scheme an auth hit stands for (matched by its pointer, else by the name in its id)."""
    by_pointer = next((s for s in spec.auth_schemes if s.pointer and s.pointer == hit.source), None)
    return by_pointer or spec.auth_scheme(hit.id.split(":auth:", 1)[-1])


def token_calls(spec: ApiSpec) -> list[Operation]:
    """Return the POST calls with a path segment that is a token or OAuth endpoint (``/oauth/token``): where a
    client gets its credentials. Path parameters do not count (``{interaction_token}`` is passed in)."""
    found = [op for op in spec.operations if op.method == "POST" and _TOKEN_SEGMENTS & _segments(op.path)]
    return found[:MAX_TOKEN_CALLS]


def _segments(path: str) -> set[str]:
    """Return a path's literal segments, lower-cased (no parameters, query or saved-request fragment)."""
    literal = re.split(r"[?#]", path, maxsplit=1)[0]
    return {seg.lower() for seg in literal.split("/") if seg and not seg.startswith("{")}
