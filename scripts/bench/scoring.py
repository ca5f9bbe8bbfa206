"""Per-question scoring for the answer benchmark: our answer and search, and plain dense / BM25 rankings."""

from __future__ import annotations

import numpy as np

from src.rag.query import normalize_path
from src.rag.retrieval import SearchFilters
from src.rag.service import Assistant

DEPTH = 10
# The offline composer's refusals start with one of these sentences.
NOTHING_FITS = ("I could not find", "No endpoint in your indexed APIs")


def endpoint(method: str, path: str) -> str:
    """Return the comparison key of an endpoint (parameter names and query strings ignored)."""
    return f"{method.upper()} {normalize_path(path)}"


def ranking_metrics(ranked: list[str], relevant: set[str], single: bool) -> dict[str, float]:
    """Return search@1, Recall@5 and MRR@10 of one ranked endpoint list.

    For a single-endpoint question Recall@5 is whether any right endpoint is in the top 5; for a multi-call
    question it is the share of its endpoints found there.
    """
    ranked = list(dict.fromkeys(ranked))[:DEPTH]
    rr = next((1.0 / (i + 1) for i, e in enumerate(ranked) if e in relevant), 0.0)
    found = relevant & set(ranked[:5])
    recall = float(bool(found)) if single else (len(found) / len(relevant) if relevant else 0.0)
    return {"search@1": float(bool(ranked) and ranked[0] in relevant), "R@5": recall, "MRR@10": rr}


def _index(assistant: Assistant):
    manager = getattr(assistant, "search_index", None) or assistant.keywords
    return manager.get(assistant.library.version())


def answer_row(assistant: Assistant, question: str, relevant: set[str], filters: SearchFilters,
               single: bool) -> dict:
    """Ask and search once; score the answer's first endpoint and the search ranking."""
    assistant.answer_cache.clear()
    answer = assistant.ask(question, filters=filters)
    nothing = answer.text.startswith(NOTHING_FITS)
    first = next((endpoint(h.method, h.path) for h in answer.sources if h.method and h.path), None)
    hits = assistant.search(question, top_k=DEPTH, filters=filters)
    ranked = [endpoint(h.method, h.path) for h in hits if h.method and h.path]
    row = {"single": single, "nothing": float(nothing), "first": first, **ranking_metrics(ranked, relevant, single)}
    row["answer@1"] = float(not nothing and first in relevant)
    return row


def _mask(index, filters: SearchFilters) -> np.ndarray:
    return np.array([m.get("kind") == "operation" and (not filters.apis or m.get("api") in filters.apis)
                     for m in index.metas], dtype=bool)


def baseline_rows(assistant: Assistant, question: str, relevant: set[str], filters: SearchFilters,
                  single: bool) -> dict[str, dict]:
    """Score a plain dense and a plain BM25 ranking of the operations (their top hit is their answer)."""
    index = _index(assistant)
    mask = _mask(index, filters)
    qvec = assistant.embedder.embed_query(question)
    out = {}
    for name, ranked in (("dense", index.dense_top(qvec, DEPTH * 2, mask)), ("bm25", index.top(question, DEPTH * 2, mask))):
        keys = [endpoint(index.metas[p]["method"], index.metas[p]["path"]) for p, _ in ranked]
        row = {"single": single, "nothing": 0.0, **ranking_metrics(keys, relevant, single)}
        row["answer@1"] = row["search@1"]
        out[name] = row
    return out
