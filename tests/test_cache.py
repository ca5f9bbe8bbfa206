"""Embedding LRU bounds and the semantic cache: hit, miss, context isolation, TTL, size, clear."""

import time

import numpy as np

from src.core.cache import EmbeddingCache, SemanticCache


def _unit(seed: int, dim: int = 384) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def test_embedding_cache_counts_and_bounds_entries():
    cache = EmbeddingCache(max_entries=3, max_mb=1)
    for i in range(5):
        cache.put(str(i), _unit(i))
    assert len(cache) == 3
    assert cache.get("0") is None and cache.get("4") is not None
    assert cache.stats.hits == 1 and cache.stats.misses == 1


def test_embedding_cache_bounds_memory():
    cache = EmbeddingCache(max_entries=10_000, max_mb=1)
    for i in range(2000):  # 2000 * 1536 bytes = 3 MB > 1 MB
        cache.put(str(i), _unit(i))
    assert len(cache) <= 1024 * 1024 // 1536 + 1


def test_semantic_cache_hits_near_duplicates_only_in_same_context():
    cache: SemanticCache[str] = SemanticCache(threshold=0.95)
    q = _unit(1)
    near = q + 0.01 * _unit(2)
    cache.put(q, ("v1", "offline"), "answer")
    assert cache.get(near, ("v1", "offline")) == "answer"
    assert cache.get(near, ("v2", "offline")) is None  # library changed
    assert cache.get(_unit(3), ("v1", "offline")) is None  # different question
    assert cache.stats.hits == 1 and cache.stats.misses == 2


def test_semantic_cache_ttl_size_and_clear():
    cache: SemanticCache[int] = SemanticCache(threshold=0.95, max_entries=2, ttl_s=0.05)
    for i in range(3):
        cache.put(_unit(i), "c", i)
    assert len(cache) == 2 and cache.get(_unit(0), "c") is None
    time.sleep(0.06)
    assert cache.get(_unit(2), "c") is None  # expired
    cache.put(_unit(5), "c", 5)
    cache.clear()
    assert cache.get(_unit(5), "c") is None and len(cache) == 0


def test_semantic_cache_lookup_touches_few_entries():
    cache: SemanticCache[int] = SemanticCache(threshold=0.95, max_entries=5000)
    for i in range(5000):
        cache.put(_unit(i), "c", i)
    candidates = cache._index.candidates(_unit(42))
    assert 42 in candidates
    assert len(candidates) < 500  # LSH buckets, not a linear scan over 5000
