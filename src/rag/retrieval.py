"""Hybrid retrieval: dense (Chroma) + BM25 fused by weighted reciprocal rank, per question step, then MMR.

Ranking recipe (each step earned on the development set, see scripts/bench/retrieval.py):
1. For the whole question and for each of its steps: a dense list and a BM25 list, fused by weighted RRF.
2. Exact identifiers the user typed (a path, METHOD /path, an operation id, a schema name) go first.
3. Step lists are merged round-robin so every step's best endpoints are represented.
4. Deprecated operations are demoted; MMR removes near-duplicates from the final list.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from src.core.logging import get_logger
from src.rag.embedding import Embedder
from src.rag.keyword import KeywordIndex, KeywordIndexManager
from src.rag.query import QueryPlan, normalize_path, plan_query
from src.rag.store import StoredRecord, VectorStore
from src.rag.textutil import singular
from src.rag.types import ChunkKind, Hit

log = get_logger(__name__)

RRF_K = 10
DENSE_WEIGHT = 0.4
KEYWORD_WEIGHT = 1.0
CANDIDATES = 20
MMR_LAMBDA = 0.85
DEPRECATED_PENALTY = 0.5
AGREEMENT_K = 0.5
NON_OPERATION_WEIGHT = 0.6
FAMILY_CAP = 2
NESTED_PATH_PENALTY = 0.0
WHOLE_QUESTION_WEIGHT = 0.5


@dataclass(frozen=True)
class SearchFilters:
    """Restrict a search: API ids, tags, HTTP methods, chunk kinds (empty means any)."""

    apis: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    kinds: tuple[ChunkKind, ...] = ()

    def where(self) -> dict | None:
        """Return the Chroma `where` clause for the filters Chroma can apply itself."""
        clauses = []
        if self.apis:
            clauses.append({"api": {"$in": list(self.apis)}})
        if self.methods:
            clauses.append({"method": {"$in": [m.upper() for m in self.methods]}})
        if self.kinds:
            clauses.append({"kind": {"$in": [k.value for k in self.kinds]}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

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


@dataclass
class _Candidate:
    record: StoredRecord
    fused: float = 0.0
    similarity: float | None = None
    exact: bool = False
    steps: set[int] = field(default_factory=set)


class HybridRetriever:
    """Dense + keyword retrieval over one store, with the BM25 index managed per library version."""

    def __init__(self, store: VectorStore, embedder: Embedder, keywords: KeywordIndexManager) -> None:
        self.store = store
        self.embedder = embedder
        self.keywords = keywords
        self._masks: dict[tuple[int, SearchFilters], np.ndarray] = {}

    def search(self, question: str, top_k: int, version: int, filters: SearchFilters = SearchFilters(),
               query_vector: Sequence[float] | None = None) -> list[Hit]:
        """Return the `top_k` best chunks for a question."""
        started = time.perf_counter()
        plan = plan_query(question)
        index = self.keywords.get(version)
        if not index.ids:
            return []
        mask = self._mask(index, filters)
        pool: dict[str, _Candidate] = {}
        qvec = list(query_vector) if query_vector is not None else self.embedder.embed_query(question)
        lists = [self._fused(question, qvec, index, mask, filters, pool, 0)]
        if plan.steps:
            step_vecs = self.embedder.embed(list(plan.steps))
            for n, (step, vec) in enumerate(zip(plan.steps, step_vecs), start=1):
                lists.append(self._fused(step, vec, index, mask, filters, pool, n))
        self._mark_exact(plan, index, mask, pool)
        ranked = _interleave(lists, pool)
        listed = set(ranked)
        ranked = [c for c in pool if pool[c].exact and c not in listed] + ranked  # typed identifiers always surface
        hits = self._finalise(ranked, pool, np.asarray(qvec, dtype=np.float32), top_k)
        log.info("search.done", hits=len(hits), steps=len(plan.steps), ms=round((time.perf_counter() - started) * 1000, 1))
        return hits

    def _mask(self, index: KeywordIndex, filters: SearchFilters) -> np.ndarray | None:
        """Return the boolean filter mask over the index, computed once per library version and filter set."""
        if not _has_filters(filters):
            return None
        key = (index.version, filters)
        if key not in self._masks:
            if len(self._masks) > 64:
                self._masks.clear()
            self._masks[key] = np.array([filters.accepts(m) for m in index.metas], dtype=bool)
        return self._masks[key]

    def _fused(self, text: str, vec: Sequence[float], index: KeywordIndex, mask, filters: SearchFilters,
               pool: dict[str, _Candidate], step: int) -> list[str]:
        scores: dict[str, float] = {}
        for weight, ranked in ((DENSE_WEIGHT, index.dense_top(vec, CANDIDATES, mask)),
                               (KEYWORD_WEIGHT, index.top(text, CANDIDATES, mask))):
            for rank, (pos, _score) in enumerate(ranked):
                cid = index.ids[pos]
                pool.setdefault(cid, _Candidate(index.record(pos)))
                scores[cid] = scores.get(cid, 0.0) + weight / (RRF_K + rank + 1)
        for cid in scores:
            meta = pool[cid].record.metadata
            # Questions are about calls: schemas, auth and prose rank below operations of equal evidence.
            if meta.get("kind") not in ("operation", "webhook"):
                scores[cid] *= NON_OPERATION_WEIGHT
            # Prefer the canonical top-level endpoint over nested variants when the evidence is equal.
            scores[cid] *= 1.0 - NESTED_PATH_PENALTY * min(str(meta.get("path", "")).count("{"), 3)
            pool[cid].steps.add(step)
            pool[cid].fused = max(pool[cid].fused, scores[cid])
        return sorted(scores, key=lambda c: (-scores[c], c))

    @staticmethod
    def _mark_exact(plan: QueryPlan, index: KeywordIndex, mask, pool: dict[str, _Candidate]) -> None:
        if not (plan.paths or plan.identifiers):
            return
        wanted_paths = {normalize_path(p) for p in plan.paths}
        wanted_mp = {(m, normalize_path(p)) for m, p in plan.method_paths}
        wanted_ids = {i.lower() for i in plan.identifiers}
        for pos, meta in enumerate(index.metas):
            if mask is not None and not mask[pos]:
                continue
            path = normalize_path(meta.get("path") or "") if meta.get("path") else ""
            op_id = str(meta.get("operation_id", "")).lower()
            schema = str(meta.get("title", "")).removeprefix("Schema ").lower() if meta.get("kind") == "schema" else ""
            exact = (wanted_mp and (meta.get("method"), path) in wanted_mp) or (not wanted_mp and path and path in wanted_paths) \
                or (op_id and op_id in wanted_ids) or (schema and schema in wanted_ids)
            if exact:
                pool.setdefault(index.ids[pos], _Candidate(index.record(pos))).exact = True

    def _finalise(self, ranked: list[str], pool: dict[str, _Candidate], qvec: np.ndarray, top_k: int) -> list[Hit]:
        head = ranked[: max(top_k * 4, 20)]
        head = [c for c in head if pool[c].exact] + [c for c in head if not pool[c].exact]
        vecs = {c: np.asarray(pool[c].record.embedding, dtype=np.float32) for c in head}
        for c in head:
            pool[c].similarity = float(vecs[c] @ qvec)
        order = _cap_families(_canonical_first(_demote_deprecated(head, pool), pool), pool)
        chosen = _mmr(order, vecs, pool, top_k)
        return [_to_hit(pool[c]) for c in chosen]


def _has_filters(f: SearchFilters) -> bool:
    return bool(f.apis or f.tags or f.methods or f.kinds)


def _interleave(lists: list[list[str]], pool: dict[str, _Candidate]) -> list[str]:
    """Merge the whole-question list with each step's list so every step's best results surface early.

    Candidates are tiered by their best rank in any list (so each step's top result is in the first tier);
    within a tier, the ones that several lists agree on come first.
    """
    if len(lists) == 1:
        return lists[0]
    best: dict[str, int] = {}
    agreement: dict[str, float] = {}
    for n, lst in enumerate(lists):
        weight = WHOLE_QUESTION_WEIGHT if n == 0 else 1.0
        for rank, cid in enumerate(lst):
            best[cid] = min(best.get(cid, rank), rank)
            agreement[cid] = agreement.get(cid, 0.0) + weight / (AGREEMENT_K + rank)
    return sorted(best, key=lambda c: (best[c], -agreement[c], c))


def _demote_deprecated(order: list[str], pool: dict[str, _Candidate]) -> list[str]:
    """Move each deprecated operation below the next few non-deprecated results (it keeps its place otherwise)."""
    keyed = []
    for rank, cid in enumerate(order):
        meta = pool[cid].record.metadata
        penalty = DEPRECATED_PENALTY * 10 if meta.get("deprecated") and not pool[cid].exact else 0.0
        keyed.append((rank + penalty, cid))
    return [cid for _, cid in sorted(keyed)]


def endpoint_family(api: str, path: str) -> str:
    """Return the resource an endpoint acts on: its path up to the last literal segment (params erased).

    ``/v1/charges/{charge}/refunds`` and ``/v1/charges/{charge}/refunds/{refund}`` share one family.
    """
    segments = [("{}" if s.startswith("{") else singular(s.lower())) for s in path.strip("/").split("/")]
    while segments and segments[-1] == "{}":
        segments.pop()
    return f"{api}:{'/'.join(segments)}"


def _canonical_first(order: list[str], pool: dict[str, _Candidate]) -> list[str]:
    """When two endpoints carry the same summary, put the one with the shorter path where the first one stood.

    Vendors often expose one action twice (``POST /v1/refunds`` and ``POST /v1/charges/{charge}/refunds``,
    both "Create a refund"); the top-level form is the one to recommend.
    """
    out = list(order)
    by_summary: dict[tuple[str, str], list[int]] = {}
    for pos, cid in enumerate(out):
        meta = pool[cid].record.metadata
        title = str(meta.get("title", ""))
        if meta.get("path") and " — " in title:
            by_summary.setdefault((str(meta.get("method")), title.split(" — ", 1)[1].lower()), []).append(pos)
    for positions in by_summary.values():
        if len(positions) > 1:
            ids = sorted((out[p] for p in positions), key=lambda c: (len(str(pool[c].record.metadata["path"])), c))
            for p, cid in zip(sorted(positions), ids):
                out[p] = cid
    return out


def _cap_families(order: list[str], pool: dict[str, _Candidate]) -> list[str]:
    """Keep at most FAMILY_CAP endpoints of one resource family ahead of the rest (exact matches exempt)."""
    seen: dict[str, int] = {}
    kept, overflow = [], []
    for cid in order:
        meta = pool[cid].record.metadata
        if not meta.get("path") or pool[cid].exact:
            kept.append(cid)
            continue
        family = endpoint_family(str(meta.get("api", "")), str(meta["path"]))
        seen[family] = seen.get(family, 0) + 1
        (kept if seen[family] <= FAMILY_CAP else overflow).append(cid)
    return kept + overflow


def _mmr(order: list[str], vecs: dict[str, np.ndarray], pool: dict[str, _Candidate], top_k: int) -> list[str]:
    """Pick results in rank order but skip ones too similar to an already chosen result (MMR on rank scores)."""
    chosen: list[str] = []
    remaining = list(order)
    rank_score = {c: 1.0 / (1 + i) for i, c in enumerate(order)}
    while remaining and len(chosen) < top_k:
        def value(c: str) -> float:
            if pool[c].exact:
                return 10.0
            redundancy = max((float(vecs[c] @ vecs[s]) for s in chosen), default=0.0)
            return MMR_LAMBDA * rank_score[c] - (1 - MMR_LAMBDA) * redundancy * rank_score[order[0]]
        best = max(remaining, key=value)
        chosen.append(best)
        remaining.remove(best)
    return chosen


def _to_hit(cand: _Candidate) -> Hit:
    meta = cand.record.metadata
    return Hit(
        id=cand.record.id,
        api=str(meta.get("api", "")),
        kind=ChunkKind(meta.get("kind", "operation")),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        score=round(float(cand.similarity or 0.0), 6),
        text=cand.record.document,
        method=meta.get("method") or None,
        path=meta.get("path") or None,
        metadata=dict(meta),
    )
