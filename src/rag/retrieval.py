"""Retrieval: the one ranking of the library's chunks for a question, with the reasons for each rank.

1. The question is planned once (its steps, the exact identifiers it types).
2. For the whole question and each step, the learned ranker scores the union of the top dense and top BM25
   candidates (src/rag/ranking); an identifier the user typed is one of its features.
3. Step lists are merged tier by tier (each list's best, then each list's second …), the whole question first,
   so the first result is always the whole question's best and every step is represented.
4. At most FAMILY_CAP endpoints of one resource family stand ahead of the rest (diversity, never the first).
Everything downstream (composer, sources, code tabs, LLM prompt) keeps this order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from src.core.logging import get_logger
from src.rag.auth_questions import AUTH_REASON, TOKEN_REASON, auth_scope, auth_terms, issues_tokens, mentions_auth
from src.rag.embedding import Embedder
from src.rag.query import QueryPlan, normalize_path, plan_query
from src.rag.ranking.features import CandidateFeatures
from src.rag.ranking.fields import title_words
from src.rag.ranking.ranker import LearnedRanker, Ranked
from src.rag.search_index import SearchIndex, SearchIndexManager
from src.rag.textutil import singular
from src.rag.types import ChunkKind, Hit

log = get_logger(__name__)

FAMILY_CAP = 2


class DisplayNames(Protocol):
    """The names users gave APIs (`src.rag.api_names.ApiNames`); every rename bumps `version`."""

    version: int

    def all(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class SearchFilters:
    """Restrict a search: API ids, tags, HTTP methods, chunk kinds (empty means any)."""

    apis: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    kinds: tuple[ChunkKind, ...] = ()

    def accepts(self, meta: dict) -> bool:
        """Return whether a chunk's metadata passes every filter."""
        if self.apis and meta.get("api") not in self.apis:
            return False
        if self.methods and meta.get("method", "") not in {m.upper() for m in self.methods}:
            return False
        if self.kinds and meta.get("kind") not in {k.value for k in self.kinds}:
            return False
        if self.tags:
            tags = {t.strip().lower() for t in str(meta.get("tags", "")).split(",")}
            return any(t.lower() in tags for t in self.tags)
        return True

    @property
    def empty(self) -> bool:
        """Return whether no filter is set."""
        return not (self.apis or self.tags or self.methods or self.kinds)


class HybridRetriever:
    """Ranks the in-memory search index of the current library version with the learned ranker."""

    def __init__(self, embedder: Embedder, search_index: SearchIndexManager, ranker: LearnedRanker | None = None,
                 names: DisplayNames | None = None) -> None:
        self.embedder = embedder
        self.search_index = search_index
        self.ranker = ranker or LearnedRanker()
        self.names = names
        self._masks: dict[tuple[int, SearchFilters], np.ndarray] = {}
        self._auth_chunks: tuple = (-1, None, None)
        self._titles: tuple = (-1, -1, None)

    def search(self, question: str, top_k: int, version: int, filters: SearchFilters = SearchFilters(),
               query_vector: Sequence[float] | None = None) -> list[Hit]:
        """Return the `top_k` best chunks for a question, best first, each with its score and reasons."""
        return self.rank(plan_query(question), top_k, version, filters, query_vector)

    def rank(self, plan: QueryPlan, top_k: int, version: int, filters: SearchFilters = SearchFilters(),
             query_vector: Sequence[float] | None = None) -> list[Hit]:
        """Rank the library for a planned question: the final order every consumer of the answer follows."""
        started = time.perf_counter()
        index = self.search_index.get(version)
        if not index.ids:
            return []
        mask, exact = self._mask(index, filters), _exact(plan, index)
        qvec = np.asarray(query_vector if query_vector is not None else self.embedder.embed_query(plan.text), dtype=np.float32)
        titles = self.api_titles(index)
        auth = self._auth_only(plan, index, mask, exact, titles)
        if auth is not None:  # "how do I authenticate with X?": X's security schemes, then its token calls
            ranked = [_to_hit(index, r) for r in self.ranker.rank(plan.text, qvec, index, auth, exact, titles=titles)]
            ranked.sort(key=lambda h: h.kind != ChunkKind.AUTH)
            hits = [replace(h, fits=True, reasons=(AUTH_REASON if h.kind == ChunkKind.AUTH else TOKEN_REASON,))
                    for h in ranked][:top_k]
            log.info("search.done", hits=len(hits), auth=True, ms=round((time.perf_counter() - started) * 1000, 1))
            return hits
        lists = [self.ranker.rank(plan.text, qvec, index, mask, exact, titles=titles)]
        if plan.steps:
            for step, vec in zip(plan.steps, self.embedder.embed(list(plan.steps))):
                lists.append(self.ranker.rank(step, np.asarray(vec, dtype=np.float32), index, mask, exact, titles=titles))
        order = _cap_families(_merge(lists), index)[:top_k]
        hits = [_to_hit(index, r) for r in order]
        log.info("search.done", hits=len(hits), steps=len(plan.steps), ms=round((time.perf_counter() - started) * 1000, 1))
        return hits

    def features(self, question: str, version: int, filters: SearchFilters = SearchFilters(),
                 query_vector: Sequence[float] | None = None) -> tuple[SearchIndex, CandidateFeatures]:
        """Return the index and the whole question's candidates with their feature rows (for training)."""
        index = self.search_index.get(version)
        qvec = np.asarray(query_vector if query_vector is not None else self.embedder.embed_query(question), dtype=np.float32)
        return index, self.ranker.features(question, qvec, index, self._mask(index, filters),
                                           _exact(plan_query(question), index), self.api_titles(index))

    def api_titles(self, index: SearchIndex) -> list[set[str]]:
        """Return the words naming each API of the index: its spec title's, plus those of the name a user gave it
        (renaming "TW-API" to "Wise" makes "Wise" name it), built once per library and names version."""
        if self.names is None:
            return index.fields.api_titles
        key = (index.version, self.names.version)  # read once: a rename during the build must not be missed
        cached = self._titles  # one read: another thread may store another index's titles meanwhile
        if cached[:2] != key:
            given = self.names.all()
            cached = (*key, [t | title_words(given.get(api, "")) for t, api in
                             zip(index.fields.api_titles, index.fields.api_ids)])
            self._titles = cached
        return cached[2]

    def _mask(self, index: SearchIndex, filters: SearchFilters) -> np.ndarray | None:
        """Return the boolean filter mask over the index, computed once per library version and filter set."""
        if filters.empty:
            return None
        key = (index.version, filters)
        if key not in self._masks:
            if len(self._masks) > 64:
                self._masks.clear()
            self._masks[key] = np.array([filters.accepts(m) for m in index.metas], dtype=bool)
        return self._masks[key]

    def _auth_only(self, plan: QueryPlan, index: SearchIndex, mask: np.ndarray | None,
                   exact: np.ndarray | None, titles: Sequence[set[str]]) -> np.ndarray | None:
        """Return the auth chunks an auth-only question asks about, with the calls that issue tokens: those of
        the APIs it names (every allowed API's when it names none); None when the question asks for more,
        names a path or a chunk, or the APIs asked about declare no scheme."""
        if plan.paths or (exact is not None and exact.any()) or not mentions_auth(plan.text):
            return None
        named = auth_scope(auth_terms(plan.text), titles)
        if named is None:
            return None
        if self._auth_chunks[0] != index.version:  # which chunks are schemes and token calls: once per version
            self._auth_chunks = (index.version, *_auth_arrays(index))
        return _auth_mask(index, mask, named, *self._auth_chunks[1:])


def _auth_arrays(index: SearchIndex) -> tuple[np.ndarray, np.ndarray]:
    """Return which chunks are security schemes and which are calls that issue tokens."""
    schemes = np.array([m.get("kind") == ChunkKind.AUTH.value for m in index.metas], dtype=bool)
    issuers = np.array([issues_tokens(str(m.get("method") or ""), str(m.get("path") or "")) for m in index.metas], dtype=bool)
    return schemes, issuers


def _auth_mask(index: SearchIndex, mask: np.ndarray | None, named: set[int], schemes: np.ndarray,
               issuers: np.ndarray) -> np.ndarray | None:
    """Return the schemes and token calls of the named (else every allowed) API; None when none has a scheme."""
    fields = index.fields
    allowed = np.ones(len(schemes), dtype=bool) if mask is None else mask.copy()
    if named:
        allowed &= np.isin(fields.api_codes, sorted(named))
    if not (schemes & allowed).any():
        return None
    # a token call counts only in an API that declares a scheme (it is part of how that API authenticates)
    return allowed & (schemes | (issuers & np.isin(fields.api_codes, np.unique(fields.api_codes[schemes & allowed]))))


def _exact(plan: QueryPlan, index: SearchIndex) -> np.ndarray | None:
    """Mark the chunks the user named: 2 for one named outright (METHOD /path, an operation id, a schema name),
    1 for a bare path (often the parent of the endpoint meant, and shared by several methods), else 0."""
    if not (plan.paths or plan.identifiers):
        return None
    wanted_paths = {normalize_path(p) for p in plan.paths}
    wanted_mp = {(m, normalize_path(p)) for m, p in plan.method_paths}
    wanted_ids = {i.lower() for i in plan.identifiers}
    marks = np.zeros(len(index.ids), dtype=np.int8)
    for pos, meta in enumerate(index.metas):
        path = normalize_path(meta["path"]) if meta.get("path") else ""
        op_id = str(meta.get("operation_id", "")).lower()
        schema = str(meta.get("title", "")).removeprefix("Schema ").lower() if meta.get("kind") == "schema" else ""
        if ((wanted_mp and (meta.get("method"), path) in wanted_mp) or (op_id and op_id in wanted_ids)
                or (schema and schema in wanted_ids)):
            marks[pos] = 2
        elif not wanted_mp and path and path in wanted_paths:
            marks[pos] = 1
    return marks if marks.any() else None


def _merge(lists: list[list[Ranked]]) -> list[Ranked]:
    """Merge the whole question's ranking with each step's, tier by tier, the whole question first in each tier."""
    if len(lists) == 1:
        return lists[0]
    seen: set[int] = set()
    merged: list[Ranked] = []
    for tier in range(max(len(lst) for lst in lists)):
        for lst in lists:
            if tier < len(lst) and lst[tier].position not in seen:
                seen.add(lst[tier].position)
                merged.append(lst[tier])
    return merged


def endpoint_family(api: str, path: str) -> str:
    """Return the resource an endpoint acts on: its path up to the last literal segment (params erased).

    ``/v1/charges/{charge}/refunds`` and ``/v1/charges/{charge}/refunds/{refund}`` share one family.
    """
    segments = [("{}" if s.startswith("{") else singular(s.lower())) for s in path.strip("/").split("/")]
    while segments and segments[-1] == "{}":
        segments.pop()
    return f"{api}:{'/'.join(segments)}"


def _cap_families(order: list[Ranked], index: SearchIndex) -> list[Ranked]:
    """Keep at most FAMILY_CAP endpoints of one resource family ahead of the rest (exact matches exempt)."""
    seen: dict[str, int] = {}
    kept, overflow = [], []
    for r in order:
        meta = index.metas[r.position]
        if not meta.get("path") or r.exact:
            kept.append(r)
            continue
        family = endpoint_family(str(meta.get("api", "")), str(meta["path"]))
        seen[family] = seen.get(family, 0) + 1
        (kept if seen[family] <= FAMILY_CAP else overflow).append(r)
    return kept + overflow


def _to_hit(index: SearchIndex, ranked: Ranked) -> Hit:
    meta = index.metas[ranked.position]
    return Hit(
        id=index.ids[ranked.position],
        api=str(meta.get("api", "")),
        kind=ChunkKind(meta.get("kind", "operation")),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        score=round(ranked.score, 6),
        text=index.docs[ranked.position],
        method=meta.get("method") or None,
        path=meta.get("path") or None,
        metadata=dict(meta),
        reasons=ranked.reasons,
        fits=ranked.fits,
    )
