"""The ASGI app of `apiassist serve`: REST, the OpenAI-compatible endpoint, MCP at /mcp, probes and metrics."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from mcp.server.transport_security import TransportSecuritySettings
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from starlette.routing import Route

from app.api import routes_admin, routes_answers, routes_library, routes_openai
from app.api.auth import Guard, GuardedMount
from app.api.errors import install_error_handlers
from app.api.mcp_server import build_mcp_server
from app.api.metrics import ApiMetrics
from app.api.middleware import RequestContextMiddleware
from src.core.config import Settings
from src.core.ratelimit import RateLimiter
from src.rag.keys import ApiKeyStore, Scope

LOOPBACK = ("127.0.0.1", "localhost", "::1")
# Multipart boundaries and headers come on top of the file itself.
_ENVELOPE_BYTES = 64 * 1024


def create_app(settings: Settings, *, no_auth: bool = False, host: str = "127.0.0.1", assistant: Any = None) -> FastAPI:
    """Build the app over one long-lived `Assistant` (created here unless given)."""
    from src.rag.service import Assistant

    one = assistant or Assistant(settings)  # cheap to construct: the model and store load on first use

    def shared() -> Any:
        return one

    metrics = ApiMetrics(shared)
    mcp = build_mcp_server(shared)
    security = None if host in LOOPBACK else TransportSecuritySettings(enable_dns_rebinding_protection=False)
    mcp.streamable_http_app(stateless_http=True, host=host, transport_security=security,
                            max_request_body_size=settings.max_upload_bytes)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with mcp.session_manager.run():
            yield

    app = FastAPI(title="API Integration Assistant", version="0.1.0", lifespan=lifespan,
                  description="Exact endpoints, plans and runnable code from your own API specs. "
                              "Authenticate with `Authorization: Bearer <key>` (`apiassist keys create`).")
    keys = ApiKeyStore(settings.data_dir)
    guard = Guard(keys, RateLimiter(settings.api_rate_limit_per_minute, settings.api_rate_limit_burst), no_auth)
    for name, value in {"assistant": shared, "metrics": metrics, "keys": keys, "guard": guard, "settings": settings}.items():
        setattr(app.state, name, value)
    for router in (routes_admin.probes, routes_library.router, routes_answers.router, routes_admin.admin,
                   routes_openai.router):
        app.include_router(router)
    endpoint = GuardedMount(StreamableHTTPASGIApp(mcp.session_manager), guard, Scope.READ)
    app.router.routes.append(Route("/mcp", endpoint=endpoint, methods=["GET", "POST", "DELETE"],
                                   include_in_schema=False))
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, metrics=metrics, limit_bytes=settings.max_upload_bytes + _ENVELOPE_BYTES)
    return app
