"""The offline answer to "how do I authenticate?": each asked-about API's security schemes, cited, and the
calls that issue its tokens, in retrieval's order."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from src.core.security import escape_markdown
from src.rag.generation import offline_sections as sec
from src.rag.textutil import first_sentence, plain
from src.rag.types import Answer, ApiSpec, AuthScheme, ChunkKind, Hit

PROVIDER = "offline"
# Markdown heading lines ("## OAuth Authentication") open many scheme descriptions; the prose starts after them.
_HEADINGS = re.compile(r"^\s*#+[^\n]*(?:\n|$)", re.MULTILINE)


def compose_auth(question: str, hits: Sequence[Hit], specs: Mapping[str, ApiSpec]) -> Answer | None:
    """Say how to authenticate with each API among the hits: its schemes, then its token calls (None when no
    hit resolves to a scheme of a known spec)."""
    by_api: dict[str, list[Hit]] = {}
    for hit in hits:
        if hit.fits and hit.api in specs and (hit.kind == ChunkKind.AUTH or hit.method and hit.path):
            by_api.setdefault(hit.api, []).append(hit)
    sections = {api: _api_section(specs[api], group) for api, group in by_api.items()}
    sections = {api: parts for api, parts in sections.items() if parts}
    if not sections:
        return None
    parts = []
    if len(sections) > 1:
        parts.append(f"Your question names no single API, so here is how each of these {len(sections)} APIs "
                     "authenticates; name the API, or search only its own, to see one.")
    for section in sections.values():
        parts += section
    used = tuple(h for api in sections for h in by_api[api])
    return Answer(question=question, text="\n\n".join(parts).strip() + "\n", sources=used, provider=PROVIDER)


def _api_section(spec: ApiSpec, group: list[Hit]) -> list[str]:
    schemes = [s for s in (_scheme_of(spec, h) for h in group if h.kind == ChunkKind.AUTH) if s is not None]
    if not schemes:
        return []
    title = f"{spec.title} {spec.version}".strip()
    lines = [f"### How to authenticate with {escape_markdown(title)}",
             "Send one of these with every call:" if len(schemes) > 1 else "Send this with every call:"]
    for s in schemes:
        about = sec.md_prose(first_sentence(plain(_HEADINGS.sub("", s.description)), 200), 200)
        lines.append(f"- {sec.md_code(s.name)}: {sec.how_to_send(s)}" + (f". {about}" if about else "")
                     + (f" (source: {sec.md_code(s.pointer)})" if s.pointer else ""))
    parts = ["\n".join(lines)]
    issuers = [op for h in group if h.kind != ChunkKind.AUTH and (op := spec.operation(f"{h.method} {h.path}"))]
    if issuers:
        calls = [f"- {sec.md_code(op.key)}" + (f" — {sec.md_prose(sec.summary_of(op), 100)}" if sec.summary_of(op) else "")
                 + (f" (source: {sec.md_code(op.pointer)})" if op.pointer else "") for op in issuers]
        parts.append("\n".join(["Calls of this API that issue tokens:", *calls]))
    return parts


def _scheme_of(spec: ApiSpec, hit: Hit) -> AuthScheme | None:
    """Return the scheme an auth hit stands for (matched by its pointer, else by the name in its id)."""
    by_pointer = next((s for s in spec.auth_schemes if s.pointer and s.pointer == hit.source), None)
    return by_pointer or spec.auth_scheme(hit.id.split(":auth:", 1)[-1])
