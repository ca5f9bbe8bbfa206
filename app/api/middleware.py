"""Pure ASGI middleware: request id on every response and log line, body size limit, metrics, crash guard.

Pure ASGI (not `BaseHTTPMiddleware`) so the structlog context bound here is the one every handler,
worker thread and streamed response of the request runs in.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import error_bytes, too_large_message
from app.api.metrics import ApiMetrics
from src.core.logging import get_logger

log = get_logger(__name__)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class BodyTooLarge(HTTPException):
    """Raised from `receive` once the streamed body passes the limit; FastAPI lets HTTPException through."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(status_code=413, detail=too_large_message(limit_bytes))


def request_id_of(headers: Headers) -> str:
    """Return the caller's X-Request-ID when it is a safe token, else a fresh one."""
    given = headers.get("x-request-id", "")
    return given if _SAFE_ID.match(given) else uuid.uuid4().hex


def route_label(scope: Scope) -> str:
    """Return the route template of a handled request (bounded label values for metrics)."""
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return str(route.path)
    return "/mcp" if scope.get("path", "").startswith("/mcp") else "unmatched"


class RequestContextMiddleware:
    """Bind the request id, enforce the body limit, count and time the request, and never leak a traceback."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics, limit_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.limit = limit_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        rid = request_id_of(headers)
        scope.setdefault("state", {})["request_id"] = rid
        outcome = {"status": 500, "started": False}
        reply = _stamping(send, scope, rid, outcome)
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(request_id=rid):
            try:
                if _declared_length(headers) > self.limit:
                    await self._fail(reply, 413, "payload_too_large", too_large_message(self.limit))
                else:
                    await self.app(scope, self._counting(receive), reply)
            except BodyTooLarge as err:
                if not outcome["started"]:
                    await self._fail(reply, 413, "payload_too_large", str(err.detail))
            except Exception as err:  # the last guard: one sentence, the request id, never a traceback
                log.error("http.crashed", error=type(err).__name__, detail=str(err)[:300])
                if not outcome["started"]:
                    await self._fail(reply, 500, "internal_error", f"The server failed unexpectedly "
                                     f"({type(err).__name__}); check the logs for request {rid}.")
            finally:
                self._record(scope, outcome["status"], time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_label(scope)
        self.metrics.observe_request(scope.get("method", ""), route, status, seconds)
        log.info("http.request", method=scope.get("method"), route=route, status=status, ms=round(seconds * 1000, 1))

    def _counting(self, receive: Receive) -> Receive:
        total = 0

        async def counted() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        return counted

    @staticmethod
    async def _fail(send: Send, status: int, kind: str, message: str) -> None:
        body = error_bytes(kind, message)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _stamping(send: Send, scope: Scope, rid: str, outcome: dict) -> Send:
    """Wrap `send` so the response start carries X-Request-ID and the rate-limit headers, and is recorded."""
    async def stamped(message: Message) -> None:
        if message["type"] == "http.response.start":
            outcome.update(status=message["status"], started=True)
            out = MutableHeaders(scope=message)
            out["X-Request-ID"] = rid
            for name, value in scope["state"].get("rate_headers", {}).items():
                out.setdefault(name, value)
        await send(message)

    return stamped


def _declared_length(headers: Headers) -> int:
    try:
        return int(headers.get("content-length", "0"))
    except ValueError:
        return 0
