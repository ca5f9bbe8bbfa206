"""The MCP server (official `mcp` SDK): tools over the library, and each API's original spec as a resource.

Every tool returns a short Markdown rendering for the model to read and the same data as JSON
(`structuredContent`, repeated as a JSON text block for clients that ignore structured content).
"""

from __future__ import annotations

import functools
import json
import mimetypes
from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import CallToolResult, Resource, TextContent, ToolAnnotations
from pydantic import Field

from app.api import mcp_render as render
from src.core.errors import AppError
from src.rag.operations import operation_view
from src.rag.retrieval import SearchFilters

SPEC_URI = "apiassist://specs/{api}"
_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
_INSTRUCTIONS = (
    "Answers about the HTTP APIs whose specs the user indexed, with exact endpoints from those specs. "
    "Start with search_endpoints (or ask for a prose answer), use get_operation for the full contract, "
    "generate_code for runnable requests, plan_integration for multi-step tasks. Cite the JSON pointers."
)

ApiId = Annotated[str | None, Field(description="Limit to one API id from list_apis, e.g. 'petstore@1.0.0'")]
OpRef = Annotated[str, Field(description="The operation as 'METHOD /path' (e.g. 'POST /v1/refunds') or its operationId")]
Languages = Annotated[list[str], Field(description="Any of curl, python, javascript")]


def _result(data: dict[str, Any], markdown: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=markdown),
                                   TextContent(type="text", text=json.dumps(data))], structured_content=data)


def _guarded(fn: Callable[..., CallToolResult]) -> Callable[..., CallToolResult]:
    """Turn our one-sentence errors into MCP tool errors the calling model can read and act on."""
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> CallToolResult:
        try:
            return fn(*args, **kwargs)
        except AppError as err:
            raise ToolError(str(err)) from err

    return run


class LibraryMCPServer(MCPServer):
    """An MCP server whose resource list follows the library (one resource per indexed API)."""

    def __init__(self, assistant: Callable[[], Any]) -> None:
        super().__init__(name="apiassist", title="API Integration Assistant", instructions=_INSTRUCTIONS,
                         version="0.1.0", log_level="WARNING")
        self._assistant = assistant

    async def list_resources(self) -> list[Resource]:
        """List the original spec of every indexed API."""
        rows = await super().list_resources()
        for info in self._assistant().list_apis():
            mime = mimetypes.guess_type(info.source)[0] or "text/plain"
            rows.append(Resource(uri=SPEC_URI.format(api=info.api), name=info.api, title=f"{info.title} {info.version}",
                                 description=f"Original spec file {info.source} ({info.operations} operations)",
                                 mime_type=mime))
        return rows


class LibraryTools:
    """The MCP tools; each docstring is the description a client model reads to pick the tool."""

    def __init__(self, assistant: Callable[[], Any]) -> None:
        self._assistant = assistant

    def list_apis(self) -> CallToolResult:
        """List the APIs in the user's library: id, title, version, format and operation count. Call this first
        when you need an API id for the other tools."""
        apis = [i.to_json() for i in self._assistant().list_apis()]
        return _result({"apis": apis}, render.apis(apis))

    def search_endpoints(self, query: Annotated[str, Field(description="What the caller wants to do, in plain words")],
                         api: ApiId = None, top_k: Annotated[int, Field(ge=1, le=20)] = 5,
                         method: Annotated[str | None, Field(description="Only this HTTP method, e.g. POST")] = None
                         ) -> CallToolResult:
        """Find the endpoints (operations, schemas, auth) of the indexed specs that match a task, best first, each
        with its API id, METHOD /path and JSON pointer. Use before get_operation or generate_code."""
        filters = SearchFilters(apis=(api,) if api else (), methods=(method,) if method else ())
        hits = [h.to_json() | {"operation_id": h.metadata.get("operation_id") or None}
                for h in self._assistant().search(query, top_k=top_k, filters=filters)]
        return _result({"query": query, "hits": hits}, render.hits(query, hits))

    def get_operation(self, api: Annotated[str, Field(description="API id from list_apis or search_endpoints")],
                      operation: OpRef) -> CallToolResult:
        """Return one operation's full contract from the spec: parameters, request body fields, responses, auth,
        the schemas it names and its JSON pointer."""
        spec, op = self._assistant().operation(api, operation)
        view = operation_view(spec, api, op)
        return _result(view, render.operation(view))

    def generate_code(self, api: Annotated[str, Field(description="API id from list_apis or search_endpoints")],
                      operation: OpRef, languages: Languages = ("curl", "python")) -> CallToolResult:
        """Generate runnable request code for one operation, built deterministically from the spec (base URL,
        auth placeholders read from environment variables, required parameters and body)."""
        samples = [{"language": s.language, "label": s.label, "code": s.code}
                   for s in self._assistant().code_samples(api, operation, languages)]
        return _result({"api": api, "operation": operation, "samples": samples}, render.samples(samples))

    def plan_integration(self, task: Annotated[str, Field(description="The whole task, e.g. 'create a customer, "
                                                                       "then charge them'")],
                         api: ApiId = None) -> CallToolResult:
        """Plan a multi-step integration task as an ordered list of calls, each with its endpoint, JSON pointer and
        code, taken from the indexed specs."""
        plan = self._assistant().plan(task, filters=SearchFilters(apis=(api,) if api else ()))
        return _result(plan, render.plan(plan))

    def ask(self, question: Annotated[str, Field(description="A question about the indexed APIs")],
            api: ApiId = None) -> CallToolResult:
        """Answer a question about the indexed APIs in prose, citing the endpoints and JSON pointers it used, with
        code samples. Prefer search_endpoints when you only need to find an endpoint."""
        data = self._assistant().ask(question, filters=SearchFilters(apis=(api,) if api else ())).to_json()
        return _result(data, render.answer(data))

    def original_spec(self, api: str) -> str | bytes:
        """Return an API's original spec file: text when it is UTF-8, else bytes (an archive, sent as base64)."""
        try:
            _, data = self._assistant().original_file(api)
        except AppError as err:
            raise ResourceError(str(err)) from err
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data


TOOL_NAMES = ("list_apis", "search_endpoints", "get_operation", "generate_code", "plan_integration", "ask")


def build_mcp_server(assistant: Callable[[], Any]) -> LibraryMCPServer:
    """Return the MCP server with its tools and the spec resource template."""
    server = LibraryMCPServer(assistant)
    tools = LibraryTools(assistant)
    for name in TOOL_NAMES:
        server.add_tool(_guarded(getattr(tools, name)), name=name, annotations=_READ_ONLY, structured_output=False)

    def spec(api: str) -> str | bytes:
        return tools.original_spec(api)

    server.resource(SPEC_URI, name="spec", title="Original API spec", description="The spec file as uploaded")(spec)
    return server
