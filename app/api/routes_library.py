"""REST routes of the library: upload, list, remove, re-index, original file, operations of one API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.api.auth import READ, WRITE
from app.api.errors import error_body
from src.core.errors import InputRejected
from src.rag.types import IngestReport

router = APIRouter(prefix="/api/v1", tags=["library"])


def report_json(report: IngestReport) -> dict[str, Any]:
    """Return the JSON view of an ingest report."""
    return report.to_inspect_json() | {"api": report.api or None, "chunks": report.chunks, "embedded": report.embedded,
                                       "seconds": report.seconds, "unchanged": report.unchanged}


def _report_response(request: Request, report: IngestReport, created: int = 200) -> JSONResponse:
    request.app.state.metrics.observe_ingest(report)
    if report.ok:
        return JSONResponse(report_json(report), status_code=created if not report.unchanged else 200)
    return JSONResponse(error_body("spec_error", report.error) | {"report": report_json(report)}, status_code=422)


async def _upload_body(request: Request, name: str | None) -> tuple[str, bytes]:
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InputRejected("The form has no `file` field; send the spec as `file=@spec.json`.")
        return name or upload.filename or "upload", await upload.read()
    if not name:
        raise InputRejected("Name the uploaded file with `?name=spec.json` (or send it as multipart `file`).")
    return name, b"".join([chunk async for chunk in request.stream()])


@router.get("/apis", summary="List the indexed APIs")
def list_apis(request: Request, _=READ) -> dict[str, Any]:
    """Return every API of the library."""
    return {"apis": [i.to_json() for i in request.app.state.assistant().list_apis()]}


@router.post("/apis", summary="Upload and index a spec", status_code=201,
             openapi_extra={"requestBody": {"content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}}}}})
async def upload_api(request: Request, name: str | None = Query(None, description="file name, e.g. petstore.yaml"),
                     root: str | None = Query(None, description="root spec inside an archive"), _=WRITE) -> Response:
    """Index an uploaded spec file or archive (raw body with `?name=`, or multipart `file`)."""
    file_name, data = await _upload_body(request, name)
    assistant = request.app.state.assistant()
    report = await run_in_threadpool(assistant.index_upload, file_name, data, root=root)
    return _report_response(request, report, created=201)


@router.delete("/apis/{api}", summary="Remove an API and its chunks")
def remove_api(api: str, request: Request, _=WRITE) -> dict[str, Any]:
    """Delete one API and all its chunks."""
    return {"api": api, "removed_chunks": request.app.state.assistant().remove(api)}


@router.post("/apis/{api}/reindex", summary="Re-index an API from its stored original")
def reindex_api(api: str, request: Request, _=WRITE) -> Response:
    """Re-embed only the chunks whose text changed."""
    return _report_response(request, request.app.state.assistant().reindex(api))


@router.get("/apis/{api}/original", summary="Download the original uploaded file")
def original(api: str, request: Request, _=READ) -> Response:
    """Return the original file as uploaded (Postman secrets redacted)."""
    name, data = request.app.state.assistant().original_file(api)
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/apis/{api}/operations", summary="List the operations of an API")
def operations(api: str, request: Request, tag: str | None = None, _=READ) -> dict[str, Any]:
    """Return every operation's method, path, operationId, summary and pointer."""
    spec = request.app.state.assistant().get_spec(api)
    ops = [o for o in spec.operations if not tag or tag.lower() in (t.lower() for t in o.tags)]
    return {"api": api, "operations": [{"method": o.method, "path": o.path, "operation_id": o.operation_id or None,
                                        "summary": o.summary, "tags": list(o.tags), "deprecated": o.deprecated,
                                        "pointer": o.pointer} for o in ops]}
