"""The backup archive format: a tar.gz holding ``apiassist-backup/manifest.json`` and ``apiassist-backup/data/``.

The manifest names the format, the app and ChromaDB versions, when it was made, every API with its
operation and chunk counts, and the sha256 of every file under ``data/``. Reading an archive checks
all of that before anything is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import zlib
from pathlib import Path
from typing import Any

import manifest_schema
from src.core.errors import InputRejected

FORMAT = "apiassist-backup"
FORMAT_VERSION = 1
TOP = "apiassist-backup"
MANIFEST = "manifest.json"
ARCHIVE_GLOB = "apiassist-backup-*.tar.gz"


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksums(root: Path) -> dict[str, str]:
    """Return ``{relative posix path: sha256}`` for every regular file under root."""
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


def write_archive(workdir: Path, manifest: dict[str, Any], target: Path) -> Path:
    """Write ``workdir/data`` and the manifest as target (a .tar.gz); a half-written file is never left under that name."""
    (workdir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    partial = workdir / "archive.partial"  # inside the work folder, so cleaning that folder cleans it too
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        tar.add(workdir / MANIFEST, arcname=f"{TOP}/{MANIFEST}")
        tar.add(workdir / "data", arcname=f"{TOP}/data")
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    partial.rename(target)
    return target


def _refuse(archive: Path, why: str) -> InputRejected:
    return InputRejected(f"{archive} is not a usable apiassist backup ({why}); nothing was changed, pick another archive.")


def _check_members(archive: Path, members: list[tarfile.TarInfo]) -> None:
    """Accept only plain files and folders inside the top folder: no links, devices or escaping paths."""
    names = {m.name for m in members}
    if f"{TOP}/{MANIFEST}" not in names:
        raise _refuse(archive, "it has no apiassist manifest")
    for member in members:
        parts = Path(member.name).parts
        if member.name.startswith("/") or ".." in parts or not parts or parts[0] != TOP:
            raise _refuse(archive, f"it contains the unexpected path {member.name}")
        if not (member.isfile() or member.isdir()):
            raise _refuse(archive, f"it contains a link or special file {member.name}")


def _check_manifest(archive: Path, manifest: Any) -> dict[str, Any]:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(archive, "its manifest is not an apiassist backup manifest")
    version = manifest.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise _refuse(archive, f"it was made by a newer release (format {version})")
    why = manifest_schema.problem(manifest)
    if why is not None:
        raise _refuse(archive, why)
    return manifest


def _read_manifest(archive: Path, path: Path) -> Any:
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # ValueError covers bad UTF-8 and bad JSON
        raise _refuse(archive, f"its manifest is not readable JSON ({type(exc).__name__})") from exc


def extract_verified(archive: Path, into: Path) -> tuple[dict[str, Any], Path]:
    """Extract a backup into an empty folder and verify every checksum; return (manifest, data folder)."""
    if not archive.is_file():
        raise InputRejected(f"There is no backup archive at {archive}; check the path.")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()  # reads the whole stream, so truncation shows here
            _check_members(archive, members)
            tar.extractall(into, members=members, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _refuse(archive, f"it is corrupt or truncated: {type(exc).__name__}") from exc
    manifest = _check_manifest(archive, _read_manifest(archive, into / TOP / MANIFEST))
    data = into / TOP / "data"
    actual = checksums(data) if data.is_dir() else {}
    expected = manifest["files"]
    if set(actual) != set(expected):
        missing = sorted(set(expected) - set(actual)) or sorted(set(actual) - set(expected))
        raise _refuse(archive, f"its files do not match the manifest, e.g. {missing[0]}")
    bad = [name for name, digest in expected.items() if actual[name] != digest]
    if bad:
        raise _refuse(archive, f"the checksum of {bad[0]} does not match")
    return manifest, data


def prune(dest: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives in dest (names sort by time); return what was deleted."""
    if keep <= 0:
        return []
    archives = sorted(dest.glob(ARCHIVE_GLOB))
    doomed = archives[:-keep]
    for path in doomed:
        path.unlink()
    return doomed
