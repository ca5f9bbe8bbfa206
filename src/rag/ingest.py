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
from src.core.debug import pause_point
from src.core.locking import write_lock
from src.core.logging import get_logger
from src.core.security import check_upload_size, safe_filename
from src.rag.chunking import chunk_spec, text_hash
from src.rag.commit import Committer, StoredFile, WritePlan
from src.rag.embedding import Embedder
from src.rag.integrity import finish_remove
from src.rag.library import ApiInfo, Library
from src.rag.originals import OriginalsStore
from src.rag.parsing import redact_original
from src.rag.store import VectorStore
from src.rag.types import ApiSpec, IngestReport

log = get_logger(__name__)

Progress = Callable[[float, str], None]

# commits that find the library changed (an id taken, chunks re-hashed) go back to embed outside the
# lock this many times; the next attempt embeds the (by then small) difference under the lock
OPTIMISTIC_ATTEMPTS = 3


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
    """Owns the write path of the library; one instance per `Assistant`.

    Parsing, chunking and embedding run without any lock, so a long embed never blocks `remove`,
    a backup or another ingest. Only the commit holds the data directory's write lock: it re-checks
    the duplicate and the id choice there (another process may have committed meanwhile), embeds
    whatever that changed, and writes.
    """

    def __init__(self, settings: Settings, library: Library, store: VectorStore, embedder: Embedder,
                 originals: OriginalsStore, on_change: Callable[[], None]) -> None:
        self.settings = settings
        self.library = library
        self.store = store
        self.embedder = embedder
        self.originals = originals
        self.on_change = on_change
        self.committer = Committer(library, store, originals)

    def ingest(self, upload: Upload, progress: Progress | None = None, force: bool = False) -> IngestReport:
        """Index one upload; a failure returns ok=False with one sentence and leaves the library unchanged."""
        started = time.perf_counter()
        name = safe_filename(upload.name)
        report = (lambda **kw: IngestReport(file=name, seconds=round(time.perf_counter() - started, 3), **kw))
        try:
            check_upload_size(name, len(upload.data), self.settings.max_upload_bytes)
            known = None if force else self.library.find_by_sha(upload.sha256)
            if known is None:
                _tell(progress, 0.02, "Parsing")
                from src.rag.parsing import parse_bytes

                parsed = parse_bytes(name, upload.data, settings=self.settings, root=upload.root)
                known, plan, embedded = self._index(parsed, upload, name, progress, force)
        except AppError as err:
            log.info("ingest.failed", file=name, error=str(err))
            return report(ok=False, error=str(err))
        except Exception as exc:  # a store or disk failure is reported per file, never raised to the caller
            log.error("ingest.crashed", file=name, error=type(exc).__name__, detail=str(exc)[:300])
            return report(ok=False, error=f"{name}: indexing failed unexpectedly ({type(exc).__name__}); "
                                         "the library was left as it was, check the logs and try again.")
        if known is not None:
            return report(ok=True, format=known.format, title=known.title, version=known.version,
                          operations=known.operations, schemas=known.schemas, warnings=known.warnings,
                          api=known.api, chunks=known.chunks, unchanged=True)
        spec = plan.spec
        log.info("ingest.done", file=name, api=spec.api_id, chunks=len(plan.chunks), embedded=embedded,
                 seconds=round(time.perf_counter() - started, 2))
        _tell(progress, 1.0, "Done")
        return report(ok=True, format=spec.format.value, title=spec.title, version=spec.version,
                      operations=len(spec.operations), schemas=len(spec.schemas), warnings=spec.warnings,
                      api=spec.api_id, chunks=len(plan.chunks), embedded=embedded)

    def _index(self, parsed: ApiSpec, upload: Upload, name: str, progress: Progress | None,
               force: bool) -> tuple[ApiInfo | None, WritePlan, int]:
        """Embed without the lock, then commit under it; return (the duplicate found, or None; plan; embedded)."""
        vectors: dict[str, list[float]] = {}
        plan: WritePlan | None = None
        # the stored original is what downloads and backups hold: secrets are removed there too
        file = StoredFile(name, redact_original(name, upload.data), upload.sha256, upload.root or "")
        for attempt in range(OPTIMISTIC_ATTEMPTS + 1):
            last = attempt == OPTIMISTIC_ATTEMPTS
            if not last:
                plan = self._plan(self._distinct(parsed, name), plan)
                self._embed(plan, vectors, progress)
            with write_lock(Path(self.settings.data_dir)):
                known = None if force else self.library.find_by_sha(upload.sha256)
                if known is not None:  # another writer indexed the same file meanwhile
                    return known, plan, 0
                plan = self._plan(self._distinct(parsed, name), plan)
                if not last and any(c.embed_text not in vectors for c in plan.changed):
                    continue  # the library moved under us: embed the difference outside the lock, then retry
                self._embed(plan, vectors, progress)  # a no-op unless the library kept moving
                _tell(progress, 0.92, "Writing")
                try:
                    self.committer.commit(plan, vectors, file)
                finally:
                    self.on_change()
                return None, plan, len(plan.changed)
        raise AssertionError("the last attempt always commits")

    def _plan(self, spec: ApiSpec, before: WritePlan | None) -> WritePlan:
        """Chunk a spec (reusing the chunks of an earlier plan for the same id) against what is stored now."""
        if before is not None and before.api == spec.api_id:
            chunks = before.chunks
        else:
            chunks = chunk_spec(spec)
            model = getattr(self.embedder, "model_path", "")
            for c in chunks:  # a different embedding model invalidates every stored vector
                c.metadata["hash"] = text_hash(f"{model}\x00{c.metadata['hash']}")
        return WritePlan(spec, chunks, self.store.hashes(spec.api_id))

    def _embed(self, plan: WritePlan, vectors: dict[str, list[float]], progress: Progress | None) -> None:
        """Embed the plan's changed chunks that have no vector yet, into `vectors` (keyed by embedded text)."""
        texts = list(dict.fromkeys(c.embed_text for c in plan.changed if c.embed_text not in vectors))
        _tell(progress, 0.05, f"Chunked {len(plan.chunks)} chunks")
        if not texts:
            return

        def on_embed(done: int, total: int) -> None:
            _tell(progress, 0.05 + 0.85 * done / max(total, 1), f"Embedded {done}/{total} chunks")
            if done == total:
                pause_point("embedding")

        vectors.update(zip(texts, self.embedder.embed(texts, progress=on_embed)))

    def _distinct(self, spec: ApiSpec, name: str) -> ApiSpec:
        """Give a spec its own id when another file already holds the same title and version.

        Vendors publish several files under one title (Twilio's chat v1/v2/v3 are all "Twilio - Chat"
        1.0.0); without this, indexing the second would replace the first. The answer is final only
        under the write lock, where the commit asks again.
        """
        stem = re.sub(r"[^a-z0-9]+", "-", name.lower().split(".")[0]).strip("-")[:40] or "file"
        candidate, n = spec, 1
        while True:
            owner = self.library.find(candidate.api_id)
            if owner is None or owner.source == name:
                return candidate
            n += 1
            candidate = replace(spec, id_suffix=stem if n == 2 else f"{stem}-{n}")

    def remove(self, api: str) -> int:
        """Delete an API, its chunks and its files; return how many chunks were removed.

        Anything `stats` counts can be removed, including chunks or files a crash left without a
        catalogue row. The row goes first, in a transaction that also records the pending remove, so
        a crash part-way is finished by the next start-up check.
        """
        with write_lock(Path(self.settings.data_dir)):
            if self.library.find(api) is None and not self.store.count(api) and not self.originals.folder(api).exists():
                self.library.get(api)  # raises the one-sentence NotFound
            self.library.delete(api)
            pause_point("removing")
            try:
                chunks = finish_remove(api, self.store, self.originals)
            except Exception as exc:
                raise StoreError(f"{api} left the catalogue but its chunks could not all be deleted "
                                 f"({type(exc).__name__}); the next start or `apiassist health` finishes the removal.") from exc
            finally:
                self.on_change()
            self.library.end_write(api)
        log.info("api.removed", api=api, chunks=chunks)
        return chunks


def _tell(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)
