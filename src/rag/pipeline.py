"""The ask pipeline: question → query plan → ranked candidates with reasons → offline answer.

Each stage is a typed value and every collaborator is passed in, so a test can run the real stages with its
own retriever or spec source. An LLM, when configured, writes prose over the same ranked candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from src.rag.generation.offline import compose_offline
from src.rag.query import QueryPlan, plan_query
from src.rag.retrieval import SearchFilters
from src.rag.planning.plan import PlanStep
from src.rag.types import Answer, ApiSpec, ChunkKind, Hit


class Retriever(Protocol):
    """Ranks the library for a planned question (src/rag/retrieval.py's HybridRetriever)."""

    def rank(self, plan: QueryPlan, top_k: int, version: int, filters: SearchFilters = SearchFilters(),
             query_vector: Sequence[float] | None = None) -> list[Hit]: ...


@dataclass(frozen=True)
class Ranking:
    """The ranked candidates of one question, best first, each hit carrying its score, reasons and fit."""

    plan: QueryPlan
    hits: tuple[Hit, ...]


class AskPipeline:
    """Plans a question, ranks the library for it once, and composes the offline answer in that order."""

    def __init__(self, retriever: Retriever, spec_of: Callable[[str], ApiSpec | None]) -> None:
        self.retriever = retriever
        self.spec_of = spec_of

    def plan(self, question: str) -> QueryPlan:
        """Analyse the question once: its steps and the exact identifiers it types."""
        return plan_query(question)

    def rank(self, plan: QueryPlan, version: int, filters: SearchFilters, top_k: int,
             query_vector: Sequence[float] | None = None) -> Ranking:
        """Return the one ranking every later stage follows."""
        return Ranking(plan, tuple(self.retriever.rank(plan, top_k, version, filters, query_vector)))

    def compose(self, question: str, ranking: Ranking, steps: Sequence[str] | None = None) -> Answer:
        """Render the offline answer from the ranking: its first endpoint is the first fitting hit.

        ``steps`` are the plan's calls (``METHOD /path``, in order) when a planner decided them; the composer
        then renders those steps instead of choosing any itself.
        """
        specs = {api: spec for api in dict.fromkeys(h.api for h in ranking.hits) if (spec := self.spec_of(api))}
        return compose_offline(question, list(ranking.hits), specs, steps=steps)


def plan_first(hits: Sequence[Hit], steps: Sequence[PlanStep]) -> tuple[Hit, ...]:
    """Return the hits with the plan's calls first, in plan order, so the answer and its sources agree.

    A call the planner added as a producer may be outside the ranked list; it gets a hit of its own that
    says why it is there.
    """
    if len(steps) < 2:
        return tuple(hits)
    by_key = {(h.api, h.method, h.path): h for h in hits if h.method and h.path}
    first: list[Hit] = []
    for n, step in enumerate(steps, start=1):
        hit = by_key.pop((step.api, step.method, step.path), None)
        first.append(hit or Hit(id=f"{step.api}:operation:{step.key}", api=step.api, kind=ChunkKind.OPERATION,
                                title=step.summary or step.key, source=step.pointer, score=0.0, method=step.method,
                                path=step.path, reasons=(f"step {n} of the plan: it supplies a later step's input",)))
    rest = [h for h in hits if not (h.method and h.path) or (h.api, h.method, h.path) in by_key]
    return tuple(first) + tuple(rest)
