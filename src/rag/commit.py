"""The commit of an ingest: what to write for one API, and writing it all-or-nothing under the write lock.

Everything slow (parsing, chunking, embedding) happens before; the commit only journals the write,
stages the files, upserts the new vectors, swaps the files in and saves the catalogue row. Each step
has a named pause point (`src.core.debug`) so tests can crash a real process there.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from src.core.debug import pause_point
from src.core.errors import StoreError
from src.core.logging import get_logger
from src.rag.integrity import encode_records, undo_write
from src.rag.library import ApiInfo, Library, PendingWrite
from src.rag.originals import OriginalsStore
from src.rag.planning.storage import write_graph
from src.rag.store import VectorStore
from src.rag.types import ApiSpec, Chunk

log = get_logger(__name__)

# the commit's steps, in order: a pause point follows each (a crash test kills the process at every one)
COMMIT_STEPS = ("journal", "staged", "chunks", "stale", "originals", "catalogue")


@dataclass(frozen=True)
class WritePlan:
    """What an ingest writes for one API, measured against the chunks stored when it was made."""

    spec: ApiSpec
    chunks: Sequence[Chunk]
    existing: Mapping[str, str]

    @property
    def api(self) -> str:
        """Return the API id the write goes to."""
        return self.spec.api_id

    @property
    def changed(self) -> list[Chunk]:
        """Return the chunks whose text (or embedding model) differs from the stored ones."""
        return [c for c in self.chunks if self.existing.get(c.id) != c.metadata["hash"]]

    @property
    def gone(self) -> list[str]:
        """Return the stored chunk ids the new version no longer has."""
        return sorted(set(self.existing) - {c.id for c in self.chunks})


@dataclass(frozen=True)
class StoredFile:
    """The upload as the commit stores it: original name, redacted bytes, checksum and archive root."""

    name: str
    data: bytes
    sha256: str
    root: str


class Committer:
    """Writes a `WritePlan`; the caller holds the data directory's write lock."""

    def __init__(self, library: Library, store: VectorStore, originals: OriginalsStore) -> None:
        self.library = library
        self.store = store
        self.originals = originals

    def commit(self, plan: WritePlan, vectors: Mapping[str, Sequence[float]], file: StoredFile) -> None:
        """Write the plan all-or-nothing; a failure undoes every step and raises StoreError."""
        api, spec, changed = plan.api, plan.spec, plan.changed
        pending = self._journal(plan, changed)
        pause_point("journal")
        try:
            staging = self.originals.stage(api, file.name, file.data, spec)
            write_graph(staging, spec)
            pause_point("staged")
            self.store.upsert(changed, [vectors[c.embed_text] for c in changed])
            pause_point("chunks")
            self.store.delete(plan.gone)
            pause_point("stale")
            previous = self.originals.commit(api, staging)
            pause_point("originals")
            self.library.save(ApiInfo(api, spec.title, spec.version, spec.format.value, len(spec.operations),
                                      len(spec.schemas), len(plan.chunks), file.name, file.sha256, time.time(),
                                      spec.warnings, file.root))
            pause_point("catalogue")
        except Exception as exc:
            self._undo(pending)
            raise StoreError(f"{file.name}: writing to the index failed ({type(exc).__name__}); "
                             "the library was left as it was, try again.") from exc
        self.originals.discard(previous)

    def _journal(self, plan: WritePlan, changed: list[Chunk]) -> PendingWrite:
        """Record what the write replaces before touching anything, so a crash at any step can be undone."""
        had_row = self.library.find(plan.api) is not None
        self.originals.discard_leftovers(plan.api)
        replaced = sorted(({c.id for c in changed} & set(plan.existing)) | set(plan.gone)) if had_row else []
        undo = encode_records(self.store.get(replaced, with_embeddings=True))
        pending = PendingWrite(plan.api, "index", had_row, tuple(plan.existing), undo)
        self.library.begin_write(pending)
        return pending

    def _undo(self, pending: PendingWrite) -> None:
        try:
            undo_write(pending, self.store, self.originals)
            self.library.end_write(pending.api)
        except Exception as exc:  # the journal stays: the next start-up check finishes the undo
            log.error("ingest.undo_failed", api=pending.api, error=type(exc).__name__, detail=str(exc)[:300])
