"""Question analysis: split multi-step questions into sub-queries and spot exact identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from src.rag.textutil import tokenize

_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_STEP = re.compile(
    r"\s*(?:,\s*)?(?:\band\s+)?\b(?:then|afterwards|after that|finally|next|lastly|followed by|before that)\b[,:]?\s*",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"\s*(?:,\s*(?:and\s+|as well as\s+|or\s+)?|\s+and\s+|\s+as well as\s+|\s+plus\s+)", re.IGNORECASE)
_PATH = re.compile(r"(?<![\w}])(/[A-Za-z0-9_\-.{}~/:]+)")
_METHOD_PATH = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(/\S+)", re.IGNORECASE)
_IDENT = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:[_.][A-Za-z0-9]+|[a-z][A-Z][A-Za-z0-9]*)+\b|`([^`]+)`")

MIN_CLAUSE_TOKENS = 2


@dataclass(frozen=True)
class QueryPlan:
    """What retrieval does for one question: the whole question, its steps, and exact identifiers typed."""

    text: str
    steps: tuple[str, ...]
    paths: tuple[str, ...]
    method_paths: tuple[tuple[str, str], ...]
    identifiers: tuple[str, ...]


def split_steps(question: str) -> list[str]:
    """Split a question into the sub-queries of its steps (sentences, 'then'/'finally', conjunctions).

    A fragment with fewer than two content words is merged into the previous step, so "create and
    update a customer" is not broken into a meaningless "create".
    """
    steps: list[str] = []
    for sentence in _SENTENCE.split(question):
        for part in _STEP.split(sentence):
            for clause in _CLAUSE.split(part):
                clause = clause.strip(" ,.;:")
                if not clause:
                    continue
                if steps and len(tokenize(clause)) < MIN_CLAUSE_TOKENS:
                    # "…order and refund it": a lone verb borrows the object of the step before it
                    context = " ".join(tokenize(steps[-1])[-2:])
                    steps.append(f"{clause} {context}" if tokenize(clause) else steps.pop() + f" {clause}")
                else:
                    steps.append(clause)
    if steps and len(tokenize(steps[0])) < MIN_CLAUSE_TOKENS and len(steps) > 1:
        steps[1] = f"{steps[0]} {steps[1]}"
        steps.pop(0)
    return steps or [question.strip()]


def plan_query(question: str) -> QueryPlan:
    """Analyse a question once for every retriever."""
    method_paths = tuple((m.upper(), p.rstrip(".,?;:)")) for m, p in _METHOD_PATH.findall(question))
    paths = tuple(p.rstrip(".,?;:)") for p in _PATH.findall(question) if len(p) > 1)
    idents = tuple({(m.group(1) or m.group(0)).strip() for m in _IDENT.finditer(question)})
    steps = split_steps(question)
    return QueryPlan(question, tuple(steps) if len(steps) > 1 else (), paths, method_paths, idents)


def normalize_path(path: str) -> str:
    """Normalise a path for comparison: parameter names dropped, trailing slash and query removed."""
    path = path.split("?", 1)[0].rstrip("/") or "/"
    return re.sub(r"\{[^}]*\}|:[A-Za-z_]\w*", "{}", path).lower()
