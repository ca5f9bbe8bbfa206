"""Replace the credentials of a raw Postman collection with placeholders, before it is read or stored.

The same pass feeds the parser and rewrites the stored copy, and running it twice changes nothing, so
the stored copy parses to the same `ApiSpec` as the upload did.
"""

from __future__ import annotations

import json
from typing import Any

from src.rag.parsing.postman_request import AUTH_SETTINGS, json_or_none
from src.rag.parsing.redact import SECRET_NAME, Redactor, is_placeholder, placeholder

# How many secrets an earlier pass removed, so re-reading the stored copy warns about them as the upload did.
REDACTED_MARK = "x-redacted-secrets"
MAX_DEPTH = 128
_JSON_TEXT = {"raw", "body", "variables"}


def redact_collection(data: Any, redactor: Redactor) -> Any:
    """Return a copy of a collection with auth values, token-like values and secret variables as placeholders."""
    clean = _node(redactor, data, "", "", 0)
    return _scrub(redactor, clean, 0) if redactor.secrets else clean


def earlier_redactions(data: Any) -> int:
    """Return how many secrets an earlier pass recorded as removed from this collection."""
    mark = data.get(REDACTED_MARK) if isinstance(data, dict) else None
    return mark if isinstance(mark, int) and not isinstance(mark, bool) and mark > 0 else 0


def _node(redactor: Redactor, value: Any, name: str, parent: str, depth: int) -> Any:
    """Redact one value by where it sits: auth objects, `{key, value}` pairs, URLs, bodies, plain strings."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, list):
        return [_node(redactor, v, name, parent, depth + 1) for v in value]
    if isinstance(value, str):
        return _string(redactor, value, name, parent)
    if not isinstance(value, dict):
        return value
    if name == "auth":
        return _auth(redactor, value, depth)
    out = {k: _node(redactor, v, str(k), name, depth + 1) for k, v in value.items() if k != "value"}
    if "value" in value:
        label = value.get("key") if isinstance(value.get("key"), str) else value.get("id")
        out["value"] = _pair_value(redactor, value, str(label or ""), depth)
        out = {k: out[k] for k in value}  # keep the key order of the upload
    return out


def _pair_value(redactor: Redactor, pair: dict[str, Any], label: str, depth: int) -> Any:
    """Redact the value of a Postman `{key, value}` entry (variable, header, query or form field)."""
    value = pair["value"]
    if pair.get("type") == "secret" and isinstance(value, str) and value.strip() and not is_placeholder(value):
        return _take(redactor, value, label or "SECRET")
    return _node(redactor, value, label, "", depth + 1)


def _string(redactor: Redactor, value: str, name: str, parent: str) -> str:
    """Redact a string: URLs by query parameter, bodies as JSON, header blocks by line, the rest by name."""
    if name == "url" or (name == "raw" and parent == "url"):
        return _url(redactor, value)
    if name in _JSON_TEXT:
        return _json_text(redactor, value)
    if name == "header":
        return "\n".join(_header_line(redactor, line) for line in value.split("\n"))
    if name == "key":
        return value  # the name of a variable, header or parameter, never a credential
    if any(c.isspace() for c in value.strip()) and not SECRET_NAME.search(name):
        return redactor.text(value)  # prose (descriptions, scripts) keeps its words around the placeholders
    return redactor.value(name, value)


def _url(redactor: Redactor, url: str) -> str:
    """Redact each query value of a URL by its parameter name, and tokens in the rest."""
    head, mark, query = url.partition("?")
    query, hash_mark, fragment = query.partition("#")
    pairs = []
    for part in query.split("&") if mark else ():
        key, equals, value = part.partition("=")
        pairs.append(key + equals + (redactor.value(key, value) if equals and value else value))
    return redactor.text(head) + mark + "&".join(pairs) + hash_mark + fragment


def _json_text(redactor: Redactor, text: str) -> str:
    """Redact a body: a JSON one value by value (rewritten only when something changed), other text as prose."""
    parsed = json_or_none(text)
    if parsed is None:
        return redactor.text(text)
    before = redactor.count
    clean = redactor.data(parsed)
    # Rewritten only when a secret went: untouched bodies keep their formatting and `{{variables}}` as sent.
    return text if redactor.count == before else json.dumps(clean, ensure_ascii=False, indent=2)


def _header_line(redactor: Redactor, line: str) -> str:
    """Redact one `Name: value` line of a header block given as text."""
    key, colon, value = line.partition(":")
    if not colon or not key.strip() or not value.strip():
        return line
    clean = redactor.value(key.strip(), value.strip())
    return line if clean == value.strip() else f"{key}: {clean}"


def _auth(redactor: Redactor, auth: dict[str, Any], depth: int) -> dict[str, Any]:
    """Redact an auth object: every entry except scheme settings (header name, location, URLs) is a credential.

    Exports can keep the settings of schemes other than the active `type`, so every scheme is redacted.
    """
    out: dict[str, Any] = {}
    for kind, entries in auth.items():
        if kind == "type":
            out[kind] = entries
        elif isinstance(entries, list):
            out[kind] = [_auth_entry(redactor, kind, e, depth) if isinstance(e, dict) else e for e in entries]
        elif isinstance(entries, dict):
            out[kind] = {k: _auth_value(redactor, kind, str(k), v, depth) for k, v in entries.items()}
        else:
            out[kind] = _auth_value(redactor, "auth", kind, entries, depth)
    return out


def _auth_entry(redactor: Redactor, kind: str, entry: dict[str, Any], depth: int) -> dict[str, Any]:
    """Redact one `{key, value}` entry of a v2.1 auth object."""
    key = entry.get("key") if isinstance(entry.get("key"), str) else ""
    if "value" not in entry:
        return entry
    return {**entry, "value": _auth_value(redactor, kind, key, entry["value"], depth)}


def _auth_value(redactor: Redactor, kind: str, key: str, value: Any, depth: int) -> Any:
    """Replace a credential with a placeholder named after the scheme and entry, e.g. `{{BEARER_TOKEN}}`."""
    if key.lower() in AUTH_SETTINGS:
        return value
    if isinstance(value, str):
        return value if not value.strip() or is_placeholder(value) else _take(redactor, value, f"{kind}_{key}")
    return _node(redactor, value, key, "auth", depth + 1)


def _take(redactor: Redactor, value: str, name: str) -> str:
    """Record a removed credential and return its placeholder."""
    redactor.secrets.add(value.strip())
    redactor.count += 1
    return placeholder(name)


def _scrub(redactor: Redactor, value: Any, depth: int) -> Any:
    """Remove every recorded secret literal from every string, wherever else it was copied."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, str):
        return redactor.scrub(value)
    if isinstance(value, list):
        return [_scrub(redactor, v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(redactor, v, depth + 1) for k, v in value.items()}
    return value
