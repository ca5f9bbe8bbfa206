"""Candidate generation and the feature matrix the ranker scores, vectorised over the in-memory index.

Candidates are the union of the top dense, top summary and top BM25 chunks within the filter. Each row
describes one (question, chunk) pair; the column order is FEATURES and is what the trained weights refer to.
Keyword scores enter relative to the best candidate, never raw: raw BM25 grows with the library's size,
and the model's score must mean the same in a 10-operation library as in a 3,000-operation one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from src.rag.ranking.fields import FIELDS, OperationFields
from src.rag.ranking.signals import QuestionSignals

CANDIDATES = 60
FEATURES = (
    "dense", "dense_gap", "dense_rank", "summary_dense", "summary_gap", "bm25_rel", "bm25_rank", "hybrid",
    *(f"bm25_{f}" for f in FIELDS), "cover_path", "cover_summary",
    "ident_item", "ident_collection", "many_item", "many_collection", "item_endpoint", "verb_agrees", "verb_conflicts",
    "deprecated", "path_params", "depth", "is_operation", "is_get",
    "api_dense_gap", "api_bm25_gap", "api_named", "exact", "action_dense", "action_gap", "api_vote", "api_words",
    "known_words",
)
# How sharply the API vote follows similarity: a softmax temperature over cosine scores (about the spread
# between a close and a loose MiniLM match), so the vote is decided by each API's best few operations.
API_VOTE_TEMPERATURE = 0.05


class RankableIndex(Protocol):
    """What features need from the search index: vectors, BM25 over the digests, and the field arrays."""

    vectors: np.ndarray
    summaries: np.ndarray | None
    actions: np.ndarray | None
    fields: OperationFields

    def scores(self, query: str) -> np.ndarray: ...


@dataclass(frozen=True)
class CandidateFeatures:
    """Index positions of the candidates and their feature rows (same order)."""

    positions: np.ndarray
    matrix: np.ndarray

    def column(self, name: str) -> np.ndarray:
        """Return one feature column by name."""
        return self.matrix[:, FEATURES.index(name)]


def _top(values: np.ndarray, n: int, allowed: np.ndarray) -> np.ndarray:
    values = np.where(allowed, values, -np.inf)
    n = min(n, int(np.isfinite(values).sum()))
    return np.argpartition(-values, n - 1)[:n] if n > 0 else np.zeros(0, dtype=np.int64)


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float32)
    ranks[order] = np.arange(len(values), dtype=np.float32)
    return ranks


def _rel(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def _group_max(values: np.ndarray, codes: np.ndarray, groups: int) -> np.ndarray:
    best = np.full(groups, -np.inf, dtype=np.float32)
    np.maximum.at(best, codes, values)
    return best


def _api_vote(sims: np.ndarray, codes: np.ndarray, groups: int) -> np.ndarray:
    """Return each API's log share of a similarity-weighted vote over all its allowed operations."""
    finite = np.isfinite(sims)
    if not finite.any():
        return np.zeros(groups, dtype=np.float32)
    weights = np.where(finite, np.exp((np.where(finite, sims, 0.0) - sims[finite].max()) / API_VOTE_TEMPERATURE), 0.0)
    votes = np.bincount(codes, weights=weights, minlength=groups)
    return np.log(votes / votes.sum() + 1e-6).astype(np.float32)


def candidate_features(signals: QuestionSignals, text: str, qvec: np.ndarray, index: RankableIndex,
                       mask: np.ndarray | None, exact: np.ndarray | None = None,
                       titles: Sequence[set[str]] | None = None) -> CandidateFeatures:
    """Pick the candidates for one question (or step) and compute their feature matrix.

    `titles` are the words naming each API (the index's spec titles when None; a name a user gave an API adds its words).
    """
    f = index.fields
    allowed = np.ones(len(f.api_codes), dtype=bool) if mask is None else mask
    sims = index.vectors @ np.asarray(qvec, dtype=np.float32)
    bm25 = index.scores(text)
    summaries = index.summaries @ np.asarray(qvec, dtype=np.float32) if index.summaries is not None else sims
    actions = index.actions @ np.asarray(qvec, dtype=np.float32) if index.actions is not None else summaries
    # The action view scores candidates but does not add any: its extra candidates were mostly distractors.
    pos = np.union1d(np.union1d(_top(sims, CANDIDATES, allowed), _top(summaries, CANDIDATES // 2, allowed)),
                     _top(np.where(bm25 > 0, bm25, -np.inf), CANDIDATES, allowed))
    if exact is not None:
        pos = np.union1d(pos, np.flatnonzero((exact > 0) & allowed))
    if not len(pos):
        return CandidateFeatures(pos, np.zeros((0, len(FEATURES)), dtype=np.float32))
    dense, kw, codes = sims[pos], bm25[pos], f.api_codes[pos]
    summary, action = summaries[pos], actions[pos]
    dense_rank, kw_rank = _ranks(dense), np.where(kw > 0, _ranks(kw), CANDIDATES)
    groups = len(f.api_titles)
    api_dense = _group_max(np.where(allowed, sims, -np.inf).astype(np.float32), f.api_codes, groups)
    kw_rel = _rel(kw)
    api_kw = _group_max(kw_rel.astype(np.float32), codes, groups)
    vote = _api_vote(np.where(allowed, np.maximum(sims, summaries), -np.inf), f.api_codes, groups)
    named = np.array([bool(set(signals.terms) & t) for t in (f.api_titles if titles is None else titles)],
                     dtype=np.float32)
    words = f.api_words.log_likelihood(signals.nouns or signals.terms)
    present = np.bincount(f.api_codes[allowed], minlength=groups) > 0
    words_gap = words - (words[present].max() if present.any() else 0.0)
    item = f.item_endpoint[pos]
    ident, many = float(signals.names_identifier), float(signals.wants_many)
    intent = signals.intent
    method_fits = np.array([m in intent for m in f.methods[pos]], dtype=np.float32)
    columns = [
        dense, dense - dense.max(), np.log1p(dense_rank), summary, summary - summary.max(), kw_rel, np.log1p(kw_rank),
        0.4 / (11 + dense_rank) + 1.0 / (11 + kw_rank),
        *(_rel(f.matrices[name].bm25(signals.terms)[pos]) for name in FIELDS),
        f.matrices["path"].coverage(signals.nouns)[pos], f.matrices["summary"].coverage(signals.nouns)[pos],
        ident * item, ident * (1 - item), many * item, many * (1 - item), item, method_fits if intent else np.zeros(len(pos)),
        (1 - method_fits) if intent else np.zeros(len(pos)),
        f.deprecated[pos], f.path_params[pos], f.depth[pos], f.is_operation[pos],
        (f.methods[pos] == "GET").astype(np.float32),
        api_dense[codes] - api_dense.max(), api_kw[codes] - 1.0, named[codes],
        (exact[pos] > 0).astype(np.float32) if exact is not None else np.zeros(len(pos)),
        action, action - action.max(), vote[codes], words_gap[codes],
        # Constant within a question, so it does not change the order: it tells the fit judge how much of
        # the question this library speaks of at all ("book a flight to Tokyo" shares no word with it).
        np.full(len(pos), f.api_words.known_share(signals.nouns)),
    ]
    return CandidateFeatures(pos, np.column_stack(columns).astype(np.float32))
