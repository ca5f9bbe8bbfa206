"""Ingest flow: parse → chunk → embed only what changed → write all-or-nothing → report."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from src.core.config import Settings
from src.core.errors import AppError, InputRejected, StoreError
from src.core.locking import write_lock
from src.core.logging import get_logger
from src.core.security import check_upload_size, safe_filename
from src.rag.chunking import chunk_spec, text_hash
from src.rag.embedding import Embedder
from src.rag.library import ApiInfo, Library
from src.rag.originals import OriginalsStore
from src.rag.parsing import redact_original
from src.rag.planning.storage import write_graph
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
    """Read a file (or pack a folder as a tar.gz) into an `Upload`, refusing oversize input before reading."""
    path = Path(path)
    if path.is_dir():
        return Upload(path.name + ".tar.gz", _pack_folder(path, settings), root)
    check_upload_size(path.name, path.stat().st_size, settings.max_upload_bytes)
    return Upload(path.name, path.read_bytes(), root)


def _pack_folder(folder: Path, settings: Settings) -> bytes:
    """Pack a spec folder reproducibly (fixed times and owners), so an unchanged folder has one checksum."""
    members = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    if len(members) > settings.max_archive_members:
        raise InputRejected(f"{folder.name}: the folder holds {len(members)} files, over the limit of "
                            f"{settings.max_archive_members}; point at the spec's own folder or raise APIASSIST_MAX_ARCHIVE_MEMBERS.")
    total = sum(p.stat().st_size for p in members)
    check_upload_size(folder.name, total, int(settings.max_archive_mb * 1024 * 1024))
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for member in members:
            info = tarfile.TarInfo(str(member.relative_to(folder)))
            data = member.read_bytes()
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


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

            spec = self._distinct(parse_bytes(name, upload.data, settings=self.settings, root=upload.root), name)
            embedded, chunks = self._write(spec, upload, name, progress)
        except AppError as err:
            log.info("ingest.failed", file=name, error=str(err))
            return report(ok=False, error=str(err))
        except Exception as exc:  # a store or disk failure is reported per file, never raised to the caller
            log.error("ingest.crashed", file=name, error=type(exc).__name__, detail=str(exc)[:300])
            return report(ok=False, error=f"{name}: indexing failed unexpectedly ({type(exc).__name__}); "
                                         "the library was left as it was, check the logs and try again.")
        log.info("ingest.done", file=name, api=spec.api_id, chunks=chunks, embedded=embedded,
                 seconds=round(time.perf_counter() - started, 2))
        _tell(progress, 1.0, "Done")
        return report(ok=True, format=spec.format.value, title=spec.title, version=spec.version,
                      operations=len(spec.operations), schemas=len(spec.schemas), warnings=spec.warnings,
                      api=spec.api_id, chunks=chunks, embedded=embedded)

    def _distinct(self, spec: ApiSpec, name: str) -> ApiSpec:
        """Give a spec its own id when another file already holds the same title and version.

        Vendors publish several files under one title (Twilio's chat v1/v2/v3 are all "Twilio - Chat"
        1.0.0); without this, indexing the second would replace the first.
        """
        stem = re.sub(r"[^a-z0-9]+", "-", name.lower().split(".")[0]).strip("-")[:40] or "file"
        candidate, n = spec, 1
        while True:
            owner = self.library.find(candidate.api_id)
            if owner is None or owner.source == name:
                return candidate
            n += 1
            candidate = replace(spec, id_suffix=stem if n == 2 else f"{stem}-{n}")

    def _write(self, spec: ApiSpec, upload: Upload, name: str, progress: Progress | None) -> tuple[int, int]:
        api = spec.api_id
        chunks = chunk_spec(spec)
        model = getattr(self.embedder, "model_path", "")
        for c in chunks:  # a different embedding model invalidates every stored vector
            c.metadata["hash"] = text_hash(f"{model}\x00{c.metadata['hash']}")
        _tell(progress, 0.05, f"Chunked {len(chunks)} chunks")
        with write_lock(Path(self.settings.data_dir)):
            existing = self.store.hashes(api)
            changed = [c for c in chunks if existing.get(c.id) != c.metadata["hash"]]
            gone = sorted(set(existing) - {c.id for c in chunks})

            def on_embed(done: int, total: int) -> None:
                _tell(progress, 0.05 + 0.85 * done / max(total, 1), f"Embedded {done}/{total} chunks")

            vectors = self.embedder.embed([c.embed_text for c in changed], progress=on_embed) if changed else []
            snapshot = self.store.snapshot(api) if existing else None
            staging: Path | None = None
            previous, committed = None, False
            try:
                # the stored original is what downloads and backups hold: secrets are removed there too
                staging = self.originals.stage(api, name, redact_original(name, upload.data), spec)
                write_graph(staging, spec)
                self.store.upsert(changed, vectors)
                self.store.delete(gone)
                previous = self.originals.commit(api, staging)
                staging, committed = None, True
                self.library.save(ApiInfo(api, spec.title, spec.version, spec.format.value, len(spec.operations),
                                          len(spec.schemas), len(chunks), name, upload.sha256, time.time(),
                                          spec.warnings, upload.root or ""))
            except Exception as exc:
                self._undo(api, snapshot, staging, previous if committed else None, committed)
                raise StoreError(f"{name}: writing to the index failed ({type(exc).__name__}); the library was left as it was, try again.") from exc
            finally:
                self.on_change()
            self.originals.discard(previous)
        return len(changed), len(chunks)

    def _undo(self, api: str, snapshot, staging: Path | None, previous: Path | None, committed: bool) -> None:
        """Put chunks and files back as they were before a failed write."""
        try:
            if snapshot is not None:
                self.store.restore(api, snapshot)
            else:
                self.store.delete(list(self.store.hashes(api)))
            if committed:  # only a committed swap touched the live folder
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
