"""Restore a backup archive: verify it, rebuild the library beside the live one, check it, then swap.

Nothing live is touched until the archive, every checksum, the catalogue counts, the index size
and a real search have passed on the staged copy. The swap is one atomic rename-exchange of two
folders in the same parent; the replaced library is kept as ``<data_dir>.previous-<time>`` and
``--rollback`` swaps the newest such folder back.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import bundle
import swap
from check import check_library, reindex_into_server
from src.core.config import Settings, load_settings
from src.core.debug import pause_point
from src.core.errors import AppError, StoreError
from src.core.locking import file_lock, restore_lock_path, write_lock


def _confirm(data_dir: Path, manifest: dict[str, Any], assume_yes: bool) -> None:
    if assume_yes:
        return
    question = (f"Replace the library at {data_dir} with the backup of {manifest['created_at']} "
                f"({manifest['totals']['apis']} APIs)? [y/N] ")
    if not sys.stdin.isatty():
        raise AppError("Restore replaces the live library; run it again with --yes to confirm.")
    if input(question).strip().lower() not in {"y", "yes"}:
        raise AppError("Restore cancelled; the live library was not changed.")


def _checked(step, *args: Any, after: str) -> None:
    """Run a check or rebuild step; its failure becomes one sentence that says where the library stands."""
    try:
        step(*args)
    except StoreError as err:
        raise StoreError(f"{err.message.rstrip('.')}; {after}") from err


def restore(settings: Settings, archive: Path, assume_yes: bool) -> str:
    """Verify, stage, check and swap in a backup; return the summary sentence."""
    data_dir = Path(settings.data_dir).resolve()
    swap.check_swappable(data_dir)
    staging = data_dir.parent / f".{data_dir.name}.restore-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{os.getpid()}"
    staging.mkdir()
    unchanged = "the live library was not changed."
    keep_staging = False
    try:
        manifest, restored = bundle.extract_verified(archive.resolve(), staging)
        server = manifest.get("mode") == "server"
        if not server:
            _checked(check_library, restored, manifest, after=unchanged)
        _confirm(data_dir, manifest, assume_yes)
        pause_point("restore_checked")
        with write_lock(data_dir):
            previous = swap.swap_in(restored, data_dir)
        pause_point("restore_swapped")
        if server:
            rebuild = "the catalogue was restored; run `apiassist reindex --all` once the Chroma server is reachable."
            _checked(reindex_into_server, data_dir, manifest, after=rebuild)
            _checked(check_library, data_dir, manifest, True, after=rebuild)
    except swap.SwapIncomplete:
        keep_staging = True  # it holds the replaced library now: the one thing cleanup must not delete
        raise
    finally:
        if not keep_staging:
            shutil.rmtree(staging, ignore_errors=True)
    kept = f"; the previous library is kept at {previous} (restore.sh --rollback puts it back)" if previous else ""
    return (f"Restored {manifest['totals']['apis']} APIs from the backup of {manifest['created_at']} into {data_dir}"
            f"{kept}. Restart the app so it opens the restored library.")


def run_exclusive(settings: Settings, args: argparse.Namespace) -> str:
    """Run one restore or rollback at a time per data directory; refuse a second one in one sentence."""
    data_dir = Path(settings.data_dir).resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(restore_lock_path(data_dir), blocking=False) as held:
        if not held:
            raise AppError(f"Another restore or rollback is running in {data_dir.parent}; wait for it to finish, "
                           "then check the library with `apiassist list` before restoring again.")
        if args.rollback:
            with write_lock(data_dir):
                return swap.rollback(data_dir)
        return restore(settings, args.archive, args.yes)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="restore.sh", description="Restore a verified backup, or roll the last restore back.")
    p.add_argument("archive", type=Path, nargs="?", help="backup archive made by backup.sh")
    p.add_argument("--data-dir", type=Path, default=None, help="data directory (default: $APIASSIST_DATA_DIR)")
    p.add_argument("--yes", action="store_true", help="do not ask before replacing the live library")
    p.add_argument("--rollback", action="store_true", help="swap the newest previous library back in")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run restore or rollback; every failure is one sentence and leaves live data as it was."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.rollback and args.archive is None:
        parser.error("name the backup archive to restore, or pass --rollback")
    try:
        settings = load_settings(data_dir=args.data_dir)
        message = run_exclusive(settings, args)
    except AppError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"error: the restore could not finish ({err.strerror or err}); check free space and permissions "
              "beside the data directory.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: the restore was interrupted; if it had already swapped, `restore.sh --rollback` undoes it.",
              file=sys.stderr)
        return 130
    print(message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
