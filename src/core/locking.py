"""Cross-process locks: the data directory's write lock, and exclusive locks on any file.

Every write to the catalogue or the index (the commit of an ingest, a remove, a repair) and the
copy step of a backup hold ``<data_dir>/.write.lock``. The lock is an `flock`, so it works between
processes and between threads (each holder opens its own descriptor) and dies with its holder.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".write.lock"


@contextmanager
def file_lock(path: Path, blocking: bool = True) -> Iterator[bool]:
    """Hold an exclusive `flock` on a file or folder; yield False at once (holding nothing) when busy and not blocking.

    After the lock is taken the path is checked to still name the locked file: a restore swaps whole
    folders, and a lock on the replaced folder's file would guard nothing.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        # a folder is locked through a read-only descriptor of itself, so no lock file is added to it
        fd = os.open(path, os.O_RDONLY) if path.is_dir() else os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            yield False
            return
        if _same_file(fd, path):
            break
        os.close(fd)  # the file was replaced while we waited: lock the new one
    try:
        yield True
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


@contextmanager
def write_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's exclusive write lock for the duration of the block."""
    with file_lock(Path(data_dir) / LOCK_NAME):
        yield


def restore_lock_path(data_dir: Path) -> Path:
    """Return what restores and rollbacks lock: the data directory's parent, since they swap the directory whole."""
    return Path(data_dir).resolve().parent


@contextmanager
def try_write_lock(data_dir: Path) -> Iterator[bool]:
    """Take the write lock only if it is free; yield whether it was taken (never waits)."""
    with file_lock(Path(data_dir) / LOCK_NAME, blocking=False) as held:
        yield held


def is_locked(path: Path) -> bool:
    """Return whether another holder has an exclusive lock on `path` right now."""
    if not path.exists():
        return False
    with file_lock(path, blocking=False) as held:
        return not held
