"""Swap a staged library and the live data directory with one atomic rename, and swap it back."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import time
from pathlib import Path

from src.core.errors import AppError, StoreError
from src.core.locking import LOCK_NAME

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def check_swappable(data_dir: Path) -> None:
    """Refuse a data directory that is itself a mount point: a mount point cannot be renamed."""
    if data_dir.exists() and os.path.ismount(data_dir):
        raise StoreError(f"{data_dir} is a mount point and cannot be swapped; mount the volume one level up "
                         "and keep the data directory inside it (the image uses /var/lib/apiassist/data).")


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with renameat2(RENAME_EXCHANGE); False where the system lacks it."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _previous_name(data_dir: Path) -> Path:
    return data_dir.with_name(f"{data_dir.name}.previous-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")


def _is_empty_library(path: Path) -> bool:
    return all(p.name == LOCK_NAME for p in path.iterdir())


def swap_in(new: Path, data_dir: Path) -> Path | None:
    """Put `new` at data_dir; keep the replaced library beside it and return where (None if there was none)."""
    if not data_dir.exists():
        new.rename(data_dir)
        return None
    previous = _previous_name(data_dir)
    if _exchange(new, data_dir):
        new.rename(previous)  # `new` now names the old library
    else:
        # no rename-exchange on this system: two renames, a moment apart, under the write lock
        data_dir.rename(previous)
        new.rename(data_dir)
    if _is_empty_library(previous):
        shutil.rmtree(previous)
        return None
    return previous


def rollback(data_dir: Path) -> str:
    """Swap the newest ``<data_dir>.previous-*`` back in; the replaced library becomes a previous one in turn."""
    candidates = sorted(data_dir.parent.glob(f"{data_dir.name}.previous-*"))
    if not candidates:
        raise AppError(f"There is no previous library beside {data_dir} to roll back to.")
    newest = candidates[-1]
    if not data_dir.exists():
        newest.rename(data_dir)
        return f"Rolled back: {data_dir} is the library kept at {newest} again. Restart the app so it opens it."
    replaced = _previous_name(data_dir)
    if replaced == newest:
        replaced = replaced.with_name(replaced.name + "-1")
    if _exchange(newest, data_dir):
        newest.rename(replaced)
    else:
        data_dir.rename(replaced)
        newest.rename(data_dir)
    return (f"Rolled back: {data_dir} is the library kept at {newest} again; the replaced one is kept at {replaced}. "
            "Restart the app so it opens it.")
