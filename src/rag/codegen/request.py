"""The request model: everything a code sample needs, derived once from an operation and its spec."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from src.rag.codegen.auth import AuthPlan, plan_auth
from src.rag.codegen.values import body_value, form_pairs, graphql_value, sample_value
from src.rag.types import ApiSpec, Operation, Protocol, SchemaField, SpecFormat

PLACEHOLDER_BASE_URL = "https://api.example.com"
_PATH_VAR = re.compile(r"\{([^{}]+)\}")
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"}
# Names the templates use for their own variables; path variables must not shadow them.
_RESERVED = {"API_TOKEN", "API_KEY", "API_USERNAME", "API_PASSWORD", "URL", "QUERY", "PAYLOAD"}
# Names that would shadow a sample's own variables, a global or an automatic variable in one of the target
# languages (PowerShell variables ignore case, so `$HOST` or `$URI` would clash there).
_RESERVED |= {"URI", "HEADERS", "BODY", "FORM", "RESPONSE", "DOCUMENT", "ENDPOINT", "REQUEST", "VARIABLES", "JSON",
              "HOST", "INPUT", "ERROR", "ARGS", "HOME", "PID", "PWD", "PROFILE", "MATCHES", "EVENT", "NULL", "TRUE",
              "FALSE", "ENV", "ARGV", "DATA", "STDIN", "STDOUT", "STDERR", "SENDER", "THIS", "PSITEM", "FOREACH",
              "SWITCH", "INVOKE", "LASTEXITCODE", "MYINVOCATION", "EXECUTIONCONTEXT", "NESTEDPROMPTLEVEL"}
_HEADER_NAME_JUNK = re.compile(r"[^A-Za-z0-9!#$%&'*+.^_`|~-]")
# Headers the body encoding sets by itself; repeating them from a Postman request would only conflict.
_BODY_HEADERS = {"content-type", "content-length"}


class BodyKind(str, enum.Enum):
    """How the request body is encoded."""

    NONE = "none"
    JSON = "json"
    FORM = "form"
    MULTIPART = "multipart"
    RAW = "raw"


@dataclass(frozen=True)
class UrlPart:
    """A literal piece of the URL path, or (when ``var`` is set) a path-parameter variable."""

    text: str
    var: str = ""


@dataclass(frozen=True)
class PathVar:
    """A path parameter: its spec name, the variable that holds it, and the value it starts with."""

    name: str
    var: str
    value: Any


@dataclass(frozen=True)
class RequestModel:
    """A language-neutral HTTP request that every template renders."""

    method: str
    base_url: str
    notes: tuple[str, ...]
    path_parts: tuple[UrlPart, ...]
    path_vars: tuple[PathVar, ...] = ()
    query: tuple[tuple[str, Any], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    auth: AuthPlan | None = None
    body_kind: BodyKind = BodyKind.NONE
    body: Any = None
    content_type: str = ""
    graphql: bool = False
    summary: str = ""
    files: tuple[str, ...] = ()
    # The documented shapes, for languages that type the body and the response (TypeScript interfaces).
    body_fields: tuple[SchemaField, ...] = ()
    body_schema: str = ""
    response_fields: tuple[SchemaField, ...] = ()
    response_schema: str = ""

    @property
    def form(self) -> list[tuple[str, Any]]:
        """Return the body flattened to form pairs (form and multipart bodies)."""
        return form_pairs(self.body) if isinstance(self.body, (dict, list)) else []


def build_request(spec: ApiSpec, op: Operation, base_url: str | None = None,
                  values: Mapping[str, Any] | None = None) -> RequestModel:
    """Derive the request a sample sends for ``op``; ``base_url`` overrides the spec's servers.

    ``values`` (by parameter or top-level body field name) are the user's own: path values among them are
    percent-encoded, query values are sent even for optional parameters, body values go into the body.
    """
    values = dict(values or {})
    base, note = _base_url(spec, op, base_url)
    is_graphql = op.protocol == Protocol.GRAPHQL
    auth = plan_auth(spec, op)
    reserved = {auth.env, auth.env_password} if auth else set()
    parts, path_vars = ((), ()) if is_graphql else _path(op, reserved, values)
    kind, body, content_type = _graphql_body(spec, op) if is_graphql else _body(spec, op, values)
    return RequestModel(
        method="POST" if is_graphql else _method(op.method),
        base_url=base,
        notes=tuple(n for n in (note, _auth_note(is_graphql, auth)) if n),
        path_parts=parts,
        path_vars=path_vars,
        query=() if is_graphql else _query(spec, op, values),
        headers=_headers(op, kind),
        auth=auth,
        body_kind=kind,
        body=body,
        content_type=content_type,
        graphql=is_graphql,
        summary=op.summary,
        files=file_fields(op) if kind == BodyKind.MULTIPART else (),
        **_shapes(op, kind),
    )


def _shapes(op: Operation, kind: BodyKind) -> dict[str, Any]:
    """Return the body (GraphQL: variables) and main (first 2xx) response fields the spec documents."""
    ok = next((r for r in op.responses if r.status.startswith("2") and r.fields), None)
    shapes = {"response_fields": ok.fields if ok else (), "response_schema": ok.schema_name if ok else ""}
    if op.protocol == Protocol.GRAPHQL:
        declared = [p for p in op.parameters if p.location == "argument"
                    and re.search(r"\$" + re.escape(p.name) + r"\b", op.graphql_document or "")]
        fields = tuple(SchemaField(p.name, p.type, p.required or p.type.strip().endswith("!")) for p in declared)
        return shapes | {"body_fields": fields, "body_schema": f"{op.path} variables"}
    body = op.request_body if kind == BodyKind.JSON else None
    return shapes | {"body_fields": body.fields if body else (), "body_schema": body.schema_name if body else ""}


def _base_url(spec: ApiSpec, op: Operation, override: str | None) -> tuple[str, str]:
    if override:
        return override.rstrip("/"), ""
    server = (op.servers or spec.servers or ("",))[0].strip()
    # GraphQL schemas never name their endpoint; /graphql is where almost every server puts it.
    placeholder = PLACEHOLDER_BASE_URL + ("/graphql" if op.protocol == Protocol.GRAPHQL else "")
    if re.match(r"^https?://", server, re.IGNORECASE):
        return server.rstrip("/"), ""
    suffix = server.rstrip("/") if server.startswith("/") else ""
    note = "The spec declares no absolute server URL: replace this placeholder with the API's base URL."
    return placeholder + suffix, note


def _auth_note(is_graphql: bool, auth: AuthPlan | None) -> str:
    if is_graphql and auth is None:
        return ("A GraphQL schema cannot declare authentication: add the header your server expects, "
                "often Authorization: Bearer <token>.")
    return ""


def _method(method: str) -> str:
    cleaned = re.sub(r"[^A-Z]", "", (method or "").upper())
    return cleaned if cleaned in _METHODS else "GET"


def var_name(name: str, taken: set[str]) -> str:
    """Turn a parameter name into an upper-case identifier that is valid in every target language."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    var = re.sub(r"[^A-Za-z0-9]+", "_", snake).strip("_").upper() or "PARAM"
    if var[0].isdigit():
        var = "P_" + var
    base, n = var, 2
    while var in taken or var in _RESERVED:
        var, n = f"{base}_{n}", n + 1
    taken.add(var)
    return var


def _path(op: Operation, reserved: set[str], values: Mapping[str, Any]) -> tuple[tuple[UrlPart, ...], tuple[PathVar, ...]]:
    params = {p.name: p for p in op.parameters if p.location == "path"}
    parts: list[UrlPart] = []
    path_vars: list[PathVar] = []
    taken = set(reserved)
    pos = 0
    path = op.path if op.path.startswith("/") else "/" + op.path
    for match in _PATH_VAR.finditer(path):
        parts.append(UrlPart(path[pos : match.start()]))
        name = match.group(1)
        existing = next((v for v in path_vars if v.name == name), None)
        if existing is None:
            p = params.get(name)
            value = sample_value(name, p.type, p.enum, p.default, p.example) if p else f"<{name}>"
            if name in values:  # a value typed by the user goes into the URL percent-encoded ("pl 1/x")
                value = quote(str(values[name]), safe="")
            existing = PathVar(name, var_name(name, taken), value)
            path_vars.append(existing)
        parts.append(UrlPart("", existing.var))
        pos = match.end()
    parts.append(UrlPart(path[pos:]))
    return tuple(p for p in parts if p.text or p.var), tuple(path_vars)


def _query(spec: ApiSpec, op: Operation, values: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    # Postman requests list the query values their author actually sent, so keep them all.
    keep_all = spec.format == SpecFormat.POSTMAN
    return tuple(
        (p.name, values[p.name] if p.name in values else sample_value(p.name, p.type, p.enum, p.default, p.example))
        for p in op.parameters
        if p.location == "query" and (p.required or keep_all or p.name in values) and not p.deprecated
    )


def _headers(op: Operation, kind: BodyKind) -> tuple[tuple[str, str], ...]:
    wanted = [
        (p.name, str(sample_value(p.name, p.type, p.enum, p.default, p.example)))
        for p in op.parameters
        if p.location == "header" and p.required
    ] + list(op.headers)
    out: list[tuple[str, str]] = []
    for raw_name, raw_value in wanted:
        # A header name or value with CR/LF from a spec must not smuggle extra headers into the request.
        name = _HEADER_NAME_JUNK.sub("", raw_name)
        value = re.sub(r"[\x00-\x1f\x7f]+", " ", str(raw_value)).strip()
        # HTTP clients in most languages refuse header values outside ASCII (Python's raise, .NET's throw).
        value = value.encode("ascii", "replace").decode("ascii")
        lowered = name.lower()
        if not name or lowered == "authorization" or (lowered in _BODY_HEADERS and kind != BodyKind.RAW):
            continue
        if all(lowered != n.lower() for n, _ in out):
            out.append((name, value))
    return tuple(out)


def _body(spec: ApiSpec, op: Operation, values: Mapping[str, Any]) -> tuple[BodyKind, Any, str]:
    body = op.request_body
    # fetch refuses a body on GET/HEAD, and servers ignore one (Stripe declares empty bodies on its GETs).
    if body is None or _method(op.method) in {"GET", "HEAD"}:
        return BodyKind.NONE, None, ""
    ctype = (body.content_type or "application/json").split(";")[0].strip().lower()
    if ctype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        value = body_value(body, values, spec.body_schemas)
        if not value:
            return BodyKind.NONE, None, ""
        return (BodyKind.FORM if ctype.startswith("application") else BodyKind.MULTIPART), value, ctype
    if "json" in ctype:
        if body.example is None and body.raw_example:
            try:
                parsed = json.loads(body.raw_example)
            except ValueError:
                return BodyKind.RAW, body.raw_example, ctype
            if body.schema is None:
                return BodyKind.JSON, parsed, ctype
            return BodyKind.JSON, body_value(body, values, spec.body_schemas, parsed), ctype
        return BodyKind.JSON, body_value(body, values, spec.body_schemas), ctype
    raw = body.raw_example or (body.example if isinstance(body.example, str) else "")
    return BodyKind.RAW, raw or "<request body>", ctype


def file_fields(op: Operation) -> tuple[str, ...]:
    """Return the top-level body fields that carry a file (binary strings, Swagger `file` parameters)."""
    body = op.request_body
    return tuple(f.name for f in (body.fields if body else ()) if "." not in f.name
                 and (f.format in {"binary", "byte"} and "string" in f.type or f.type == "file"))


def _graphql_body(spec: ApiSpec, op: Operation) -> tuple[BodyKind, Any, str]:
    schemas = {s.name: s for s in spec.schemas}
    variables = {}
    for p in op.parameters:
        if p.location != "argument":
            continue
        # Only variables the document declares can be sent; optional ones stay unset (null).
        declared = re.search(r"\$" + re.escape(p.name) + r"\b", op.graphql_document or "")
        if declared and (p.required or p.type.strip().endswith("!")):
            hinted = p.example is not None or p.default is not None or p.enum
            variables[p.name] = (sample_value(p.name, p.type, p.enum, p.default, p.example) if hinted
                                 else graphql_value(p.name, p.type, schemas))
    document = op.graphql_document or f"{op.method.lower()} {{ {op.path} }}"
    return BodyKind.JSON, {"query": document, "variables": variables}, "application/json"
