"""Read .zip and .tar(.gz) archives into memory safely: no escaping names, no links, bounded size."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import posixpath
import stat
import tarfile
import zipfile

from src.core.errors import InputRejected, SpecError
from src.rag.parsing.sniff import archive_kind

_CHUNK = 1 << 16


class ArchiveLimits:
    """The member-count and total-size limits of one archive."""

    def __init__(self, max_members: int, max_bytes: int) -> None:
        self.max_members = max_members
        self.max_bytes = max_bytes


def safe_member_name(archive: str, name: str) -> str:
    """Return a normalised relative member path, refusing absolute paths and `..` components."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":") or any(p == ".." for p in clean.split("/")):
        raise InputRejected(f"{archive}: the archive member '{name[:100]}' points outside the archive; rebuild the archive with relative paths only.")
    return posixpath.normpath(clean).lstrip("./") if clean not in (".", "./") else ""


def read_archive(name: str, data: bytes, limits: ArchiveLimits) -> dict[str, bytes]:
    """Return {member path: bytes} for every regular file of a zip or tar archive."""
    kind = archive_kind(data)
    if kind == "zip":
        return _read_zip(name, data, limits)
    if kind == "tar":
        return _read_tar(name, io.BytesIO(data), limits)
    if kind == "gzip":
        raw = _decompress(name, data, limits)
        if archive_kind(raw) == "tar" or archive_kind(raw) == "zip":
            return read_archive(name, raw, limits)
        inner = name[:-3] if name.lower().endswith(".gz") else name
        return {posixpath.basename(inner) or "document": raw}
    raise SpecError(f"{name}: the file is not a zip or tar archive; upload a .zip or .tar.gz of the spec folder.")


def _too_big(name: str, limits: ArchiveLimits) -> InputRejected:
    """Build the error for an archive whose content exceeds the size limit."""
    return InputRejected(f"{name}: the archive unpacks to more than {limits.max_bytes / 1048576:.0f} MB; upload only the spec files or raise APIASSIST_MAX_ARCHIVE_MB.")


def _decompress(name: str, data: bytes, limits: ArchiveLimits) -> bytes:
    """Decompress a gzip/bzip2/xz stream, stopping at the size limit (decompression bombs)."""
    raw = io.BytesIO(data)
    out = io.BytesIO()
    try:
        opened = gzip.GzipFile(fileobj=raw) if data[:2] == b"\x1f\x8b" else bz2.BZ2File(raw) if data[:3] == b"BZh" else lzma.LZMAFile(raw)
        with opened as stream:
            while chunk := stream.read(_CHUNK):
                out.write(chunk)
                if out.tell() > limits.max_bytes:
                    raise _too_big(name, limits)
    except (OSError, EOFError, lzma.LZMAError) as err:
        raise SpecError(f"{name}: the compressed data is damaged ({err}); upload the archive again.") from None
    return out.getvalue()


def _count(name: str, members: int, limits: ArchiveLimits) -> None:
    """Refuse archives with more files than allowed."""
    if members > limits.max_members:
        raise InputRejected(f"{name}: the archive has more than {limits.max_members} files; upload only the spec files or raise APIASSIST_MAX_ARCHIVE_MEMBERS.")


def _read_zip(name: str, data: bytes, limits: ArchiveLimits) -> dict[str, bytes]:
    """Read a zip archive's regular files."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise SpecError(f"{name}: the zip archive is damaged ({err}); upload it again.") from None
    infos = archive.infolist()
    _count(name, len(infos) // 4, limits)  # refuse absurd directories before walking them
    out: dict[str, bytes] = {}
    total = files = 0
    for info in infos:
        path = safe_member_name(name, info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise InputRejected(f"{name}: the archive member '{info.filename[:100]}' is a link; rebuild the archive without links.")
        if info.is_dir() or not path:
            continue
        files += 1
        _count(name, files, limits)
        total += info.file_size
        if total > limits.max_bytes:
            raise _too_big(name, limits)
        out[path] = _read_zip_member(name, archive, info, limits.max_bytes)
    return out


def _read_zip_member(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Read one member, trusting the stream rather than the declared size."""
    buf = io.BytesIO()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                buf.write(chunk)
                if buf.tell() > limit:
                    raise InputRejected(f"{name}: the archive member '{info.filename[:100]}' is larger than the archive limit; upload only the spec files.")
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, EOFError, zlib_error()) as err:
        raise SpecError(f"{name}: the archive member '{info.filename[:100]}' cannot be read ({err}); upload the archive again.") from None
    return buf.getvalue()


def zlib_error() -> type[Exception]:
    """Return zlib's error class (a corrupt deflate stream raises it)."""
    import zlib

    return zlib.error


def _read_tar(name: str, fileobj: io.BytesIO, limits: ArchiveLimits) -> dict[str, bytes]:
    """Read a tar archive's regular files; links and device files are refused."""
    out: dict[str, bytes] = {}
    total = members = files = 0
    try:
        with tarfile.open(fileobj=fileobj, mode="r:") as archive:
            for member in archive:
                members += 1
                _count(name, members // 4, limits)  # directories are cheap, but not unbounded
                path = safe_member_name(name, member.name)
                if member.issym() or member.islnk():
                    raise InputRejected(f"{name}: the archive member '{member.name[:100]}' is a link; rebuild the archive without links.")
                if member.isdir():
                    continue
                if not member.isfile():
                    raise InputRejected(f"{name}: the archive member '{member.name[:100]}' is a device or special file; rebuild the archive with regular files only.")
                files += 1
                _count(name, files, limits)
                total += member.size
                if total > limits.max_bytes:
                    raise _too_big(name, limits)
                stream = archive.extractfile(member)
                out[path] = stream.read() if stream else b""
    except (tarfile.TarError, OSError, EOFError) as err:
        raise SpecError(f"{name}: the tar archive is damaged ({err}); upload it again.") from None
    return out
