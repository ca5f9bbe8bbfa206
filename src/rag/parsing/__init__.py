"""Parse uploaded specs of every supported format into the normalised `ApiSpec`.

Public entry points: `parse_bytes`, `parse_path`, `inspect_bytes`, `inspect_path`, and `redact_original` for
the copy of an upload that is stored; the `Parser` protocol is the seam each format module implements.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from src.core.config import Settings
from src.core.errors import AppError, InputRejected, SpecError
from src.core.logging import get_logger
from src.core.security import check_upload_size, safe_filename
from src.rag.parsing.archive import ArchiveLimits, read_archive
from src.rag.parsing.base import Parser, SourceDocument
from src.rag.parsing.bundle import FileSet
from src.rag.parsing.limits import SpecLimits, check_normalized
from src.rag.parsing.postman_redact import REDACTED_MARK, earlier_redactions, redact_collection
from src.rag.parsing.redact import Redactor
from src.rag.parsing.sniff import archive_kind, decode_text, detect, may_be_postman
from src.rag.types import ApiSpec, IngestReport, SpecFormat

__all__ = ["Parser", "SourceDocument", "inspect_bytes", "inspect_path", "parse_bytes", "parse_path", "parser_for",
           "redact_original"]

log = get_logger(__name__)
UNEXPECTED = "could not be parsed because of an unexpected internal error"
# A folder is on the user's own disk (CLI), so it gets a generous cap instead of the upload archive limit.
MAX_FOLDER_FILES = 20_000


def parser_for(fmt: SpecFormat) -> Parser:
    """Return the parser that reads documents of a format."""
    if fmt in (SpecFormat.OPENAPI_30, SpecFormat.OPENAPI_31, SpecFormat.SWAGGER_20):
        from src.rag.parsing.openapi import OpenApiParser

        return OpenApiParser()
    if fmt == SpecFormat.POSTMAN:
        from src.rag.parsing.postman import PostmanParser

        return PostmanParser()
    if fmt == SpecFormat.GRAPHQL:
        from src.rag.parsing.graphql import GraphQLParser

        return GraphQLParser()
    from src.rag.parsing.markdown import MarkdownParser

    return MarkdownParser()


def parse_bytes(name: str, data: bytes, *, settings: Settings | None = None, root: str | None = None) -> ApiSpec:
    """Parse one uploaded file or archive; the format is detected from the content.

    Raises:
        InputRejected: the upload is too large or the archive is unsafe.
        SpecError: the content is not a usable spec (one sentence saying where and why).
    """
    settings = settings or Settings()
    name = safe_filename(name)
    check_upload_size(name, len(data), settings.max_upload_bytes)
    return _guarded(name, lambda: _parse_bytes(name, data, settings, root))


def parse_path(path: Path, *, settings: Settings | None = None, root: str | None = None) -> ApiSpec:
    """Parse a file, an archive or a folder of a multi-file spec (root found or named)."""
    settings = settings or Settings()
    path = Path(path)
    name = safe_filename(path.name)
    if path.is_dir():
        files = FileSet.from_folder(path, MAX_FOLDER_FILES, settings.max_upload_bytes)
        return _guarded(name, lambda: _parse_fileset(files, settings, root))
    try:
        size = path.stat().st_size
    except OSError:
        raise InputRejected(f"{name}: the file does not exist or cannot be read; check the path.") from None
    check_upload_size(name, size, settings.max_upload_bytes)
    return parse_bytes(name, path.read_bytes(), settings=settings, root=root)


def redact_original(name: str, data: bytes, settings: Settings | None = None) -> bytes:
    """Return the bytes to store for an upload: a Postman collection with its secrets as placeholders, else `data`.

    The redaction is the parser's own, so parsing the result gives the same `ApiSpec` as parsing `data`;
    other formats (and archives) are returned untouched without being loaded.
    """
    name = safe_filename(name)
    try:
        if archive_kind(data):
            return data
        text = decode_text(name, data)
        if not may_be_postman(text):
            return data
        # the parse's own bounds (from the environment unless given), so whatever parsed is redacted too
        fmt, loaded = detect(name, text, SpecLimits.from_settings(settings or Settings()))
    except AppError:
        return data  # not a readable document, so parsing refuses it and nothing is stored
    if fmt != SpecFormat.POSTMAN or not isinstance(loaded, dict):
        return data
    redactor = Redactor()
    clean = redact_collection(loaded, redactor)
    if clean == loaded:
        return data
    clean[REDACTED_MARK] = earlier_redactions(loaded) + redactor.count
    return json.dumps(clean, ensure_ascii=False, indent=2).encode("utf-8")


def inspect_bytes(name: str, data: bytes, *, settings: Settings | None = None, root: str | None = None) -> IngestReport:
    """Parse without indexing and report the outcome; never raises for a bad file."""
    return _report(safe_filename(name), lambda: parse_bytes(name, data, settings=settings, root=root))


def inspect_path(path: Path, *, settings: Settings | None = None, root: str | None = None) -> IngestReport:
    """Parse a file, archive or folder without indexing and report the outcome; never raises for a bad file."""
    return _report(str(path), lambda: parse_path(Path(path), settings=settings, root=root))


def _report(label: str, run) -> IngestReport:
    """Run a parse and turn its result or its one-sentence error into an `IngestReport`."""
    started = time.perf_counter()
    try:
        spec = run()
    except AppError as err:
        return IngestReport(file=label, ok=False, error=str(err), seconds=round(time.perf_counter() - started, 3))
    except Exception as err:  # noqa: BLE001 - inspect never raises; the log keeps the detail
        log.exception("parse.crashed", file=label)
        return IngestReport(file=label, ok=False, error=f"{label}: the file {UNEXPECTED} ({type(err).__name__}); please report it.")
    return IngestReport(file=label, ok=True, format=spec.format.value, title=spec.title, version=spec.version,
                        operations=len(spec.operations), schemas=len(spec.schemas), warnings=spec.warnings,
                        api=spec.api_id, seconds=round(time.perf_counter() - started, 3))


def _guarded(name: str, run) -> ApiSpec:
    """Run a parse, translating unexpected failures into one `SpecError` sentence."""
    started = time.perf_counter()
    try:
        spec = run()
    except AppError:
        raise
    except (RecursionError, MemoryError):
        raise SpecError(f"{name}: the document is too deeply nested or too large to read; upload a simpler spec.") from None
    except Exception as err:
        log.exception("parse.crashed", file=name)
        raise SpecError(f"{name}: the file {UNEXPECTED} ({type(err).__name__}); please report it.") from err
    log.debug("parse.done", file=name, format=spec.format.value, operations=len(spec.operations),
             ms=round((time.perf_counter() - started) * 1000))
    return spec


def _parse_bytes(name: str, data: bytes, settings: Settings, root: str | None) -> ApiSpec:
    """Dispatch between archives and single documents."""
    if archive_kind(data):
        limits = ArchiveLimits(settings.max_archive_members, int(settings.max_archive_mb * 1024 * 1024))
        members = read_archive(name, data, limits)
        return _parse_fileset(FileSet.from_members(name, members), settings, root)
    return _parse_document(name, name, decode_text(name, data), settings)


def _parse_fileset(files: FileSet, settings: Settings, root: str | None) -> ApiSpec:
    """Parse the root document of a multi-file spec, loading referenced members on demand."""
    path = files.find_root(root)
    files.limits = SpecLimits.from_settings(settings)
    return _parse_document(files.display(path), path, files.text(path), settings, files.load, files.name)


def _parse_document(name: str, path: str, text: str, settings: Settings, load_file=None, source: str = "") -> ApiSpec:
    """Detect the format of one text document, run its parser and bound what the parse produced."""
    limits = SpecLimits.from_settings(settings)
    fmt, data = detect(name, text, limits)
    doc = SourceDocument(name=name, path=path, text=text, format=fmt, data=data, load_file=load_file,
                         settings=settings, source_name=source or name)
    spec = parser_for(fmt).parse(doc)
    check_normalized(name, spec, limits)
    return spec
