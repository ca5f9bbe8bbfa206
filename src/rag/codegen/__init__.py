"""Deterministic code samples in eleven languages, built from one operation and its spec."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from src.core.errors import InputRejected
from src.rag.codegen.chain import build_chain
from src.rag.codegen.languages import ALIASES, LANGUAGES
from src.rag.codegen.render import LABELS, render, render_chain
from src.rag.codegen.request import PLACEHOLDER_BASE_URL, RequestModel, build_request
from src.rag.planning.plan import PlanStep
from src.rag.types import ApiSpec, CodeSample, Operation

SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(LANGUAGES)
# The label of a chained script starts with this, then names the language: "Chained script: Go (net/http)".
CHAIN_LABEL = "Chained script"
DEFAULT_LANGUAGES: tuple[str, ...] = SUPPORTED_LANGUAGES
_ENDPOINT_LIKE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE)\s+/")

__all__ = [
    "CHAIN_LABEL", "DEFAULT_LANGUAGES", "LANGUAGES", "PLACEHOLDER_BASE_URL", "SUPPORTED_LANGUAGES", "RequestModel",
    "arrange_samples", "build_request", "chain_samples", "chained_script", "generate", "generate_samples",
    "parse_languages", "resolve_languages", "sample_title",
]


def generate_samples(
    spec: ApiSpec,
    op: Operation,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    *,
    base_url: str | None = None,
    values: Mapping[str, Any] | None = None,
) -> tuple[CodeSample, ...]:
    """Build one runnable request sample per language for ``op``; ``base_url`` replaces the spec's server.

    ``values`` are the user's values by parameter or top-level body field name (from the question).
    """
    wanted = [_language(name) for name in languages]
    model = build_request(spec, op, base_url, values)
    title = sample_title(op)
    return tuple(CodeSample(lang, render(lang, model, title), LABELS[lang]) for lang in dict.fromkeys(wanted))


def chain_samples(plan: Sequence[PlanStep], specs: Mapping[str, ApiSpec],
                  languages: Sequence[str] = DEFAULT_LANGUAGES) -> tuple[CodeSample, ...]:
    """Build one script per language that runs the plan's calls in order, each fed by the responses before it.

    ``API_BASE_URL`` overrides the spec's server when a script runs; a plan none of whose calls is in its spec
    gets no script.
    """
    wanted = dict.fromkeys(_language(name) for name in languages)
    if not any(specs[s.api].operation(s.key) for s in plan):
        return ()
    chain = build_chain(plan, specs)
    return tuple(CodeSample(lang, render_chain(lang, chain), f"{CHAIN_LABEL}: {LABELS[lang]}") for lang in wanted)


def chained_script(plan: Sequence[PlanStep], specs: Mapping[str, ApiSpec], language: str = "python") -> str:
    """Return the chained script of a plan in one language ('' when none of its calls is in its spec)."""
    samples = chain_samples(plan, specs, [language])
    return samples[0].code if samples else ""


def generate(
    operation: Operation,
    spec: ApiSpec,
    languages: Sequence[str] | None = None,
    *,
    base_url: str | None = None,
) -> tuple[CodeSample, ...]:
    """Build samples for ``operation`` in ``languages`` (all supported ones when None), in the order asked.

    Raises:
        InputRejected: a language is not supported (the message lists the supported ones).
    """
    return generate_samples(spec, operation, resolve_languages(languages), base_url=base_url)


def resolve_languages(languages: Sequence[str] | None) -> tuple[str, ...]:
    """Map names and aliases (``go``, ``golang``, ``c#``) to language keys, dropping repeats; None means all."""
    if languages is None:
        return DEFAULT_LANGUAGES
    chosen = tuple(dict.fromkeys(_language(name) for name in languages))
    if not chosen:
        raise InputRejected(f"Name at least one language: {', '.join(SUPPORTED_LANGUAGES)}.")
    return chosen


def parse_languages(text: str) -> tuple[str, ...]:
    """Read a comma-separated language list such as ``"go, java"`` into language keys."""
    return resolve_languages([part for part in str(text).split(",") if part.strip()])


def arrange_samples(
    samples: Sequence[CodeSample], languages: Sequence[str], *, keep_others: bool = False
) -> tuple[CodeSample, ...]:
    """Order each operation's samples by ``languages`` (keys), dropping the rest unless ``keep_others``.

    Samples of a multi-step answer stay grouped by step ("Step 2: ..." labels), steps in their order.
    """
    rank = {lang: i for i, lang in enumerate(languages)}
    if not keep_others:
        samples = [s for s in samples if s.language in rank]
    steps = list(dict.fromkeys(_step(s) for s in samples))
    position = {id(s): i for i, s in enumerate(samples)}
    return tuple(sorted(samples, key=lambda s: (steps.index(_step(s)), rank.get(s.language, len(rank)),
                                                position[id(s)])))


def _step(sample: CodeSample) -> str:
    match = re.match(r"^(Step \d+):", sample.label)
    return match.group(1) if match else ""


def sample_title(op: Operation) -> str:
    """Return the one-line caption of a sample: summary and ``METHOD /path``."""
    summary = op.summary.strip().rstrip(".")
    # Postman request names are often just "GET /quotes"; repeating them beside the real key only confuses.
    if _ENDPOINT_LIKE.match(summary):
        summary = ""
    return f"{summary}: {op.key}" if summary else op.key


def _language(name: str) -> str:
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    if key not in SUPPORTED_LANGUAGES:
        raise InputRejected(
            f"Code samples are not available in {str(name)[:40]!r}: choose one of {', '.join(SUPPORTED_LANGUAGES)}."
        )
    return key
