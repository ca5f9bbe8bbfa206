"""The offline answer composer: a cited Markdown answer and code samples built from retrieved operations, no LLM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from src.core.security import escape_markdown
from src.rag.auth_questions import is_auth_ranking
from src.rag.codegen import DEFAULT_LANGUAGES, generate_samples
from src.rag.codegen.render import LABELS
from src.rag.generation import offline_sections as sec
from src.rag.generation.auth_answer import compose_auth
from src.rag.generation.offline_match import Candidate, candidates, fitting_hits, pick_steps
from src.rag.types import Answer, ApiSpec, ChunkKind, CodeSample, Hit

PROVIDER = "offline"
MAX_ALTERNATIVES = 4
# The text shows these; Answer.code carries every supported language.
INLINE_LANGUAGES = ("curl", "python")


def compose_offline(
    question: str,
    hits: Sequence[Hit],
    specs: Mapping[str, ApiSpec],
    *,
    min_score: float = 0.0,
    inline_code: bool = False,
    steps: Sequence[str] | None = None,
) -> Answer:
    """Compose a cited Markdown answer from the retrieved hits and their specs.

    Args:
        question: the user's question (already sanitised).
        hits: retrieved chunks, best first.
        specs: API id → spec, for every API that appears in ``hits``.
        min_score: hits scoring below this count as not relevant.
        inline_code: also put the curl and Python samples into the Markdown (front ends that show
            ``Answer.code`` separately leave this off).
        steps: the calls a planner chose (``METHOD /path``, in order); given, the composer renders them as
            the steps (several) or the single answer (fewer) and picks no steps of its own.
    """
    relevant = [h for h in hits if h.score >= min_score]
    auth = compose_auth(question, relevant, specs) if is_auth_ranking(relevant) else None
    if auth is not None:
        return auth
    found = candidates(question, relevant, dict(specs))
    if not found:
        return _nothing_found(question, relevant, hits, specs)
    steps = pick_steps(question, found) if steps is None else _planned(found, steps)
    chosen = steps or found[:1]
    code = tuple(s for i, c in enumerate(chosen) for s in _samples(c, i + 1 if steps else 0))
    parts = _steps_text(steps, code, inline_code) if steps else _single_text(found, code, inline_code)
    others = [c for c in found if c not in chosen][:MAX_ALTERNATIVES]
    parts += _alternatives(others)
    related = _related_hits(relevant)
    parts += _related(related)
    used = tuple(c.hit for c in chosen + others) + tuple(related)
    return Answer(question=question, text="\n\n".join(p for p in parts if p).strip() + "\n", sources=used,
                  code=code, provider=PROVIDER)


def _planned(found: list[Candidate], keys: Sequence[str]) -> list[Candidate]:
    """Return the candidates of a plan of several calls, in plan order (empty for a one-call plan)."""
    if len(keys) < 2:
        return []
    by_key = {c.op.key: c for c in found}
    return [by_key[k] for k in keys if k in by_key]


def _samples(cand: Candidate, step: int) -> tuple[CodeSample, ...]:
    samples = generate_samples(cand.spec, cand.op, DEFAULT_LANGUAGES)
    if not step:
        return samples
    return tuple(CodeSample(s.language, s.code, f"Step {step}: {s.label or LABELS[s.language]}") for s in samples)


def _heading(cand: Candidate, level: str, prefix: str = "") -> list[str]:
    summary = sec.md_prose(sec.summary_of(cand.op), 120)
    title = f"{level} {prefix}{sec.md_code(cand.op.key)}" + (f" — {summary}" if summary else "")
    api = f"{escape_markdown(cand.spec.title)} {escape_markdown(cand.spec.version)}".strip()
    flags = " · **deprecated**" if cand.op.deprecated else ""
    return [title, f"{api} · source: {sec.md_code(sec.pointer(cand))}{flags}"]


def _details(cand: Candidate) -> list[str]:
    blocks = [sec.parameters_block(cand), sec.body_block(cand), sec.auth_block(cand.spec, cand.op),
              sec.response_block(cand)]
    return ["\n".join(b) for b in blocks if b]


def _code_text(code: Sequence[CodeSample], inline: bool) -> list[str]:
    if not code:
        return []
    if not inline:
        names = ", ".join(dict.fromkeys(LABELS.get(s.language, s.language) for s in code))
        return [f"Code samples built from the spec: {escape_markdown(names)}."]
    return [sec.md_fence(s.code, "bash" if s.language == "curl" else s.language)
            for s in code if s.language in INLINE_LANGUAGES]


def _single_text(found: list[Candidate], code: tuple[CodeSample, ...], inline: bool) -> list[str]:
    best = found[0]
    parts = ["\n".join(_heading(best, "###")), f"Best match for your question. {sec.why_line(best)}"]
    description = sec.md_prose(best.op.description, 400)
    if description and description != sec.md_prose(sec.summary_of(best.op), 400):
        parts.append(description)
    return parts + _details(best) + _code_text(code, inline)


def _steps_text(steps: list[Candidate], code: tuple[CodeSample, ...], inline: bool) -> list[str]:
    keys = ", then ".join(sec.md_code(s.op.key) for s in steps)
    parts = [f"This takes {len(steps)} calls, in this order: {keys}."]
    for n, step in enumerate(steps, start=1):
        parts.append("\n".join(_heading(step, "###", f"Step {n}: ")))
        parts.append(sec.why_line(step))
        parts += _details(step)
        mine = [s for s in code if s.label.startswith(f"Step {n}:")]
        parts += _code_text(mine, inline)
    return parts


def _alternatives(others: list[Candidate]) -> list[str]:
    if not others:
        return []
    lines = ["**Other endpoints that may fit**"]
    for c in others:
        summary = sec.md_prose(sec.summary_of(c.op), 100)
        lines.append(f"- {sec.md_code(c.op.key)}" + (f" — {summary}" if summary else "")
                     + f" ({escape_markdown(c.spec.title)}, source: {sec.md_code(sec.pointer(c))})")
    return ["\n".join(lines)]


def _related_hits(hits: Sequence[Hit]) -> list[Hit]:
    extra = [h for h in hits if h.kind in (ChunkKind.SCHEMA, ChunkKind.DOC, ChunkKind.AUTH) and h.source]
    return fitting_hits(extra)[:3]


def _related(extra: Sequence[Hit]) -> list[str]:
    if not extra:
        return []
    lines = ["**Related in the docs**"]
    lines += [f"- {sec.md_prose(h.title, 100)} (source: {sec.md_code(h.source)})" for h in extra if h.source]
    return ["\n".join(lines)] if len(lines) > 1 else []


def _nothing_found(question: str, relevant: Sequence[Hit], hits: Sequence[Hit],
                   specs: Mapping[str, ApiSpec]) -> Answer:
    """Say honestly that nothing answers the question, and what to upload or ask instead."""
    docs = fitting_hits([h for h in relevant if h.kind != ChunkKind.OPERATION and h.source])[:3]
    if docs:
        lines = ["No endpoint in your indexed APIs matches this question directly, but these parts of the docs may help:"]
        lines += [f"- {sec.md_prose(h.title, 100)} (source: {sec.md_code(h.source)})" for h in docs]
        return Answer(question=question, text="\n".join(lines) + "\n", sources=tuple(docs), provider=PROVIDER)
    if not hits and not specs:
        text = ("I could not find anything relevant: no API matching this question is indexed. Upload its "
                "OpenAPI, Postman, GraphQL or Markdown docs (sidebar, or `apiassist index FILE`), then ask again.")
        return Answer(question=question, text=text + "\n", provider=PROVIDER)
    lines = ["I could not find an endpoint in your indexed APIs that answers this question."]
    titles = sorted({escape_markdown(s.title) for s in specs.values()})
    if titles:
        lines.append("Searched: " + ", ".join(titles) + ".")
    weak = [h for h in hits if h.method and h.path][:3]
    if weak:
        lines.append("The closest matches are weak, so treat them with care:")
        lines += [f"- {sec.md_code(h.method.upper() + ' ' + h.path)} (source: {sec.md_code(h.source)})" for h in weak]
    lines.append("Try the words the API itself uses (for example the resource name and an action such as "
                 "*create*, *list* or *delete*), or upload the spec of the API you mean.")
    return Answer(question=question, text="\n".join(lines) + "\n", sources=tuple(weak), provider=PROVIDER)
