"""The library's in-memory search index: the stored vectors, documents and metadata, BM25, and ranking fields.

Built once per library version from the store (ChromaDB stays the system of record) and persisted
across restarts, so a query touches no database: dense scores are one matrix product, keyword scores
one sparse product.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from src.core.logging import get_logger
from src.rag.ranking.action_phrase import action_phrase
from src.rag.ranking.fields import OperationFields, build_fields
from src.rag.store import StoredRecord
from src.rag.textutil import tokenize

log = get_logger(__name__)

# Length normalisation is softened: an operation with forty body fields is not less about its summary.
BM25_K1 = 1.5
BM25_B = 0.75


def keyword_text(record: StoredRecord) -> str:
    """Return what BM25 indexes for a chunk: its title plus its keyword digest (or document when it has none)."""
    meta = record.metadata
    return f"{meta.get('title', '')}\n{meta.get('kw') or record.document}"


@dataclass
class SearchIndex:
    """Everything a query reads, for the whole library: ids, metadata, documents, unit vectors, BM25, ranking fields."""

    version: int
    ids: list[str]
    metas: list[dict]
    _bm25: object
    _vocab: dict[str, int]
    docs: list[str]
    vectors: np.ndarray
    summaries: np.ndarray | None = None  # unit vectors of each operation's summary line (others: their digest's)
    actions: np.ndarray | None = None  # unit vectors of each operation's action phrase (others: their summary line's)
    _fields: OperationFields | None = None

    @property
    def fields(self) -> OperationFields:
        """Return the per-field ranking matrices, built on first use and kept for this library version."""
        if self._fields is None:
            self._fields = build_fields(self.metas, self.docs)
        return self._fields

    def record(self, pos: int) -> StoredRecord:
        """Return the chunk at `pos` as a store record (with its vector)."""
        return StoredRecord(self.ids[pos], self.docs[pos], self.metas[pos], self.vectors[pos])

    def dense_top(self, vector: np.ndarray, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Return up to `n` (position, cosine) pairs, best first, within `mask`."""
        if not self.ids:
            return []
        sims = self.vectors @ np.asarray(vector, dtype=np.float32)
        if mask is not None:
            sims = np.where(mask, sims, -np.inf)
        n = min(n, int(np.isfinite(sims).sum()))
        if n <= 0:
            return []
        idx = np.argpartition(-sims, n - 1)[:n]
        idx = idx[np.argsort(-sims[idx], kind="stable")]
        return [(int(i), float(sims[i])) for i in idx]

    def scores(self, query: str) -> np.ndarray:
        """Return the BM25 score of every chunk for `query` (zeros when no query word is known)."""
        tokens = [t for t in tokenize(query) if t in self._vocab]
        if not tokens or not self.ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def top(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Return up to `n` (position, score) pairs with a positive score, best first, within `mask`."""
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n = min(n, int((scores > 0).sum()))
        if n <= 0:
            return []
        idx = np.argpartition(-scores, n - 1)[:n]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(int(i), float(scores[i])) for i in idx]


def summary_line(meta: dict) -> str:
    """Return what an operation says it does: its summary, or its METHOD /path when it has none."""
    title = str(meta.get("title", ""))
    return title.split(" — ", 1)[1] if " — " in title else title


def action_text(meta: dict) -> str:
    """Return the action phrase an operation is embedded by ("create refund"), or its summary line."""
    return action_phrase(str(meta.get("method", "")), str(meta["path"])) or summary_line(meta)


def build_index(version: int, records: Iterable[StoredRecord]) -> SearchIndex:
    """Tokenise and index every record once, keeping its document and vector."""
    import bm25s

    ids, metas, corpus, docs, vectors = [], [], [], [], []
    for rec in records:
        ids.append(rec.id)
        metas.append(rec.metadata)
        docs.append(rec.document)
        vectors.append(rec.embedding)
        corpus.append(tokenize(keyword_text(rec)) or ["_"])
    bm25 = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    if corpus:
        bm25.index(corpus, show_progress=False)
    vocab = dict(getattr(bm25, "vocab_dict", {}) or {})
    matrix = np.asarray(vectors, dtype=np.float32) if vectors else np.zeros((0, 384), dtype=np.float32)
    return SearchIndex(version, ids, metas, bm25, vocab, docs, matrix)


class SearchIndexManager:
    """Hands out the search index for the current library version, rebuilding lazily only when it changed.

    The built index is saved under ``<data_dir>/bm25/`` so a restart with an unchanged library loads it
    from disk instead of re-reading and re-tokenising every chunk.
    """

    def __init__(self, cache_dir: Path | None, load_records: Callable[[], Iterable[StoredRecord]],
                 embed: Callable[[list[str]], list[list[float]]] | None = None) -> None:
        # numpy's BLAS threads and torch's threads fight over the cores: a multi-threaded matrix product
        # between two encoder calls stalled queries by ~100 ms. One BLAS thread does the product in ~1 ms.
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
        self._dir = cache_dir
        self._load_records = load_records
        self._embed = embed
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()
        self.builds = 0

    def get(self, version: int) -> SearchIndex:
        """Return the index for `version`, building or loading it if the cached one is stale."""
        with self._lock:
            if self._index is None or self._index.version != version:
                index = self._load(version) or self._build(version)
                if index.summaries is None or index.actions is None:  # saved by an older version: add once, keep
                    self._add_views(index)
                    self._save(index)
                _ = index.fields  # built here, under the lock, not by the first query
                self._index = index
            return self._index

    def _build(self, version: int) -> SearchIndex:
        started = time.perf_counter()
        index = build_index(version, self._load_records())
        self._add_views(index)
        self.builds += 1
        log.info("bm25.built", chunks=len(index.ids), version=version, ms=round((time.perf_counter() - started) * 1000))
        self._save(index)
        return index

    def _add_views(self, index: SearchIndex) -> None:
        """Embed the short views of each operation: its summary line and its action phrase."""
        previous = self._index
        if index.summaries is None:
            index.summaries = self._view(index, summary_line, index.vectors, previous and previous.summaries, previous)
        index.actions = self._view(index, action_text, index.summaries, previous and previous.actions, previous)

    def _view(self, index: SearchIndex, text_of: Callable[[dict], str], fallback: np.ndarray,
              known_vectors: np.ndarray | None, previous: SearchIndex | None) -> np.ndarray:
        """Embed `text_of(meta)` for every operation (others keep `fallback`), reusing the previous version's vectors."""
        out = fallback.copy()
        if self._embed is None or not index.ids:
            return out
        texts = {pos: text_of(meta) for pos, meta in enumerate(index.metas) if meta.get("path")}
        known: dict[str, np.ndarray] = {}
        if previous is not None and known_vectors is not None:
            known = {text_of(m): known_vectors[p] for p, m in enumerate(previous.metas) if m.get("path")}
        missing = sorted({t for t in texts.values() if t not in known})
        if missing:
            known.update(zip(missing, np.asarray(self._embed(missing), dtype=np.float32)))
        for pos, text in texts.items():
            out[pos] = known[text]
        return out

    def _save(self, index: SearchIndex) -> None:
        """Persist the index; a private temp folder per writer, so two processes never clobber each other."""
        if self._dir is None or not index.ids:
            return
        self._dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=self._dir.parent))
        try:
            index._bm25.save(str(tmp), show_progress=False)
            (tmp / "chunks.json").write_text(json.dumps({"version": index.version, "ids": index.ids, "metas": index.metas,
                                                         "docs": index.docs}))
            np.save(tmp / "vectors.npy", index.vectors)
            for name in ("summaries", "actions"):
                if getattr(index, name) is not None:
                    np.save(tmp / f"{name}.npy", getattr(index, name))
            old = self._dir.with_name(f"{tmp.name}.old")
            if self._dir.exists():
                self._dir.rename(old)
            tmp.rename(self._dir)
            shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:  # the cache is an optimisation: a failed save only costs a rebuild later
            log.warning("bm25.save_failed", error=type(exc).__name__)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _load(self, version: int) -> SearchIndex | None:
        if self._dir is None or not (self._dir / "chunks.json").exists():
            return None
        try:
            import bm25s

            saved = json.loads((self._dir / "chunks.json").read_text())
            if saved.get("version") != version:
                return None
            bm25 = bm25s.BM25.load(str(self._dir), show_progress=False)
            vectors = np.load(self._dir / "vectors.npy")
            if "docs" not in saved or len(vectors) != len(saved["ids"]):
                return None
            views = {name: self._load_view(name, len(vectors)) for name in ("summaries", "actions")}
            return SearchIndex(version, saved["ids"], saved["metas"], bm25, dict(bm25.vocab_dict), saved["docs"], vectors,
                               **views)
        except Exception as exc:  # a damaged cache is rebuilt, never fatal
            log.warning("bm25.load_failed", error=type(exc).__name__)
            return None

    def _load_view(self, name: str, rows: int) -> np.ndarray | None:
        """Load one saved view's vectors, or None when it is missing or does not match the chunks."""
        path = self._dir / f"{name}.npy"
        view = np.load(path) if path.exists() else None
        return view if view is not None and len(view) == rows else None
