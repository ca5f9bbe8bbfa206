"""Crash consistency: undo or finish a write a crash interrupted, and remove what no catalogue row owns.

A write records a `PendingWrite` in the catalogue before it touches the index, and deletes it in
the same transaction that saves (or deletes) the catalogue row. Under the write lock nobody else
is writing, so any pending write found there belongs to a process that died; the check then
undoes it (index) or finishes it (remove). The same undo serves a write that fails in-process.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from array import array
from collections.abc import Sequence
from pathlib import Path

from src.core.locking import is_locked, restore_lock_path, try_write_lock
from src.core.logging import get_logger
from src.rag.library import Library, PendingWrite
from src.rag.originals import OriginalsStore
from src.rag.store import StoredRecord, VectorStore

log = get_logger(__name__)

RESTORE_STAGING = ".{name}.restore-*"
BACKUPS_RUNNING = ".backups-running"  # one file per running backup, naming its work folder
BACKUP_WORK_PREFIX = ".backup-"


def register_backup(data_dir: Path, work: Path) -> Path:
    """Note a backup's work folder in the data directory, so the start-up check can clean it after a kill."""
    entry = Path(data_dir) / BACKUPS_RUNNING / work.name
    entry.parent.mkdir(exist_ok=True)
    entry.write_text(str(work.resolve()))
    return entry


def encode_records(records: Sequence[StoredRecord]) -> str:
    """Return records (with vectors, packed as float32) as one JSON text for the pending-write journal."""
    return json.dumps([{"id": r.id, "document": r.document, "metadata": r.metadata,
                        "embedding": base64.b64encode(array("f", r.embedding or []).tobytes()).decode()}
                       for r in records])


def decode_records(text: str) -> list[StoredRecord]:
    """Return the records `encode_records` packed."""
    return [StoredRecord(r["id"], r["document"], r["metadata"],
                         array("f", base64.b64decode(r["embedding"])).tolist()) for r in json.loads(text)]


def undo_write(pending: PendingWrite, store: VectorStore, originals: OriginalsStore) -> None:
    """Put an API's chunks and files back as they were before an index write began."""
    current = set(store.hashes(pending.api))
    keep = set(pending.old_ids) if pending.had_row else set()
    store.delete(sorted(current - keep))
    if pending.had_row:
        store.put_records(decode_records(pending.undo))
    originals.undo_commit(pending.api, had_original=pending.had_row)


def finish_remove(api: str, store: VectorStore, originals: OriginalsStore) -> int:
    """Delete what is left of an API whose catalogue row is gone; return how many chunks were deleted."""
    ids = list(store.hashes(api))
    store.delete(ids)
    originals.remove(api)
    originals.discard_leftovers(api)
    return len(ids)


def unique_previous(data_dir: Path) -> Path:
    """Return a free ``<data_dir>.previous-<UTC time>`` name (names sort by time; a suffix breaks ties)."""
    base = data_dir.with_name(f"{data_dir.name}.previous-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    candidate, n = base, 0
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


class LibraryCheck:
    """The start-up check: cheap when nothing crashed (one query, two folder listings)."""

    def __init__(self, data_dir: Path, library: Library, store: VectorStore, originals: OriginalsStore) -> None:
        self.data_dir = Path(data_dir)
        self.library = library
        self.store = store
        self.originals = originals

    def run(self, scan_index: bool = False) -> list[str]:
        """Repair what a crash left, if no other writer holds the lock; return one sentence per repair.

        `scan_index` also reads every chunk's API (slower on big libraries) to find orphan chunks a
        crash of an older release may have left with no pending write to tell of them.
        """
        with try_write_lock(self.data_dir) as held:
            if not held:  # a writer is committing right now: its state is not a crash's
                return []
            repairs = self.repair_locked(scan_index)
        for action in repairs:
            log.warning("library.repaired", action=action)
            self.library.log_repair(action)
        return repairs

    def repair_locked(self, scan_index: bool = False) -> list[str]:
        """Run every repair; the caller holds the write lock."""
        repairs = [self._settle(p) for p in self.library.pending_writes()]
        owned = self.library.ids()
        for api in sorted(self.originals.apis() - owned):
            chunks = finish_remove(api, self.store, self.originals)
            repairs.append(f"Removed the files and {chunks} chunks of {api}, which had no catalogue row.")
        for leftover in self.originals.leftovers():
            shutil.rmtree(leftover, ignore_errors=True)
            repairs.append(f"Removed the unfinished write folder {leftover.name}.")
        if scan_index:
            for api, chunks in sorted(self.store.api_counts().items()):
                if api not in owned:
                    self.store.delete(list(self.store.hashes(api)))
                    repairs.append(f"Removed {chunks} chunks of {api}, which had no catalogue row.")
        return repairs + self._backup_leftovers() + self._restore_leftovers()

    def _backup_leftovers(self) -> list[str]:
        """Delete the work folders of killed backups (a running backup holds a lock on its folder)."""
        repairs = []
        folder = self.data_dir / BACKUPS_RUNNING
        for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
            work = Path(entry.read_text().strip())
            if work.name.startswith(BACKUP_WORK_PREFIX) and work.is_dir():
                if is_locked(work):
                    continue
                shutil.rmtree(work, ignore_errors=True)
                repairs.append(f"Removed the work folder {work} of an interrupted backup.")
            entry.unlink(missing_ok=True)
        return repairs

    def _settle(self, pending: PendingWrite) -> str:
        if pending.kind == "remove":
            chunks = finish_remove(pending.api, self.store, self.originals)
            self.library.end_write(pending.api)
            return f"Finished removing {pending.api} ({chunks} chunks were left after an interrupted remove)."
        undo_write(pending, self.store, self.originals)
        self.library.end_write(pending.api)
        state = "back to its previous version" if pending.had_row else "removed, as it never finished indexing"
        return f"Undid an interrupted index of {pending.api}: it is {state}."

    def _restore_leftovers(self) -> list[str]:
        """Keep, never delete, what an interrupted restore left: it may be the only copy of the old library."""
        name = self.data_dir.name
        leftovers = sorted(self.data_dir.parent.glob(RESTORE_STAGING.format(name=name)))
        leftovers = [p for p in leftovers if p.is_dir()]
        if not leftovers or is_locked(restore_lock_path(self.data_dir)):
            return []
        repairs = []
        for folder in leftovers:
            library = folder / "apiassist-backup" / "data"
            if library.is_dir():
                kept = unique_previous(self.data_dir)
                library.rename(kept)
                repairs.append(f"Kept the library an interrupted restore left at {kept}.")
            shutil.rmtree(folder, ignore_errors=True)
            repairs.append(f"Removed the staging folder {folder.name} of an interrupted restore.")
        return repairs
