"""The request as the text pieces every template needs: URL pieces, query pairs, headers and the encoded body."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote

from src.rag.codegen.request import BodyKind, PathVar, RequestModel
from src.rag.codegen.values import form_scalar

# Characters a URL path may hold as they are; anything else in a spec path is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
# The file name a multipart sample gives a file field (the shell samples upload a local file of that name).
UPLOAD_NAME = "upload.bin"


def path_text(text: str) -> str:
    """Percent-encode what a URL path cannot hold as written (spaces, quotes), keeping existing escapes."""
    return quote(text, safe=_PATH_SAFE)


def query_pairs(model: RequestModel) -> list[tuple[str, str]]:
    """Return the query as text pairs, a list parameter repeated once per item."""
    pairs: list[tuple[str, str]] = []
    for name, value in model.query:
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, str(form_scalar(item))))
    return pairs


def path_value(var: PathVar) -> str:
    """Return a path parameter's value as text to percent-encode when the sample runs (a value the user typed
    arrives encoded already, so it is decoded first rather than encoded twice)."""
    return unquote(str(form_scalar(var.value)))


def has_header(model: RequestModel, name: str) -> bool:
    """Tell whether the spec's own headers already include ``name`` (case-insensitive)."""
    return any(n.lower() == name for n, _ in model.headers)


def body_content_type(model: RequestModel) -> str:
    """Return the Content-Type a sample must set itself ('' when the spec's headers or the encoder set it)."""
    if model.body_kind in (BodyKind.NONE, BodyKind.MULTIPART) or has_header(model, "content-type"):
        return ""
    if model.body_kind == BodyKind.FORM:
        return "application/x-www-form-urlencoded"
    return model.content_type or ("application/json" if model.body_kind == BodyKind.JSON else "text/plain")


def wire(model: RequestModel) -> dict[str, Any]:
    """Return the template context shared by the compiled and scripting languages."""
    url: list[tuple[str, str]] = []
    for text, var in [(model.base_url, "")] + [(path_text(p.text), p.var) for p in model.path_parts]:
        if not var and url and not url[-1][1]:
            url[-1] = (url[-1][0] + text, "")  # one literal, not "base" + "/path"
        else:
            url.append((text, var))
    kind = model.body_kind.value
    files = set(getattr(model, "files", ()))
    json_body = model.body_kind == BodyKind.JSON
    return {
        "kind": "graphql" if model.graphql else kind,
        "url_pieces": url,
        # These samples percent-encode path values when they run.
        "path_values": [(v.var, path_value(v)) for v in model.path_vars],
        "query_pairs": query_pairs(model),
        "spec_headers": list(model.headers),
        "content_type": body_content_type(model),
        "json_text": json.dumps(model.body, indent=2, ensure_ascii=True, default=str) if json_body else "",
        "form_pairs": [(k, str(v)) for k, v in model.form],
        # Multipart fields that are files: sent as a file part named upload.bin holding the placeholder text.
        "form_parts": [(k, str(v), k in files) for k, v in model.form],
        "upload_name": UPLOAD_NAME,
        "raw_text": str(model.body) if model.body_kind == BodyKind.RAW else "",
        "gql_query": str(model.body["query"]) if model.graphql else "",
        "gql_variables": model.body["variables"] if model.graphql else {},
    }
