"""Assemble final answers: LLM success, a stream cut off mid-way, or the degraded offline answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from src.core.errors import ProviderError
from src.rag.types import Answer, Hit, Usage

OFFLINE_TAIL = "so this answer was composed offline from the spec."


def clause(err: BaseException) -> str:
    """Return the 'what happened' half of a ProviderError message, without the advice or full stop."""
    text = str(err).split(";")[0].strip().rstrip(".")
    return text or "The LLM failed"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text.startswith("The ") else text


def degraded_reason(failures: Sequence[BaseException]) -> str:
    """Say in one sentence why no LLM answered, naming each provider's failure."""
    clauses = [clause(f) for f in failures] or ["No LLM provider answered"]
    parts = [clauses[0], *(_lower_first(c) for c in clauses[1:])]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{joined}, {OFFLINE_TAIL}"


def known_from(hits: Sequence[Hit], offline: Answer) -> tuple[set[str], set[str]]:
    """Return the endpoint keys and JSON pointers of the given hits and the offline answer's sources."""
    all_hits = [*hits, *offline.sources]
    keys = {f"{h.method.upper()} {h.path}" for h in all_hits if h.method and h.path}
    return keys, {h.source for h in all_hits if h.source}


def verify(text: str, known: tuple[set[str], set[str]]) -> tuple[str, ...]:
    """Return the endpoints and pointers the text names that the index does not contain."""
    from src.rag.verify import verify_answer  # sibling module; imported late to keep this one light

    return tuple(verify_answer(text, known[0], known[1]))


def sources_block(sources: Sequence[Hit]) -> str:
    """Render the sources as a Markdown list of endpoints (or titles) with their pointers."""
    lines = []
    for hit in sources:
        name = f"{hit.method.upper()} {hit.path}" if hit.method and hit.path else hit.title
        lines.append(f"- `{name}` — `{hit.source}`" if hit.source else f"- `{name}`")
    return "**Sources**\n" + "\n".join(lines) if lines else ""


def llm_answer(question: str, text: str, provider: str, usage: Usage, offline: Answer,
               known: tuple[set[str], set[str]]) -> Answer:
    """Return a successful LLM answer carrying the deterministic sources and code samples."""
    return Answer(question=question, text=text, sources=offline.sources, code=offline.code, provider=provider,
                  unverified=verify(text, known) + _plan_unverified(offline, known), usage=usage, plan=offline.plan)


def _plan_unverified(offline: Answer, known: tuple[set[str], set[str]]) -> tuple[str, ...]:
    """Check the plan's calls like any endpoint the answer names."""
    from src.rag.verify import verify_plan

    return verify_plan(offline.plan, known[0], known[1])


def cut_off_tail(err: ProviderError, offline: Answer) -> str:
    """Return the text appended to a broken stream: a cut-off marker, then the offline answer."""
    note = f"\n\n*[Answer cut off: {_lower_first(clause(err))}. The answer composed offline from the spec follows.]*"
    body = offline.text or sources_block(offline.sources)
    return note + (f"\n\n{body}" if body else "")


def cut_off_answer(question: str, partial: str, tail: str, err: ProviderError, provider: str, usage: Usage,
                   offline: Answer, known: tuple[set[str], set[str]]) -> Answer:
    """Return the partial LLM text, marked as cut off, with the offline sources and code."""
    reason = f"{clause(err)}, so the answer is cut off and followed by the answer composed offline from the spec."
    return Answer(question=question, text=partial + tail, sources=offline.sources, code=offline.code,
                  provider=provider, degraded=True, degraded_reason=reason, unverified=verify(partial, known),
                  usage=usage, plan=offline.plan)


def degraded_answer(offline: Answer, failures: Sequence[BaseException]) -> Answer:
    """Return the offline answer marked degraded, with the reason no LLM answered."""
    return replace(offline, degraded=True, degraded_reason=degraded_reason(failures))
