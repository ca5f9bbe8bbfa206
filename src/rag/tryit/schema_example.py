"""A JSON value that satisfies a JSON Schema (OpenAPI flavour), as a mock server would make one.

Examples and defaults written in the spec win; otherwise every property is filled with a value of its
declared type, format and bounds. Local `$ref`s resolve against the spec document; cycles stop at `depth`.
"""

from __future__ import annotations

import json
from typing import Any

from src.core.errors import AppError
from src.rag.tryit.pattern import string_matching

MAX_DEPTH = 8
_FORMATS = {"date-time": "2024-01-01T00:00:00Z", "date": "2024-01-01", "time": "00:00:00Z",
            "email": "user@example.com", "uuid": "00000000-0000-4000-8000-000000000000",
            "uri": "https://example.com", "url": "https://example.com", "hostname": "example.com",
            "ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "byte": "ZXhhbXBsZQ=="}


def resolve_pointer(root: Any, pointer: str) -> Any:
    """Return the node at a JSON pointer such as ``#/paths/~1pets/get``; raise AppError if it is missing."""
    node = root
    for raw in pointer.lstrip("#").split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise AppError(f"The spec has nothing at {pointer}.") from exc
    return node


def example_for(schema: Any, root: Any, depth: int = 0) -> Any:
    """Return a value valid against `schema`."""
    schema = deref(schema, root)
    if not isinstance(schema, dict):
        return None
    for key in ("example", "const", "default"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    if "allOf" in schema:
        return _all_of(schema, root, depth)
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return example_for(schema[key][0], root, depth + 1)
    return _typed(schema, root, depth)


def _typed(schema: dict, root: Any, depth: int) -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if kind == "object":
        return _object(schema, root, depth)
    if kind == "array":
        if depth >= MAX_DEPTH:
            return []
        item = example_for(schema.get("items", {}), root, depth + 1)
        return [item] * max(1, int(schema.get("minItems", 1)))
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema)


def _object(schema: dict, root: Any, depth: int) -> dict:
    if depth >= MAX_DEPTH:
        return {}
    props = schema.get("properties") or {}
    return {name: example_for(sub, root, depth + 1) for name, sub in props.items()
            if not (isinstance(sub, dict) and sub.get("writeOnly"))}  # a response never carries these


def _all_of(schema: dict, root: Any, depth: int) -> Any:
    merged: dict = {}
    for part in schema["allOf"]:
        value = example_for(part, root, depth + 1)
        if not isinstance(value, dict):
            return value
        merged.update(value)
    extra = {k: v for k, v in schema.items() if k != "allOf"}
    if extra.get("properties"):
        merged.update(_object(extra, root, depth))
    return merged


def _number(schema: dict, kind: str) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    value = low if isinstance(low, (int, float)) else 1
    if isinstance(schema.get("exclusiveMinimum"), (int, float)) or schema.get("exclusiveMinimum") is True:
        value += 1
    high = schema.get("maximum")
    if isinstance(high, (int, float)) and value > high:
        value = high
    return int(value) if kind == "integer" else float(value)


def _string(schema: dict) -> str:
    value = _FORMATS.get(str(schema.get("format", "")), "string")
    if isinstance(schema.get("pattern"), str):
        matched = string_matching(schema["pattern"])
        if matched is not None:
            return matched
    low = int(schema.get("minLength", 0) or 0)
    if len(value) < low:
        value = value + "x" * (low - len(value))
    high = schema.get("maxLength")
    return value[: int(high)] if isinstance(high, int) and high < len(value) else value


def deref(schema: Any, root: Any, hops: int = 0) -> Any:
    """Follow local `$ref`s to the schema they name (remote references resolve to an empty schema)."""
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and hops < 32:
        ref = schema["$ref"]
        if not ref.startswith("#"):
            return {}  # a remote reference is never fetched
        try:
            schema = resolve_pointer(root, ref)
        except AppError:
            return {}
        hops += 1
    return schema


def load_document(name: str, data: bytes) -> Any:
    """Parse a single-file JSON or YAML spec into plain data, or return None (archives, other formats)."""
    text = data.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        pass
    if not name.lower().endswith((".yaml", ".yml")):
        return None
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
