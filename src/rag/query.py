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
_CLAUSE = re.compile(r"\s*,\s*(?:and\s+|as well as\s+|or\s+|also\s+)?|\s+(?:and|as well as|plus)\s+(?:also\s+)?|\s+(?:by|while|before|after)\s+(?=\w{3,}ing\b)", re.IGNORECASE)
# Words that open a new step when they follow a comma or "and"; a clause starting otherwise ("status and
# performance metrics", "solar, wind") continues the step before it.
ACTION_VERBS = frozenset("""
access add adjust aggregate alert analyse analyze apply approve archive assess assign attach authenticate authorize
book calculate calibrate cancel capture change charge check clear close collect compare compute configure confirm
connect convert copy create deactivate decline define delete deliver deploy detach determine disable display
download edit enable end enroll estimate evaluate export fetch file filter find flag generate get identify import
initiate insert integrate invite issue join label launch link list load locate lock log look manage mark measure
modify monitor move notify obtain open optimize optimise order pause pay place plan post predict prepare print
process provide publish purchase put query read receive record redeem refund register reject release reload remove
rename renew reopen replace report request reserve reset resolve restore resume retrieve return review revoke run
save schedule search see select send set share show simulate sort start stop store submit subscribe suggest suspend
sync terminate test track transfer trigger unlink unlock unsubscribe update upgrade upload validate verify view void
withdraw write
""".split())
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
            for n, clause in enumerate(_CLAUSE.split(part)):
                clause = clause.strip(" ,.;:")
                if not clause:
                    continue
                if n > 0 and steps and not _opens_step(clause):
                    steps[-1] = f"{steps[-1]} and {clause}"
                elif steps and len(tokenize(clause)) < MIN_CLAUSE_TOKENS:
                    # "…order and refund it": a lone verb borrows the object of the step before it
                    context = " ".join(tokenize(steps[-1])[-2:])
                    steps.append(f"{clause} {context}" if tokenize(clause) else steps.pop() + f" {clause}")
                else:
                    steps.append(clause)
    if steps and len(tokenize(steps[0])) < MIN_CLAUSE_TOKENS and len(steps) > 1:
        steps[1] = f"{steps[0]} {steps[1]}"
        steps.pop(0)
    return steps or [question.strip()]


def _opens_step(clause: str) -> bool:
    """Return whether a clause after a comma or 'and' starts a new action (a verb, or a gerund)."""
    first = clause.split(None, 1)[0].lower().strip("\"'(") if clause.split() else ""
    return first in ACTION_VERBS or first.rstrip("s") in ACTION_VERBS or (first.endswith("ing") and len(first) > 5)


def plan_query(question: str) -> QueryPlan:
    """Analyse a question once for every retriever."""
    method_paths = tuple((m.upper(), p.rstrip(".,?;:)")) for m, p in _METHOD_PATH.findall(question))
    paths = tuple(p.rstrip(".,?;:)") for p in _PATH.findall(question) if len(p) > 1)
    idents = tuple({(m.group(1) or m.group(0)).strip() for m in _IDENT.finditer(question)})
    steps = split_steps(question)
    return QueryPlan(question, tuple(steps) if len(steps) > 1 else (), paths, method_paths, idents)


def normalize_path(path: str) -> str:
    """Normalise a path for comparison: parameter names dropped; trailing slash, query and the fragment that
    tells two saved requests of one endpoint apart (a Postman collection's ``#post-accounts-canadian``) removed."""
    path = path.split("?", 1)[0].split("#", 1)[0].rstrip("/") or "/"
    return re.sub(r"\{[^}]*\}|:[A-Za-z_]\w*", "{}", path).lower()
