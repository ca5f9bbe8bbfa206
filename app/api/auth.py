"""API-key authentication, scopes and the per-key rate limit, shared by the REST routes and the MCP mount."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fastapi import Depends, Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.errors import classify, error_bytes
from src.core.errors import AppError, RateLimited
from src.core.ratelimit import Decision, RateLimiter
from src.rag.keys import ApiKey, ApiKeyStore, Scope as KeyScope, require_scope

DEV_KEY = ApiKey("local", "no-auth", KeyScope.ADMIN, 0.0)


def bearer_of(headers: Headers) -> str | None:
    """Return the key sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return headers.get("x-api-key") or None


@dataclass
class Guard:
    """Checks the key and its scope, then spends one token of that key's bucket."""

    keys: ApiKeyStore
    limiter: RateLimiter
    no_auth: bool = False

    def admit(self, headers: Headers, client_host: str, needed: KeyScope, state: dict) -> ApiKey:
        """Return the caller's key, or raise 401/403/429 as one-sentence errors; rate headers go into `state`."""
        key = DEV_KEY if self.no_auth else self.keys.authenticate(bearer_of(headers))
        require_scope(key, needed)
        decision = self.limiter.check(f"key:{key.key_id}" if not self.no_auth else f"ip:{client_host}")
        state["rate_headers"] = self.rate_headers(decision)
        if not decision.allowed:
            state["retry_headers"] = {"Retry-After": str(max(1, math.ceil(decision.retry_after_s)))}
            raise RateLimited(decision.message())
        return key

    def rate_headers(self, decision: Decision) -> dict[str, str]:
        """Return X-RateLimit-Limit (per minute), -Remaining (requests now) and -Reset (seconds until full)."""
        per_second = self.limiter.per_minute / 60.0
        remaining = max(0.0, decision.remaining)
        reset = math.ceil((self.limiter.burst - remaining) / per_second) if remaining < self.limiter.burst else 0
        return {"X-RateLimit-Limit": f"{self.limiter.per_minute:g}", "X-RateLimit-Remaining": str(math.floor(remaining)),
                "X-RateLimit-Reset": str(reset)}


def requires(needed: KeyScope):
    """Return a FastAPI dependency that admits callers whose key covers `needed`."""
    def admit(request: Request) -> ApiKey:
        guard: Guard = request.app.state.guard
        host = request.client.host if request.client else ""
        return guard.admit(request.headers, host, needed, request.scope.setdefault("state", {}))

    admit.__name__ = f"requires_{needed.value}"
    return Depends(admit)


READ = requires(KeyScope.READ)
WRITE = requires(KeyScope.WRITE)
ADMIN = requires(KeyScope.ADMIN)


class GuardedMount:
    """Wrap a mounted ASGI app (the MCP endpoint) in the same key check, scope and rate limit."""

    def __init__(self, app: ASGIApp, guard: Guard, needed: KeyScope) -> None:
        self.app = app
        self.guard = guard
        self.needed = needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            state = scope.setdefault("state", {})
            client = scope.get("client") or ("", 0)
            try:
                self.guard.admit(Headers(scope=scope), client[0], self.needed, state)
            except AppError as err:
                status, kind = classify(err)
                extra = [(k.lower().encode(), v.encode()) for k, v in state.get("retry_headers", {}).items()]
                body = error_bytes(kind, str(err))
                await send({"type": "http.response.start", "status": status,
                            "headers": [(b"content-type", b"application/json"), *extra]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
