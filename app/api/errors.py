"""Errors as JSON `{"error": {"type", "message"}}`: one sentence, the same as the CLI prints, never a traceback."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from src.core.errors import (AppError, InputRejected, NotFound, ProviderError, RateLimited, SpecError,
                             StoreError)
from src.core.logging import get_logger
from src.rag.keys import Forbidden, Unauthenticated

log = get_logger(__name__)


class PayloadTooLarge(InputRejected):
    """A request body over the upload limit."""


def too_large_message(limit_bytes: int) -> str:
    """Return the sentence for a body over the limit (the CLI's upload-limit wording)."""
    return (f"The request body is over the {limit_bytes / 1048576:.0f} MB upload limit; upload a smaller file "
            "or raise APIASSIST_MAX_UPLOAD_MB.")


# Most specific first: the first matching class decides the status and the type.
_STATUS: tuple[tuple[type[AppError], int, str], ...] = (
    (Unauthenticated, 401, "authentication_error"),
    (Forbidden, 403, "permission_error"),
    (NotFound, 404, "not_found"),
    (PayloadTooLarge, 413, "payload_too_large"),
    (RateLimited, 429, "rate_limit_exceeded"),
    (SpecError, 422, "spec_error"),
    (InputRejected, 400, "invalid_request"),
    (StoreError, 503, "store_unavailable"),
    (ProviderError, 502, "provider_error"),
    (AppError, 400, "invalid_request"),
)


def classify(err: AppError) -> tuple[int, str]:
    """Return the HTTP status and error type of one of our errors."""
    return next((status, kind) for cls, status, kind in _STATUS if isinstance(err, cls))


def error_body(kind: str, message: str) -> dict[str, Any]:
    """Return the JSON error envelope."""
    return {"error": {"type": kind, "message": message}}


def error_response(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Return a JSON error response."""
    return JSONResponse(error_body(kind, message), status_code=status, headers=headers)


def error_bytes(kind: str, message: str) -> bytes:
    """Return the JSON error envelope encoded, for raw ASGI senders."""
    return json.dumps(error_body(kind, message)).encode()


def _app_error(request: Request, err: AppError) -> JSONResponse:
    status, kind = classify(err)
    headers = {}
    if isinstance(err, RateLimited):
        headers = dict(getattr(request.state, "retry_headers", {}))
    log.info("http.error", status=status, type=kind, message=str(err))
    return error_response(status, kind, str(err), headers)


def _validation_error(_: Request, err: RequestValidationError) -> JSONResponse:
    first = err.errors()[0] if err.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    problem = str(first.get("msg", "is not valid")).rstrip(".")
    field = f"'{where}'" if where else "the request body"
    return error_response(400, "invalid_request", f"In {field}: {problem.lower()}; fix it and send the request again.")


def _http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
    if err.status_code == 404:
        message = f"There is no route {request.method} {request.url.path}; see /docs or /openapi.json."
        return error_response(404, "not_found", message)
    if err.status_code == 413:
        return error_response(413, "payload_too_large", str(err.detail))
    if err.status_code == 405:
        return error_response(405, "method_not_allowed",
                              f"{request.method} is not allowed on {request.url.path}; see /docs for the methods.")
    return error_response(err.status_code, "http_error", str(err.detail).rstrip(".") + ".")


def _unexpected(request: Request, err: Exception) -> JSONResponse:
    rid = request.headers.get("x-request-id") or getattr(request.state, "request_id", "")
    log.error("http.crashed", error=type(err).__name__, detail=str(err)[:300])
    return error_response(500, "internal_error", f"The server failed unexpectedly ({type(err).__name__}); "
                                                 f"nothing was changed, check the logs for request {rid}.")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the JSON envelope."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
