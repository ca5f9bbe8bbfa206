"""The built-in mock: answers an operation from its spec (status, headers, an example body), like Prism."""

from __future__ import annotations

import json
import time
from typing import Any

from src.core.errors import AppError
from src.rag.codegen.values import base_type, item_type, sample_value
from src.rag.tryit.schema_example import deref, example_for, resolve_pointer
from src.rag.tryit.model import TryResponse
from src.rag.types import Operation, Response, SchemaField

MOCK_HEADER = ("X-Mock", "apiassist: composed from the spec, no request was sent")


def mock_response(op: Operation, status: str | None = None, document: Any = None) -> TryResponse:
    """Return the mocked response of `op`: the chosen status (default the first 2xx) with an example body.

    With the spec's raw `document` the body is built from the response's JSON Schema (valid against it);
    without it (archives, Postman, GraphQL) from the documented fields.
    """
    started = time.perf_counter()
    response = _pick(op.responses, status)
    if response is None:
        return TryResponse(204, "No Content", (MOCK_HEADER,), "", _ms(started), mocked=True)
    code = int(response.status) if response.status.isdigit() else 200
    body_value = response.example
    if body_value is None:
        body_value = _from_schema(op, response, document)
    if body_value is None:
        body_value = example_from_fields(response.fields)
    content_type = response.content_type or ("application/json" if body_value is not None else "")
    if body_value is None:
        body = ""
    elif "json" in content_type or not isinstance(body_value, str):
        body = json.dumps(body_value, ensure_ascii=False)
    else:
        body = body_value
    headers = ((("Content-Type", content_type),) if content_type else ()) + (MOCK_HEADER,)
    reason = " ".join(response.description.split())[:80] or "OK"
    return TryResponse(code, reason, headers, body, _ms(started), mocked=True)


def _from_schema(op: Operation, response: Response, document: Any) -> Any:
    """Build the body from the raw response schema (OpenAPI 3 `content` or Swagger 2 `schema`)."""
    if document is None or not op.pointer.startswith("#/"):
        return None
    try:
        raw = resolve_pointer(document, op.pointer)["responses"][response.status]
    except (AppError, KeyError, TypeError):
        return None
    raw = deref(raw, document)
    content = raw.get("content") if isinstance(raw, dict) else None
    if isinstance(content, dict) and content:
        media = content.get(response.content_type) or next(iter(content.values()))
        media = media if isinstance(media, dict) else {}
        if "example" in media:
            return media["example"]
        schema = media.get("schema")
    else:
        schema = raw.get("schema") if isinstance(raw, dict) else None
    return example_for(schema, document) if schema else None


def _pick(responses: tuple[Response, ...], status: str | None) -> Response | None:
    if status:
        return next((r for r in responses if r.status == status), None)
    success = [r for r in responses if r.status.startswith("2")]
    return (success or [r for r in responses if r.status == "default"] or list(responses) or [None])[0]


def example_from_fields(fields: tuple[SchemaField, ...]) -> Any:
    """Build a value holding every documented field (dotted names nest), typed as the schema declares."""
    if not fields:
        return None
    declared = {f.name for f in fields}
    result: dict[str, Any] = {}
    # Parents first, so a child lands inside the object or array its parent created.
    for f in sorted((f for f in fields if not f.deprecated), key=lambda f: f.name.count(".")):
        parts = _split(f.name, declared)
        _place(result, parts, _value(f))
    return result


def _value(f: SchemaField) -> Any:
    kind = base_type(f.type)
    if kind == "object":
        return {}
    if kind == "array":
        inner = item_type(f.type)
        return [{}] if base_type(inner) == "object" or inner[:1].isupper() else [sample_value(f.name, inner)]
    value = sample_value(f.name, f.type, f.enum, f.default, f.example)
    if kind == "string" and not isinstance(value, str):
        return str(value)
    return value


def _split(name: str, declared: set[str]) -> list[str]:
    """Cut a dotted name at its declared parents only ("a.b" under "a"; a name may itself contain dots)."""
    parents = sorted((d for d in declared if name.startswith(d + ".")), key=len)
    parts, done = [], 0
    for parent in parents:
        if len(parent) > done:
            parts.append(parent[done:].lstrip("."))
            done = len(parent)
    return parts + [name[done:].lstrip(".")]


def _place(target: dict, parts: list[str], value: Any) -> None:
    node: Any = target
    for part in parts[:-1]:
        child = node.get(part)
        if isinstance(child, list):
            if not child or not isinstance(child[0], dict):
                child[:] = [{}]
            child = child[0]
        elif not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node.setdefault(parts[-1], value)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
