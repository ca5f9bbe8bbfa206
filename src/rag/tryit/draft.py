"""The editable request a user sends: built from the same request model as the code samples."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from src.rag.codegen.request import BodyKind, build_request
from src.rag.types import ApiSpec, Operation


@dataclass
class RequestDraft:
    """Method, server, path values, query, headers and body text; the user edits these before sending."""

    method: str
    server: str
    servers: tuple[str, ...]
    path_template: str
    path_values: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    content_type: str = ""
    auth: Any = None

    def path(self) -> str:
        """Return the path with each `{name}` replaced by its URL-quoted value."""
        path = self.path_template
        for name, value in self.path_values.items():
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        return path

    def url(self, server: str | None = None) -> str:
        """Return the full URL on `server` (default: the chosen one) with the query string."""
        base = (server if server is not None else self.server).rstrip("/")
        query = {k: v for k, v in self.query.items() if v != ""}
        return base + self.path() + (("?" + urlencode(query)) if query else "")


def draft_request(spec: ApiSpec, op: Operation) -> RequestDraft:
    """Build the starting request for `op` from the spec's examples, defaults and servers."""
    model = build_request(spec, op)
    servers = tuple(s.rstrip("/") for s in (op.servers or spec.servers) if s.lower().startswith(("http://", "https://")))
    body = ""
    if model.body_kind == BodyKind.JSON:
        body = json.dumps(model.body, indent=2, ensure_ascii=False)
    elif model.body_kind in (BodyKind.FORM, BodyKind.MULTIPART):
        body = urlencode([(k, str(v)) for k, v in model.form])
    elif model.body_kind == BodyKind.RAW:
        body = str(model.body or "")
    return RequestDraft(
        method=model.method, server=servers[0] if servers else "", servers=servers,
        path_template=op.path if op.path.startswith("/") else "/" + op.path,
        path_values={v.name: str(v.value) for v in model.path_vars},
        query={k: v if isinstance(v, str) else json.dumps(v) for k, v in model.query},
        headers=dict(model.headers), body=body,
        content_type="application/x-www-form-urlencoded" if model.body_kind == BodyKind.MULTIPART else model.content_type,
        auth=model.auth,
    )
