"""Probes, metrics, and the admin routes (API keys, settings)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.auth import ADMIN
from app.api.schemas import KeyRequest

probes = APIRouter(tags=["operations"])
admin = APIRouter(prefix="/api/v1", tags=["admin"])


@probes.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    """Return ok while the process serves requests."""
    return {"status": "ok"}


@probes.get("/readyz", summary="Readiness: store, embedding model and LLM providers")
def readyz(request: Request) -> JSONResponse:
    """Return 200 when the store and the model are usable, else 503; providers are reported either way."""
    report = request.app.state.assistant().health()
    return JSONResponse(report | {"status": "ready" if report["ok"] else "not_ready"},
                        status_code=200 if report["ok"] else 503)


@probes.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Return the metrics in the Prometheus text format."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@admin.get("/keys", summary="List API keys (never their secrets)")
def list_keys(request: Request, _=ADMIN) -> dict[str, Any]:
    """Return every key with its scope and use dates."""
    return {"keys": [k.to_json() for k in request.app.state.keys.list()]}


@admin.post("/keys", summary="Create an API key", status_code=201)
def create_key(body: KeyRequest, request: Request, _=ADMIN) -> dict[str, Any]:
    """Create a key; the secret is in this response only."""
    key, secret = request.app.state.keys.create(body.name, body.scope)
    return key.to_json() | {"key": secret}


@admin.delete("/keys/{key_id}", summary="Revoke an API key")
def revoke_key(key_id: str, request: Request, _=ADMIN) -> dict[str, Any]:
    """Revoke a key at once; requests with it get 401 from now on."""
    return request.app.state.keys.revoke(key_id).to_json() | {"active": False}


@admin.get("/settings", summary="The server's settings (secrets masked)")
def settings(request: Request, _=ADMIN) -> dict[str, Any]:
    """Return the effective settings; secret values are masked."""
    return request.app.state.settings.model_dump(mode="json")
