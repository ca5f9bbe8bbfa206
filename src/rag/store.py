"""ChromaDB adapter: embedded `PersistentClient` by default, `HttpClient` when a server is configured."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from src.core.config import Settings
from src.core.errors import StoreError
from src.core.locking import file_lock
from src.core.logging import get_logger
from src.rag.types import Chunk

log = get_logger(__name__)
COLLECTION = "api_chunks"
OPEN_LOCK = ".store-open.lock"


@dataclass(frozen=True)
class StoredRecord:
    """A chunk as it sits in the store (document, metadata and, when asked for, its vector)."""

    id: str
    document: str
    metadata: dict[str, Any]
    embedding: list[float] | None = None
    distance: float | None = None


@dataclass
class StoredSnapshot:
    """Every record of one API, kept in memory so a failed write can be undone."""

    records: list[StoredRecord] = field(default_factory=list)


class VectorStore(Protocol):
    """What the service needs from a vector database: writes with undo, and a full read for the search index.

    Queries never reach the database; they run on the in-memory search index (src/rag/search_index.py).
    """

    def upsert(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None: ...
    def delete(self, ids: Sequence[str]) -> None: ...
    def hashes(self, api: str) -> dict[str, str]: ...
    def snapshot(self, api: str) -> StoredSnapshot: ...
    def restore(self, api: str, snapshot: StoredSnapshot) -> None: ...
    def put_records(self, records: Sequence[StoredRecord]) -> None: ...
    def api_counts(self) -> dict[str, int]: ...
    def iter_all(self, with_embeddings: bool = True, with_documents: bool = True) -> Iterator[StoredRecord]: ...
    def count(self, api: str | None = None) -> int: ...


class ChromaStore:
    """One cosine collection holding every API's chunks, filtered by `api` metadata."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._collection = None
        self._lock = threading.Lock()

    @property
    def mode(self) -> str:
        """Return ``server`` when talking to a ChromaDB server, else ``embedded``."""
        return "server" if self._settings.chroma_host else "embedded"

    def _client(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self._settings.chroma_host:
            token = self._settings.chroma_token.get_secret_value()
            headers = {"Authorization": f"Bearer {token}"} if token else None
            return chromadb.HttpClient(host=self._settings.chroma_host, port=self._settings.chroma_port,
                                       ssl=self._settings.chroma_ssl, headers=headers, settings=chroma_settings)
        path = Path(self._settings.data_dir) / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)

    @property
    def collection(self):
        """Return the collection, connecting on first use."""
        with self._lock:
            if self._collection is None:
                try:
                    with self._opening():
                        client = self._client()
                        self._collection = client.get_or_create_collection(
                            COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
                        )
                    self._max_batch = int(getattr(client, "get_max_batch_size", lambda: 5000)() or 5000)
                except Exception as exc:
                    where = f"the ChromaDB server at {self._settings.chroma_host}:{self._settings.chroma_port}" \
                        if self._settings.chroma_host else f"the index under {self._settings.data_dir}"
                    raise StoreError(f"Could not open {where} ({type(exc).__name__}: {exc}); check that it is reachable and writable.") from exc
            return self._collection

    def _opening(self) -> AbstractContextManager:
        """Serialise the first opening of an embedded index: Chroma creates its tables without a lock of its own."""
        if self._settings.chroma_host:
            return nullcontext()
        return file_lock(Path(self._settings.data_dir) / OPEN_LOCK)

    def _batches(self, n: int) -> Iterator[slice]:
        size = min(getattr(self, "_max_batch", 5000), 5000)
        for start in range(0, n, size):
            yield slice(start, start + size)

    def upsert(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        """Insert or replace chunks with their vectors."""
        col = self.collection
        for sl in self._batches(len(chunks)):
            part = chunks[sl]
            col.upsert(ids=[c.id for c in part], documents=[c.text for c in part],
                       metadatas=[c.metadata for c in part], embeddings=list(embeddings[sl]))

    def delete(self, ids: Sequence[str]) -> None:
        """Delete chunks by id."""
        ids = list(ids)
        for sl in self._batches(len(ids)):
            self.collection.delete(ids=ids[sl])

    def hashes(self, api: str) -> dict[str, str]:
        """Return ``{chunk id: content hash}`` for every stored chunk of one API."""
        got = self.collection.get(where={"api": api}, include=["metadatas"])
        return {i: (m or {}).get("hash", "") for i, m in zip(got["ids"], got["metadatas"])}

    def get(self, ids: Sequence[str], with_embeddings: bool = False) -> list[StoredRecord]:
        """Return the stored records for these ids (missing ids are skipped)."""
        if not ids:
            return []
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        got = self.collection.get(ids=list(ids), include=include)
        embs = got.get("embeddings") if with_embeddings else None
        return [
            StoredRecord(i, d or "", m or {}, [float(x) for x in embs[n]] if embs is not None else None)
            for n, (i, d, m) in enumerate(zip(got["ids"], got["documents"], got["metadatas"]))
        ]

    def snapshot(self, api: str) -> StoredSnapshot:
        """Return every record of an API with its vector (used to undo a failed write)."""
        got = self.collection.get(where={"api": api}, include=["documents", "metadatas", "embeddings"])
        embs = got.get("embeddings")
        return StoredSnapshot([
            StoredRecord(i, d or "", m or {}, [float(x) for x in embs[n]])
            for n, (i, d, m) in enumerate(zip(got["ids"], got["documents"], got["metadatas"]))
        ])

    def restore(self, api: str, snapshot: StoredSnapshot) -> None:
        """Put an API back exactly as in `snapshot`: drop anything newer, re-insert the old records."""
        current = set(self.hashes(api))
        keep = {r.id for r in snapshot.records}
        self.delete(sorted(current - keep))
        self.put_records(snapshot.records)

    def put_records(self, records: Sequence[StoredRecord]) -> None:
        """Insert or replace stored records exactly as they were (documents, metadata, vectors)."""
        for sl in self._batches(len(records)):
            part = records[sl]
            self.collection.upsert(ids=[r.id for r in part], documents=[r.document for r in part],
                                   metadatas=[r.metadata for r in part], embeddings=[r.embedding for r in part])

    def api_counts(self) -> dict[str, int]:
        """Return ``{api: chunk count}`` over the whole store, reading metadata only."""
        counts: dict[str, int] = {}
        for record in self.iter_all(with_embeddings=False, with_documents=False):
            api = str(record.metadata.get("api", ""))
            counts[api] = counts.get(api, 0) + 1
        return counts

    def query(self, vector: Sequence[float], n: int, where: dict | None = None) -> list[StoredRecord]:
        """Return the `n` nearest records (cosine) with their vectors, optionally filtered by metadata."""
        total = self.count()
        if total == 0:
            return []
        got = self.collection.query(query_embeddings=[list(vector)], n_results=min(n, total), where=where or None,
                                    include=["documents", "metadatas", "distances", "embeddings"])
        ids, docs, metas, dists = got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]
        embs = got["embeddings"][0]
        return [StoredRecord(i, d or "", m or {}, [float(x) for x in e], float(dist))
                for i, d, m, e, dist in zip(ids, docs, metas, embs, dists)]

    def iter_all(self, with_embeddings: bool = True, with_documents: bool = True) -> Iterator[StoredRecord]:
        """Yield every record (metadata, by default documents and vectors), page by page."""
        offset, page = 0, 2000
        include = ["metadatas"] + (["documents"] if with_documents else []) + (["embeddings"] if with_embeddings else [])
        while True:
            got = self.collection.get(include=include, limit=page, offset=offset)
            if not got["ids"]:
                return
            embs = got.get("embeddings") if with_embeddings else None
            docs = got.get("documents") if with_documents else None
            for n, (i, m) in enumerate(zip(got["ids"], got["metadatas"])):
                yield StoredRecord(i, (docs[n] or "") if docs is not None else "", m or {},
                                   embs[n] if embs is not None else None)
            offset += len(got["ids"])

    def count(self, api: str | None = None) -> int:
        """Return the number of chunks in the store, or of one API."""
        if api is None:
            return int(self.collection.count())
        return len(self.collection.get(where={"api": api}, include=[])["ids"])
