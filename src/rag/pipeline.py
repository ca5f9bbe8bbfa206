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
from src.rag.types import Answer, ApiSpec, Hit


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

    def compose(self, question: str, ranking: Ranking) -> Answer:
        """Render the offline answer from the ranking: its first endpoint is the first fitting hit."""
        specs = {api: spec for api in dict.fromkeys(h.api for h in ranking.hits) if (spec := self.spec_of(api))}
        return compose_offline(question, list(ranking.hits), specs)
