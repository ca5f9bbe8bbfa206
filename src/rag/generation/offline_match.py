"""Why an operation matches a question, and which retrieved operations form the steps of a multi-step answer.

Relevance is decided once, by retrieval: operations keep the order they were retrieved in, and a hit that
retrieval judged not to fit is never presented as an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from src.rag.textutil import first_sentence, plain, split_identifier, tokenize
from src.rag.types import ApiSpec, Hit, Operation

# Words that say the user wants a sequence of calls rather than one endpoint.
_SEQUENCE = re.compile(r"\b(then|after(?:wards)?|first|next|finally|before|steps?|flow|workflow|followed)\b", re.I)
# Words too generic to make an operation a separate step.
_GENERIC = frozenset("api endpoint call request response data object id list new value field".split())


@dataclass(frozen=True)
class Candidate:
    """A retrieved operation with the question words it matches, grouped by where they matched."""

    hit: Hit
    spec: ApiSpec
    op: Operation
    matches: dict[str, tuple[str, ...]]

    @property
    def terms(self) -> frozenset[str]:
        """Return every question term this operation matches."""
        return frozenset(t for words in self.matches.values() for t in words)

    @property
    def core_terms(self) -> frozenset[str]:
        """Return the question terms that name what the operation does (path and summary, not parameters)."""
        return frozenset(self.matches.get("path", ()) + self.matches.get("summary", ()))


def question_terms(question: str) -> list[str]:
    """Return the content words of a question, singularised, in order, without repeats."""
    return list(dict.fromkeys(tokenize(question)))


def match_terms(terms: list[str], op: Operation) -> dict[str, tuple[str, ...]]:
    """Return which question terms appear in the path, summary, description and parameter names."""
    body_fields = op.request_body.fields if op.request_body else ()
    places = {
        "path": set(tokenize(" ".join(split_identifier(op.path))) + tokenize(op.operation_id)),
        "summary": set(tokenize(op.summary or first_sentence(op.description)) + tokenize(" ".join(op.tags))),
        "description": set(tokenize(plain(op.description)[:600])),
        "parameters": set(tokenize(" ".join([p.name for p in op.parameters] + [f.name for f in body_fields]))),
    }
    found: dict[str, tuple[str, ...]] = {}
    for place, words in places.items():
        hit = tuple(t for t in terms if t in words)
        if hit:
            found[place] = hit
    return found


def candidates(question: str, hits: list[Hit], specs: dict[str, ApiSpec]) -> list[Candidate]:
    """Resolve the operation hits that fit the question to their operations, in retrieval order."""
    terms = question_terms(question)
    out: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    for hit in hits:
        spec = specs.get(hit.api)
        if spec is None or not hit.method or not hit.path or not hit.fits:
            continue
        op = spec.operation(f"{hit.method} {hit.path}")
        if op is None or (hit.api, op.key) in seen:
            continue
        seen.add((hit.api, op.key))
        out.append(Candidate(hit, spec, op, match_terms(terms, op)))
    return out


def fitting_hits(hits: list[Hit]) -> list[Hit]:
    """Keep the hits retrieval judged to fit the question (schemas, docs and auth offered beside an answer)."""
    return [h for h in hits if h.fits]


def pick_steps(question: str, found: list[Candidate], max_steps: int = 4) -> list[Candidate]:
    """Return several operations as ordered steps when the question asks for a sequence, else an empty list.

    A further operation becomes a step only if it matches a content word that the steps chosen so far do not.
    """
    if len(found) < 2 or not _SEQUENCE.search(question):
        return []
    steps = [found[0]]
    covered = set(found[0].core_terms)
    for cand in found[1:6]:
        fresh = cand.core_terms - covered - _GENERIC
        if fresh:
            steps.append(cand)
            covered |= cand.core_terms
        if len(steps) == max_steps:
            break
    if len(steps) < 2:
        return []
    order = question_terms(question)
    # Order the steps the way the question names them: by the earliest word only that step matches.
    return sorted(steps, key=lambda s: min((order.index(t) for t in _own_terms(s, steps)), default=len(order)))


def _own_terms(step: Candidate, steps: list[Candidate]) -> set[str]:
    others = set().union(*(s.core_terms for s in steps if s is not step))
    own = step.core_terms - others
    return own or set(step.core_terms)
