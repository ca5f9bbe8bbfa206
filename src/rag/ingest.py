"""Ingest flow: parse → chunk → embed only what changed → write all-or-nothing → report."""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from src.core.config import Settings
from src.core.errors import AppError, StoreError
from src.core.locking import write_lock
from src.core.logging import get_logger
from src.core.security import check_upload_size, safe_filename
from src.rag.chunking import chunk_spec
from src.rag.embedding import Embedder
from src.rag.library import ApiInfo, Library
from src.rag.originals import OriginalsStore
from src.rag.store import VectorStore
from src.rag.types import ApiSpec, IngestReport

log = get_logger(__name__)

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Upload:
    """Bytes to ingest, with the name the user gave them and an optional root file inside an archive."""

    name: str
    data: bytes
    root: str | None = None

    @property
    def sha256(self) -> str:
        """Return the checksum that identifies unchanged re-uploads."""
        return hashlib.sha256(self.data + (self.root or "").encode()).hexdigest()


def upload_from_path(path: Path, root: str | None, settings: Settings) -> Upload:
    """Read a file (or pack a folder as a tar.gz) into an `Upload`, refusing oversize files before reading."""
    path = Path(path)
    if path.is_dir():
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for member in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
                tar.add(member, arcname=str(member.relative_to(path)))
        return Upload(path.name + ".tar.gz", buf.getvalue(), root)
    check_upload_size(path.name, path.stat().st_size, settings.max_upload_bytes)
    return Upload(path.name, path.read_bytes(), root)


class Ingestor:
    """Owns the write path of the library; one instance per `Assistant`."""

    def __init__(self, settings: Settings, library: Library, store: VectorStore, embedder: Embedder,
                 originals: OriginalsStore, on_change: Callable[[], None]) -> None:
        self.settings = settings
        self.library = library
        self.store = store
        self.embedder = embedder
        self.originals = originals
        self.on_change = on_change

    def ingest(self, upload: Upload, progress: Progress | None = None, force: bool = False) -> IngestReport:
        """Index one upload; a failure returns ok=False with one sentence and leaves the library unchanged."""
        started = time.perf_counter()
        name = safe_filename(upload.name)
        report = (lambda **kw: IngestReport(file=name, seconds=round(time.perf_counter() - started, 3), **kw))
        try:
            check_upload_size(name, len(upload.data), self.settings.max_upload_bytes)
            known = None if force else self.library.find_by_sha(upload.sha256)
            if known is not None:
                return report(ok=True, format=known.format, title=known.title, version=known.version,
                              operations=known.operations, schemas=known.schemas, warnings=known.warnings,
                              api=known.api, chunks=known.chunks, unchanged=True)
            _tell(progress, 0.02, "Parsing")
            from src.rag.parsing import parse_bytes

            spec = parse_bytes(name, upload.data, settings=self.settings, root=upload.root)
            embedded, chunks = self._write(spec, upload, name, progress)
        except AppError as err:
            log.info("ingest.failed", file=name, error=str(err))
            return report(ok=False, error=str(err))
        log.info("ingest.done", file=name, api=spec.api_id, chunks=chunks, embedded=embedded,
                 seconds=round(time.perf_counter() - started, 2))
        _tell(progress, 1.0, "Done")
        return report(ok=True, format=spec.format.value, title=spec.title, version=spec.version,
                      operations=len(spec.operations), schemas=len(spec.schemas), warnings=spec.warnings,
                      api=spec.api_id, chunks=chunks, embedded=embedded)

    def _write(self, spec: ApiSpec, upload: Upload, name: str, progress: Progress | None) -> tuple[int, int]:
        api = spec.api_id
        chunks = chunk_spec(spec)
        _tell(progress, 0.05, f"Chunked {len(chunks)} chunks")
        with write_lock(Path(self.settings.data_dir)):
            existing = self.store.hashes(api)
            changed = [c for c in chunks if existing.get(c.id) != c.metadata["hash"]]
            gone = sorted(set(existing) - {c.id for c in chunks})

            def on_embed(done: int, total: int) -> None:
                _tell(progress, 0.05 + 0.85 * done / max(total, 1), f"Embedded {done}/{total} chunks")

            vectors = self.embedder.embed([c.embed_text for c in changed], progress=on_embed) if changed else []
            snapshot = self.store.snapshot(api) if existing else None
            staging = self.originals.stage(api, name, upload.data, spec)
            previous = None
            try:
                self.store.upsert(changed, vectors)
                self.store.delete(gone)
                previous = self.originals.commit(api, staging)
                self.library.save(ApiInfo(api, spec.title, spec.version, spec.format.value, len(spec.operations),
                                          len(spec.schemas), len(chunks), name, upload.sha256, time.time(),
                                          spec.warnings, upload.root or ""))
            except Exception as exc:
                self._undo(api, snapshot, staging, previous)
                raise StoreError(f"{name}: writing to the index failed ({type(exc).__name__}); the library was left as it was, try again.") from exc
            finally:
                self.on_change()
            self.originals.discard(previous)
        return len(changed), len(chunks)

    def _undo(self, api: str, snapshot, staging: Path, previous: Path | None) -> None:
        try:
            if snapshot is not None:
                self.store.restore(api, snapshot)
            else:
                self.store.delete(list(self.store.hashes(api)))
            if previous is not None or self.originals.folder(api).exists():
                self.originals.rollback(api, previous)
        finally:
            self.originals.discard(staging)

    def remove(self, api: str) -> int:
        """Delete an API, its chunks and its files; return how many chunks were removed."""
        self.library.get(api)
        with write_lock(Path(self.settings.data_dir)):
            ids = list(self.store.hashes(api))
            self.store.delete(ids)
            self.library.delete(api)
            self.originals.remove(api)
            self.on_change()
        log.info("api.removed", api=api, chunks=len(ids))
        return len(ids)


def _tell(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)
