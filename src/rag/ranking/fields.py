"""Per-operation fields of the in-memory index, as sparse BM25 matrices and static numpy arrays.

Built once per library version from the stored chunks (metadata and document), so the ranker's keyword
features for every candidate are a few sparse column sums, never a loop over operations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from src.rag.textutil import split_identifier, tokenize

FIELDS = ("path", "summary", "params", "description")
BM25_K1 = 1.2
BM25_B = 0.75
# Dirichlet prior of each API's word model, in words: an API's own counts outweigh the library's once it
# has said a few thousand words (the usual setting for query-likelihood retrieval).
API_PRIOR_WORDS = 2000.0
_PARAM_LINE = re.compile(r"^\s+- ([^\s(]+) \(", re.M)
_DESCRIPTION = re.compile(r"^Description: (.*)$", re.M)


def field_texts(meta: dict, document: str) -> dict[str, str]:
    """Return the text of each ranking field of a chunk (path tokens, summary, parameter names, description)."""
    title = str(meta.get("title", ""))
    summary = title.split(" — ", 1)[1] if " — " in title else ("" if meta.get("path") else title)
    description = _DESCRIPTION.search(document)
    return {
        "path": " ".join(split_identifier(str(meta.get("path", ""))) + split_identifier(str(meta.get("operation_id", "")))),
        "summary": f"{summary} {str(meta.get('tags', '')).replace(',', ' ')}",
        "params": " ".join(_PARAM_LINE.findall(document)),
        "description": description.group(1)[:800] if description else "",
    }


@dataclass
class FieldMatrix:
    """BM25 weights (documents x vocabulary) of one field, and which documents contain each term."""

    vocab: dict[str, int]
    weights: sparse.csc_matrix
    present: sparse.csc_matrix

    def bm25(self, terms: Sequence[str]) -> np.ndarray:
        """Return the BM25 score of every document for the query terms."""
        cols = [self.vocab[t] for t in terms if t in self.vocab]
        if not cols:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        return np.asarray(self.weights[:, cols].sum(axis=1), dtype=np.float32).ravel()

    def coverage(self, terms: Sequence[str]) -> np.ndarray:
        """Return the share of `terms` each document contains (0 when `terms` is empty)."""
        if not terms:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        cols = [self.vocab[t] for t in terms if t in self.vocab]
        if not cols:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        return np.asarray(self.present[:, cols].sum(axis=1), dtype=np.float32).ravel() / len(terms)


def field_matrix(texts: Sequence[str]) -> FieldMatrix:
    """Tokenise one field of every document and precompute its BM25 weight matrix."""
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    lengths = np.zeros(len(texts), dtype=np.float32)
    for d, text in enumerate(texts):
        counts: dict[int, int] = {}
        for tok in tokenize(text):
            col = vocab.setdefault(tok, len(vocab))
            counts[col] = counts.get(col, 0) + 1
        lengths[d] = sum(counts.values())
        for col, n in counts.items():
            rows.append(d)
            cols.append(col)
            vals.append(n)
    shape = (len(texts), max(len(vocab), 1))
    tf = sparse.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=shape)
    df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=shape[1]).astype(np.float32)
    idf = np.log(1 + (len(texts) - df + 0.5) / (df + 0.5))
    norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / max(float(lengths.mean()), 1e-6))
    tf = tf.tocoo()
    w = tf.data * (BM25_K1 + 1) / (tf.data + norm[tf.row]) * idf[tf.col]
    weights = sparse.csc_matrix((w.astype(np.float32), (tf.row, tf.col)), shape=shape)
    present = sparse.csc_matrix((np.ones_like(w, dtype=np.float32), (tf.row, tf.col)), shape=shape)
    return FieldMatrix(vocab, weights, present)


@dataclass
class ApiWordModel:
    """Each API's smoothed word distribution over everything it indexes: which API a question's words come from."""

    vocab: dict[str, int]
    log_probs: np.ndarray  # apis x vocabulary

    def log_likelihood(self, terms: Sequence[str]) -> np.ndarray:
        """Return each API's mean log-probability per known question word (zeros when none is known)."""
        cols = [self.vocab[t] for t in terms if t in self.vocab]
        if not cols:
            return np.zeros(self.log_probs.shape[0], dtype=np.float32)
        return self.log_probs[:, cols].mean(axis=1).astype(np.float32)

    def known_share(self, terms: Sequence[str]) -> float:
        """Return the share of `terms` that any indexed API uses at all (1.0 when there are none)."""
        return sum(t in self.vocab for t in terms) / len(terms) if terms else 1.0


def api_word_model(texts: Sequence[str], codes: np.ndarray, apis: int) -> ApiWordModel:
    """Count every API's words and smooth them toward the whole library's (Dirichlet prior)."""
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for code, text in zip(codes, texts):
        for tok in tokenize(text):
            rows.append(int(code))
            cols.append(vocab.setdefault(tok, len(vocab)))
    shape = (max(apis, 1), max(len(vocab), 1))
    counts = sparse.coo_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape).toarray()
    background = (counts.sum(axis=0) + 1.0) / (counts.sum() + shape[1])
    smoothed = (counts + API_PRIOR_WORDS * background) / (counts.sum(axis=1, keepdims=True) + API_PRIOR_WORDS)
    return ApiWordModel(vocab, np.log(smoothed).astype(np.float32))


@dataclass
class OperationFields:
    """Everything static the ranker reads about each indexed chunk, aligned with the index positions."""

    matrices: dict[str, FieldMatrix]
    api_codes: np.ndarray
    api_titles: list[set[str]]
    api_ids: list[str]
    api_words: ApiWordModel
    is_operation: np.ndarray
    deprecated: np.ndarray
    item_endpoint: np.ndarray
    path_params: np.ndarray
    depth: np.ndarray
    methods: np.ndarray


def title_words(title: str) -> set[str]:
    """Return the words that name an API in a question: its title's, without "api" and version tags."""
    return set(tokenize(title)) - {"api", "v1", "v2", "v3"}


def build_fields(metas: Sequence[dict], docs: Sequence[str]) -> OperationFields:
    """Precompute the field matrices and per-chunk arrays of one library version."""
    texts = [field_texts(m, d) for m, d in zip(metas, docs)]
    apis: dict[str, int] = {}
    titles: list[set[str]] = []
    for m in metas:
        if m.get("api") not in apis:
            apis[m.get("api")] = len(apis)
            titles.append(title_words(str(m.get("api_title", ""))))
    paths = [str(m.get("path") or "") for m in metas]
    codes = np.array([apis[m.get("api")] for m in metas], dtype=np.int64)
    return OperationFields(
        matrices={f: field_matrix([t[f] for t in texts]) for f in FIELDS},
        api_codes=codes,
        api_titles=titles,
        api_ids=list(apis),
        api_words=api_word_model([" ".join(t.values()) for t in texts], codes, len(apis)),
        is_operation=np.array([m.get("kind") in ("operation", "webhook") for m in metas], dtype=np.float32),
        deprecated=np.array([bool(m.get("deprecated")) for m in metas], dtype=np.float32),
        item_endpoint=np.array([p.rstrip("/").endswith("}") for p in paths], dtype=np.float32),
        path_params=np.array([min(p.count("{"), 4) for p in paths], dtype=np.float32),
        depth=np.array([min(len([s for s in p.split("/") if s]), 8) for p in paths], dtype=np.float32),
        methods=np.array([str(m.get("method") or "") for m in metas]),
    )
