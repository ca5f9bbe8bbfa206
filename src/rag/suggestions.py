"""Suggested questions that are known to work: each candidate is searched, and kept only when its own
operation comes back first, so clicking it always yields an answer about a real endpoint."""

from __future__ import annotations

from typing import Protocol

from src.rag.examples import candidates
from src.rag.retrieval import SearchFilters
from src.rag.types import ApiSpec, Hit

MAX_TRIED = 16  # candidates searched per API before giving up on filling the list


class Searcher(Protocol):
    """The part of `Assistant` suggestions need."""

    def get_spec(self, api: str) -> ApiSpec:
        """Return the normalised spec of an API."""
        ...

    def search(self, query: str, *, top_k: int | None = None, filters: SearchFilters | None = None) -> list[Hit]:
        """Return the best chunks for a query."""
        ...


def suggested_questions(helper: Searcher, api: str, limit: int = 4) -> list[str]:
    """Return up to `limit` questions about `api` whose first search hit is the operation they ask about."""
    spec = helper.get_spec(api)
    kept: list[str] = []
    for question, key in candidates(spec)[:MAX_TRIED]:
        if len(kept) >= limit:
            break
        hits = helper.search(question, top_k=3, filters=SearchFilters(apis=(api,)))
        if hits and _key(hits[0]) == key:
            kept.append(question)
    return kept


def _key(hit: Hit) -> str:
    return f"{hit.method} {hit.path}" if hit.method and hit.path else ""
