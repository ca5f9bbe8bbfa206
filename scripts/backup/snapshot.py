"""Take a consistent backup of a data directory while the app runs; print the archive path last.

Under the data directory's write lock (the one every index, reindex and remove holds), the app
database and Chroma's database are copied with SQLite's online backup API, Chroma's segment
folders and the uploaded originals are copied as files; the lock is then released and the copy is
described, checksummed and archived. In server mode (APIASSIST_CHROMA_HOST set) the index lives in
the Chroma server, so the backup holds the catalogue and the originals, and restore re-indexes.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import bundle
from src.core.config import Settings, load_settings
from src.core.debug import pause_point
from src.core.errors import AppError, StoreError
from src.core.locking import file_lock, write_lock
from src.rag.integrity import BACKUP_WORK_PREFIX, register_backup

APP_DB = "app.db"
CHROMA = "chroma"
CHROMA_DB = "chroma.sqlite3"
ORIGINALS = "originals"


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite database with the online backup API, so a concurrent writer cannot tear it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # a self-contained file: no -wal/-shm beside the copy (the app turns WAL back on when it opens it)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def copy_chroma(source: Path, target: Path) -> None:
    """Copy Chroma's persistent folder: its database online, its segment folders as files."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name == CHROMA_DB:
            copy_sqlite(entry, target / CHROMA_DB)
        elif entry.name.startswith(CHROMA_DB):
            continue  # -wal/-shm/-journal: the online copy already holds their committed pages
        elif entry.is_dir():
            shutil.copytree(entry, target / entry.name)
        else:
            shutil.copy2(entry, target / entry.name)


def copy_originals(source: Path, target: Path) -> None:
    """Copy every API's stored originals; dot-folders are staging leftovers of interrupted writes."""
    target.mkdir(parents=True)
    if source.is_dir():
        for entry in sorted(source.iterdir()):
            if not entry.name.startswith(".") and entry.is_dir():
                shutil.copytree(entry, target / entry.name)


def catalogue(data: Path) -> tuple[list[dict[str, Any]], int]:
    """Return the APIs recorded in a copied app database and the library version."""
    conn = sqlite3.connect(f"file:{data / APP_DB}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT api, title, version, format, operations, chunks FROM apis ORDER BY api").fetchall()
        meta = conn.execute("SELECT value FROM meta WHERE key = 'library_version'").fetchone()
    except sqlite3.Error as exc:
        raise StoreError(f"The app database has no library catalogue ({exc}); check --data-dir.") from exc
    finally:
        conn.close()
    keys = ("api", "title", "version", "format", "operations", "chunks")
    return [dict(zip(keys, row)) for row in rows], int(meta[0]) if meta else 0


def index_records(data: Path) -> int:
    """Count the chunks in the copied Chroma index, through the app's own store adapter."""
    from chromadb.api.client import SharedSystemClient

    from src.rag.store import ChromaStore

    settings = load_settings(data_dir=data, chroma_host="")
    try:
        return ChromaStore(settings).count()
    finally:
        SharedSystemClient.clear_system_cache()  # release the copy before it is archived


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def make_manifest(data: Path, mode: str) -> dict[str, Any]:
    """Describe a copied data folder: versions, time, APIs with counts, checksums of every file."""
    apis, library_version = catalogue(data)
    records = index_records(data) if mode == "embedded" else None
    return {
        "format": bundle.FORMAT, "format_version": bundle.FORMAT_VERSION,
        "app_version": _version("api-integration-assistant"), "chromadb_version": _version("chromadb"),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "mode": mode,
        "library_version": library_version, "apis": apis,
        "totals": {"apis": len(apis), "operations": sum(a["operations"] for a in apis),
                   "chunks": sum(a["chunks"] for a in apis)},
        "index_records": records, "files": bundle.checksums(data),
    }


def repair_before_copy(settings: Settings) -> None:
    """Finish or undo what a crashed writer left (the caller holds the write lock), so the copy is consistent."""
    from chromadb.api.client import SharedSystemClient

    from src.rag.integrity import LibraryCheck
    from src.rag.library import Library
    from src.rag.originals import OriginalsStore
    from src.rag.store import ChromaStore

    data_dir = Path(settings.data_dir)
    library = Library(data_dir)
    try:
        repairs = LibraryCheck(data_dir, library, ChromaStore(settings), OriginalsStore(data_dir)).repair_locked()
        for action in repairs:
            library.log_repair(action)
            print(f"repaired before the copy: {action}", file=sys.stderr)
    finally:
        library.close()
        SharedSystemClient.clear_system_cache()


def _archive_name(dest: Path) -> Path:
    """Return a new archive name; names sort by time (millisecond stamps, fixed width)."""
    while True:
        now = time.time()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now * 1000) % 1000:03d}Z"
        target = dest / f"apiassist-backup-{stamp}.tar.gz"
        if not target.exists():
            return target
        time.sleep(0.002)


def snapshot(settings: Settings, dest: Path) -> Path:
    """Copy the library under the write lock, then write and return the verified archive."""
    data_dir = Path(settings.data_dir).resolve()
    if not (data_dir / APP_DB).is_file():
        raise StoreError(f"There is no library at {data_dir} (no {APP_DB}); check --data-dir or APIASSIST_DATA_DIR.")
    mode = "server" if settings.chroma_host else "embedded"
    dest.mkdir(parents=True, exist_ok=True)
    discard_abandoned(dest)
    work = Path(tempfile.mkdtemp(prefix=BACKUP_WORK_PREFIX, dir=dest))
    entry = None
    try:
        with file_lock(work):  # held while the work folder is in use: a dead owner leaves it unlocked
            entry = register_backup(data_dir, work)
            with write_lock(data_dir):
                repair_before_copy(settings)
                copy_sqlite(data_dir / APP_DB, work / "data" / APP_DB)
                if mode == "embedded" and (data_dir / CHROMA).is_dir():
                    copy_chroma(data_dir / CHROMA, work / "data" / CHROMA)
                copy_originals(data_dir / ORIGINALS, work / "data" / ORIGINALS)
            pause_point("backup_copied")
            manifest = make_manifest(work / "data", mode)
            return bundle.write_archive(work, manifest, _archive_name(dest))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if entry is not None:
            entry.unlink(missing_ok=True)


def discard_abandoned(dest: Path) -> list[Path]:
    """Delete the work folders of backups that were killed (no live process holds their lock)."""
    gone = []
    for folder in sorted(dest.glob(BACKUP_WORK_PREFIX + "*")):
        with file_lock(folder, blocking=False) as free:
            if free and folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
                gone.append(folder)
    return gone


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="backup.sh", description="Back up the library while the app runs.")
    p.add_argument("--data-dir", type=Path, default=None, help="data directory (default: $APIASSIST_DATA_DIR)")
    p.add_argument("--dest", type=Path, default=Path("backups"), help="folder for archives (default: ./backups)")
    p.add_argument("--keep", type=int, default=0, help="keep only the newest N archives (0 = keep all)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run a backup; the archive path is the last line on stdout."""
    args = _parser().parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):  # stopped like Ctrl-C, so the work folder is cleaned up
        signal.signal(signum, _interrupt)
    try:
        settings = load_settings(data_dir=args.data_dir)
        archive = snapshot(settings, args.dest.resolve())
        for old in bundle.prune(args.dest.resolve(), args.keep):
            print(f"removed old backup {old}", file=sys.stderr)
    except AppError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: the backup was interrupted; nothing was written and its work folder was removed.", file=sys.stderr)
        return 130
    except OSError as err:
        print(f"error: the backup could not be written ({err.strerror or err}); check free space and permissions of --dest.",
              file=sys.stderr)
        return 1
    print(archive)
    return 0


if __name__ == "__main__":
    sys.exit(main())
