"""What a few templates need beyond the shared wire view: Go imports, TypeScript types, HTTPie items."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlencode

from src.rag.codegen import quoting as q
from src.rag.codegen.auth import AuthKind, AuthPlan
from src.rag.codegen.literals import go_lit, go_map, go_str
from src.rag.codegen.request import BodyKind, RequestModel
from src.rag.codegen.ts_types import interface, type_name
from src.rag.codegen.wire import UPLOAD_NAME, body_content_type, path_text, query_pairs

# HTTPie reads `name=value`, `name:=json`, `name==value` and `Name:value`; only plain names can be items.
_HTTPIE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_HTTPIE_SPECIAL = set(":;=@")
_PLAIN_FORM_VALUE = re.compile(r"[A-Za-z0-9._~-]*")


def media_type(model: RequestModel) -> str:
    """Return the body's bare media type (no parameters), for APIs that take it apart from the body."""
    spec = next((v for n, v in model.headers if n.lower() == "content-type"), "")
    chosen = spec or body_content_type(model) or model.content_type or "application/json"
    return chosen.split(";")[0].strip() or "application/json"


def go_context(model: RequestModel) -> dict[str, Any]:
    """Return the Go imports the sample uses (Go refuses unused ones) and how the query is built."""
    kind = "graphql" if model.graphql else model.body_kind.value
    has_query = bool(model.query) or bool(model.auth and model.auth.kind == AuthKind.QUERY)
    names = {"fmt", "io", "log", "net/http", "time"}
    names |= {"os"} if model.auth else set()
    names |= {"net/url"} if model.path_vars or has_query or kind == "form" else set()
    names |= {"bytes"} if kind in {"json", "graphql", "multipart"} else set()
    names |= {"encoding/json"} if kind in {"json", "graphql"} else set()
    names |= {"mime/multipart"} if kind == "multipart" else set()
    names |= {"strings"} if kind in {"form", "raw"} else set()
    payload = go_map([('"query"', go_text(str(model.body["query"]))),
                      ('"variables"', go_lit(model.body["variables"], 2))], 1) if model.graphql else ""
    return {"go_imports": sorted(names), "go_query": has_query, "go_graphql_payload": payload}


def java_context(model: RequestModel) -> dict[str, Any]:
    """Return the Java imports and helpers the sample uses, so a copied sample carries no dead code."""
    kind = "graphql" if model.graphql else model.body_kind.value
    pairs = bool(model.query) or bool(model.auth and model.auth.kind == AuthKind.QUERY) or kind == "form"
    encode = pairs or bool(model.path_vars)
    names = {"java.net.URI", "java.net.http.HttpClient", "java.net.http.HttpRequest", "java.net.http.HttpResponse",
             "java.time.Duration"}
    names |= {"java.net.URLEncoder", "java.nio.charset.StandardCharsets"} if encode else set()
    names |= {"java.util.List", "java.util.Map", "java.util.stream.Collectors"} if pairs else set()
    names |= {"java.util.List", "java.util.Map", "java.util.UUID"} if kind == "multipart" else set()
    basic = bool(model.auth and model.auth.kind == AuthKind.BASIC)
    names |= {"java.util.Base64", "java.nio.charset.StandardCharsets"} if basic else set()
    return {"java_imports": sorted(names), "java_encode": encode, "java_pairs": pairs}


def csharp_context(model: RequestModel) -> dict[str, Any]:
    """Return the C# namespaces the sample uses, and the media type it passes beside the body."""
    kind = "graphql" if model.graphql else model.body_kind.value
    auth = model.auth.kind if model.auth else None
    names = {"System", "System.Net.Http", "System.Threading.Tasks"}
    query = bool(model.query) or auth == AuthKind.QUERY
    names |= {"System.Collections.Generic"} if query or kind == "form" else set()
    names |= {"System.Net.Http.Headers"} if auth in (AuthKind.BEARER, AuthKind.BASIC) else set()
    files = bool(getattr(model, "files", ()))
    names |= {"System.Text"} if kind in ("json", "graphql", "raw") or auth == AuthKind.BASIC or files else set()
    return {"csharp_usings": sorted(names, key=lambda n: (n != "System", n)), "media_type": media_type(model)}


def go_text(text: str) -> str:
    """Return a Go raw string for a multi-line document when it can hold it, else a quoted string."""
    # Rendering squeezes runs of blank lines, so a raw string must not hold one.
    if "`" not in text and "\n\n\n" not in text and all(ch.isprintable() or ch == "\n" for ch in text):
        return f"`{text}`"
    return go_str(text)


def ts_context(model: RequestModel) -> dict[str, Any]:
    """Return TypeScript interfaces for a JSON object body (or GraphQL variables) and the main response."""
    out: dict[str, Any] = {"ts_request_type": "", "ts_request_name": "", "ts_response_type": "",
                           "ts_response_name": ""}
    if model.graphql:
        name = type_name(model.body_schema, "Variables")
        variables = model.body["variables"]
        out.update(ts_request_type=interface(name, model.body_fields, variables), ts_request_name=name)
    elif model.body_kind == BodyKind.JSON and isinstance(model.body, dict):
        name = type_name(model.body_schema, "RequestBody")
        out.update(ts_request_type=interface(name, model.body_fields, model.body), ts_request_name=name)
    if model.response_fields:
        name = type_name(model.response_schema, "ResponseBody")
        name = name + "Response" if name == out["ts_request_name"] else name
        out.update(ts_response_type=interface(name, model.response_fields), ts_response_name=name)
    return out


def httpie_item(name: str, sep: str, value: str) -> str | None:
    """Return one HTTPie request item, or None when HTTPie's item syntax cannot carry it exactly."""
    if not _HTTPIE_NAME.match(name) or re.search(r"\\[:;=@]", value):
        return None
    # A value starting with a separator character would change the item's meaning (`=@file`, `==query`).
    return q.sh(name + sep + ("\\" + value if value[:1] in _HTTPIE_SPECIAL else value))


def httpie_items_of(pairs: list[tuple[str, str]], sep: str) -> list[str] | None:
    """Return HTTPie items for name/value pairs, or None when one of them cannot be an item."""
    items = [httpie_item(n, sep, v) for n, v in pairs]
    return None if None in items else items  # type: ignore[return-value]


def httpie_context(model: RequestModel) -> dict[str, Any]:
    """Return HTTPie's flags, URL and request items; fall back to --raw where items cannot say it exactly."""
    flags: list[str] = []
    pairs = query_pairs(model)
    query_items = httpie_items_of(pairs, "==")
    pieces = [(model.base_url, False)] + [(p.var or path_text(p.text), bool(p.var)) for p in model.path_parts]
    if pairs and query_items is None:
        pieces.append(("?" + urlencode(pairs), False))
    items = list(query_items or [])
    items += httpie_auth(model.auth, flags)
    items += [i for i in (httpie_item(n, ":", v) for n, v in model.headers) if i]
    items += _httpie_body(model, flags)
    return {"httpie_flags": flags, "httpie_url": q.sh_concat(pieces), "httpie_items": items}


def httpie_auth(auth: AuthPlan | None, flags: list[str]) -> list[str]:
    """Return HTTPie's auth items for a credential, adding its flags (``-A bearer``, ``-a``) to ``flags``."""
    if auth is None:
        return []
    if auth.kind == AuthKind.BEARER:
        flags += ["-A bearer", "-a " + q.sh_concat([(auth.env, True)])]
    elif auth.kind == AuthKind.BASIC:
        flags.append("-a " + q.sh_concat([(auth.env, True), (":", False), (auth.env_password, True)]))
    elif auth.kind == AuthKind.HEADER:
        return [q.sh_concat([(auth.name + ":", False), (auth.env, True)])]
    elif auth.kind == AuthKind.QUERY:
        return [q.sh_concat([(auth.name + "==", False), (auth.env, True)])]
    elif auth.kind == AuthKind.COOKIE:
        return [q.sh_concat([("Cookie:" + auth.name + "=", False), (auth.env, True)])]
    return []


def _httpie_body(model: RequestModel, flags: list[str]) -> list[str]:
    kind, body = model.body_kind, model.body
    if kind == BodyKind.JSON:
        fields = httpie_json_items(body, model.graphql) if isinstance(body, dict) else None
        if fields is not None:
            return fields
        flags.append("--json")
        return ["--raw " + q.sh(json.dumps(body, indent=2, ensure_ascii=False, default=str))]
    if kind in (BodyKind.FORM, BodyKind.MULTIPART):
        pairs = [(k, str(v)) for k, v in model.form]
        fields = httpie_items_of(pairs, "=")
        if kind == BodyKind.MULTIPART:
            flags.append("--multipart")
            files = set(getattr(model, "files", ()))
            if files:  # HTTPie uploads a file field from the local file of that name
                return [q.sh(httpie_key(k) + ("@" + UPLOAD_NAME if k in files else "=" + v)) for k, v in pairs]
            return fields if fields is not None else [q.sh(httpie_key(k) + "=" + v) for k, v in pairs]
        if fields is not None:
            flags.append("--form")
            return fields
        return [q.sh("Content-Type:application/x-www-form-urlencoded"), "--raw " + q.sh(urlencode(pairs))]
    if kind == BodyKind.RAW:
        header = [] if any(n.lower() == "content-type" for n, _ in model.headers) else [
            q.sh("Content-Type:" + model.content_type)]
        return header + ["--raw " + q.sh(str(body))]
    return []


def httpie_json_items(body: dict, graphql: bool) -> list[str] | None:
    """Strings as `name=value`, everything else as `name:=json`; None when a name is not plain."""
    items = []
    for key, value in body.items():
        text = isinstance(value, str) and not graphql
        item = httpie_item(str(key), "=" if text else ":=", value if text else json.dumps(value, ensure_ascii=False))
        if item is None:
            return None
        items.append(item)
    return items


def httpie_key(name: str) -> str:
    """Escape HTTPie's separator characters in a multipart field name so it is sent as written."""
    return re.sub(r"([:;=@])", r"\\\1", name)


def media_context(model: RequestModel) -> dict[str, Any]:
    """Return the bare media type for languages that pass it beside the body (C#, PowerShell)."""
    return {"media_type": media_type(model)}


def curl_auth(auth: AuthPlan | None) -> list[str]:
    """Return the curl options that send the credential (read from its environment variable)."""
    if auth is None:
        return []
    if auth.kind == AuthKind.BEARER:
        return ["-H " + q.sh_concat([("Authorization: Bearer ", False), (auth.env, True)])]
    if auth.kind == AuthKind.BASIC:
        return ["-u " + q.sh_concat([(auth.env, True), (":", False), (auth.env_password, True)])]
    if auth.kind == AuthKind.HEADER:
        return ["-H " + q.sh_concat([(auth.name + ": ", False), (auth.env, True)])]
    if auth.kind == AuthKind.COOKIE:
        return ["--cookie " + q.sh_concat([(auth.name + "=", False), (auth.env, True)])]
    return []


def curl_form_pair(key: str, value: Any) -> str:
    """Return the curl option for one urlencoded form pair (--data-urlencode unless the value is plain)."""
    name = quote(str(key), safe="[]")
    text = str(value)
    if _PLAIN_FORM_VALUE.fullmatch(text):
        return "-d " + q.sh(f"{name}={text}")
    return "--data-urlencode " + q.sh(f"{name}={text}")
