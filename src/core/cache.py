"""Caches: the embedding LRU cache and the semantic query cache (cosine-near questions share an answer)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
from cachetools import LRUCache

V = TypeVar("V")


@dataclass
class CacheStats:
    """Hit and miss counters of one cache."""

    hits: int = 0
    misses: int = 0

    @property
    def hit_rate(self) -> float:
        """Return hits / lookups, 0.0 before the first lookup."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def as_dict(self) -> dict[str, float]:
        """Return the counters as a plain dict."""
        return {"hits": self.hits, "misses": self.misses, "hit_rate": round(self.hit_rate, 4)}


class EmbeddingCache:
    """LRU cache of vectors keyed by text hash, bounded both by entry count and by memory."""

    def __init__(self, max_entries: int = 50_000, max_mb: int = 256) -> None:
        max_bytes = max(1, max_mb) * 1024 * 1024
        self._entries = max(1, max_entries)
        self._cache: LRUCache[str, np.ndarray] = LRUCache(maxsize=max_bytes, getsizeof=lambda v: max(1, v.nbytes))
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def get(self, key: str) -> np.ndarray | None:
        """Return the cached vector for `key`, counting a hit or a miss."""
        with self._lock:
            value = self._cache.get(key)
            if value is None:
                self.stats.misses += 1
            else:
                self.stats.hits += 1
            return value

    def put(self, key: str, vector: np.ndarray) -> None:
        """Store a vector, evicting least-recently-used entries past either bound."""
        with self._lock:
            self._cache[key] = vector
            while len(self._cache) > self._entries:
                self._cache.popitem()

    def __len__(self) -> int:
        return len(self._cache)


class _LSHIndex:
    """Random-hyperplane LSH over unit vectors, so a lookup touches a few buckets, not every entry."""

    def __init__(self, dim: int, tables: int = 10, bits: int = 10, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        self._planes = rng.standard_normal((tables, bits, dim)).astype(np.float32)
        self._weights = (1 << np.arange(bits)).astype(np.int64)
        self._buckets: list[dict[int, set[int]]] = [dict() for _ in range(tables)]

    def _keys(self, vec: np.ndarray) -> list[int]:
        signs = (np.einsum("tbd,d->tb", self._planes, vec) > 0).astype(np.int64)
        return [int(k) for k in signs @ self._weights]

    def add(self, ident: int, vec: np.ndarray) -> None:
        for table, key in zip(self._buckets, self._keys(vec)):
            table.setdefault(key, set()).add(ident)

    def remove(self, ident: int, vec: np.ndarray) -> None:
        for table, key in zip(self._buckets, self._keys(vec)):
            bucket = table.get(key)
            if bucket:
                bucket.discard(ident)
                if not bucket:
                    del table[key]

    def candidates(self, vec: np.ndarray) -> set[int]:
        found: set[int] = set()
        for table, key in zip(self._buckets, self._keys(vec)):
            found |= table.get(key, set())
        return found


@dataclass
class _Entry(Generic[V]):
    vector: np.ndarray
    context: Any
    value: V
    created: float


class SemanticCache(Generic[V]):
    """Answers keyed by question embedding; a lookup hits when a stored question is within the cosine threshold.

    Entries are scoped by a context key (library version, provider, filters, top-k): a lookup only matches
    entries with an equal context, so any index or settings change makes old entries unreachable; `clear()`
    drops them eagerly. Bounded by size (oldest evicted) and TTL.
    """

    def __init__(self, dim: int = 384, threshold: float = 0.95, max_entries: int = 1000, ttl_s: float = 3600.0) -> None:
        self.threshold = threshold
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self._dim = dim
        self._entries: dict[int, _Entry[V]] = {}
        self._index = _LSHIndex(dim)
        self._next = 0
        self._lock = threading.Lock()
        self.stats = CacheStats()

    @staticmethod
    def _unit(vec: np.ndarray) -> np.ndarray:
        vec = np.asarray(vec, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def get(self, vector: np.ndarray, context: Any) -> V | None:
        """Return the stored value of the nearest question in the same context, if within the threshold."""
        unit = self._unit(vector)
        now = time.monotonic()
        with self._lock:
            best, best_sim = None, self.threshold
            for ident in self._index.candidates(unit):
                entry = self._entries[ident]
                if now - entry.created > self.ttl_s:
                    self._drop(ident)
                    continue
                if entry.context != context:
                    continue
                sim = float(entry.vector @ unit)
                if sim >= best_sim:
                    best, best_sim = entry, sim
            if best is None:
                self.stats.misses += 1
                return None
            self.stats.hits += 1
            return best.value

    def put(self, vector: np.ndarray, context: Any, value: V) -> None:
        """Store a value for a question embedding within a context."""
        if self.max_entries <= 0:
            return
        unit = self._unit(vector)
        with self._lock:
            while len(self._entries) >= self.max_entries:
                self._drop(next(iter(self._entries)))
            ident = self._next
            self._next += 1
            self._entries[ident] = _Entry(unit, context, value, time.monotonic())
            self._index.add(ident, unit)

    def clear(self) -> None:
        """Drop every entry (called on any library change)."""
        with self._lock:
            self._entries.clear()
            self._index = _LSHIndex(self._dim)

    def _drop(self, ident: int) -> None:
        entry = self._entries.pop(ident, None)
        if entry is not None:
            self._index.remove(ident, entry.vector)

    def __len__(self) -> int:
        return len(self._entries)
