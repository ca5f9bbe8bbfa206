"""Deterministic code samples (curl, Python requests, JavaScript fetch) built from one operation."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from src.core.errors import InputRejected
from src.rag.codegen.render import LABELS, render
from src.rag.codegen.request import PLACEHOLDER_BASE_URL, RequestModel, build_request
from src.rag.types import ApiSpec, CodeSample, Operation

SUPPORTED_LANGUAGES: tuple[str, ...] = ("curl", "python", "javascript")
DEFAULT_LANGUAGES: tuple[str, ...] = SUPPORTED_LANGUAGES
_ENDPOINT_LIKE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE)\s+/")
_ALIASES = {"py": "python", "python3": "python", "js": "javascript", "node": "javascript",
            "shell": "curl", "bash": "curl", "sh": "curl"}

__all__ = [
    "DEFAULT_LANGUAGES", "PLACEHOLDER_BASE_URL", "SUPPORTED_LANGUAGES", "RequestModel",
    "build_request", "generate_samples", "sample_title",
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


def sample_title(op: Operation) -> str:
    """Return the one-line caption of a sample: summary and ``METHOD /path``."""
    summary = op.summary.strip().rstrip(".")
    # Postman request names are often just "GET /quotes"; repeating them beside the real key only confuses.
    if _ENDPOINT_LIKE.match(summary):
        summary = ""
    return f"{summary}: {op.key}" if summary else op.key


def _language(name: str) -> str:
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in SUPPORTED_LANGUAGES:
        raise InputRejected(
            f"Code samples are not available in {str(name)[:40]!r}: choose one of {', '.join(SUPPORTED_LANGUAGES)}."
        )
    return key
