"""Swap a staged library and the live data directory with one atomic rename, and swap it back."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from pathlib import Path

from src.core.errors import AppError, StoreError
from src.core.locking import LOCK_NAME
from src.rag.integrity import unique_previous

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


class SwapIncomplete(StoreError):
    """A swap failed half-way and could not be put back: the replaced library sits at `where`, never delete it."""

    def __init__(self, message: str, where: Path) -> None:
        super().__init__(message)
        self.where = where


def _is_empty_library(path: Path) -> bool:
    """Return whether a folder holds nothing but lock files (what taking the write lock creates)."""
    return all(p.name == LOCK_NAME or (p.name.endswith(".lock") and p.is_file()) for p in path.iterdir())


def _exchange_into(new: Path, data_dir: Path, previous: Path) -> None:
    """Make `new` the data directory and move the replaced one to `previous`, or leave both as they were."""
    if _exchange(new, data_dir):
        try:
            new.rename(previous)  # `new` now names the replaced library
        except OSError as exc:
            try:
                _exchange(new, data_dir)
            except OSError as back:
                raise SwapIncomplete(f"The restore swapped {data_dir} but could not keep the replaced library at "
                                     f"{previous} ({exc.strerror}) nor put it back ({back.strerror}); it is at {new}, "
                                     "move it back by hand if you need it.", new) from back
            raise StoreError(f"The restore could not keep the replaced library at {previous} ({exc.strerror}); "
                             "the live library was not changed.") from exc
        return
    # no rename-exchange on this system: two renames, a moment apart, under the write lock
    data_dir.rename(previous)
    try:
        new.rename(data_dir)
    except OSError as exc:
        previous.rename(data_dir)
        raise StoreError(f"The restored library could not be moved to {data_dir} ({exc.strerror}); "
                         "the live library was not changed.") from exc


def swap_in(new: Path, data_dir: Path) -> Path | None:
    """Put `new` at data_dir; keep the replaced library beside it and return where (None if there was none).

    On failure the live library is left in place (or, if even that failed, `SwapIncomplete` says where it is).
    """
    if not data_dir.exists():
        new.rename(data_dir)
        return None
    previous = unique_previous(data_dir)
    _exchange_into(new, data_dir, previous)
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
    replaced = unique_previous(data_dir)
    _exchange_into(newest, data_dir, replaced)
    return (f"Rolled back: {data_dir} is the library kept at {newest} again; the replaced one is kept at {replaced}. "
            "Restart the app so it opens it.")
