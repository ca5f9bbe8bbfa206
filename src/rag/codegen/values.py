"""Example values for parameters and bodies: spec examples and defaults first, then enums, then placeholders."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from src.rag.codegen.schema_values import schema_body
from src.rag.types import RequestBody, SchemaDef, SchemaField

# How many optional body fields to show when the schema marks none as required (Stripe marks almost nothing).
MAX_OPTIONAL_FIELDS = 3
_SCALARS = {"string", "integer", "number", "boolean"}
_FORMAT_SAMPLES = {
    "date-time": "2024-01-01T00:00:00Z",
    "datetime": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "email": "user@example.com",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "uri": "https://example.com",
    "url": "https://example.com",
}


def base_type(type_text: str) -> str:
    """Reduce a declared type (``array[string]``, ``Int!``, ``string(date-time)``) to a JSON Schema type."""
    text = (type_text or "").strip().lower().split("|")[0].strip().rstrip("!")
    if text.startswith(("array", "list", "[")) or text.endswith("[]"):
        return "array"
    head = re.split(r"[\s(<\[]", text, maxsplit=1)[0]
    if head in {"integer", "int", "int32", "int64", "long"}:
        return "integer"
    if head in {"number", "float", "double", "decimal"}:
        return "number"
    if head in {"boolean", "bool"}:
        return "boolean"
    if head in {"object", "map", "dict", "hash"}:
        return "object"
    return "string"


def item_type(type_text: str) -> str:
    """Return the element type of an array type (``array[integer]`` → ``integer``), else ``string``."""
    match = re.search(r"[\[<(]\s*\[?([A-Za-z_-]+)", (type_text or "").replace("!", ""))
    return match.group(1) if match else "string"


def placeholder(name: str, type_text: str) -> Any:
    """Return a type-appropriate placeholder for a value the spec gives no example for."""
    kind = base_type(type_text)
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "object":
        return {}
    if kind == "array":
        return [placeholder(name, item_type(type_text))]
    lowered = (type_text or "").lower()
    for fmt, sample in _FORMAT_SAMPLES.items():
        if fmt in lowered:
            return sample
    return f"<{name}>"


def _coerce_enum(value: str, type_text: str) -> Any:
    kind = base_type(type_text)
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except (TypeError, ValueError):
        return value
    if kind == "boolean" and str(value).lower() in {"true", "false"}:
        return str(value).lower() == "true"
    return value


def sample_value(name: str, type_text: str, enum: tuple = (), default: Any = None, example: Any = None) -> Any:
    """Choose the value a sample sends: example, default, first enum value, then a placeholder."""
    if example is not None:
        return example
    if default is not None:
        return default
    if enum:
        return _coerce_enum(enum[0], type_text)
    return placeholder(name, type_text)


def _split(name: str, declared: set[str]) -> list[str]:
    """Split a dotted field name only where the prefix is itself a declared field (names may contain dots)."""
    parts, start = [], 0
    for i, ch in enumerate(name):
        if ch == "." and i > start and name[:i] in declared:
            parts.append(name[start:i])
            start = i + 1
    return parts + [name[start:]]


def _chosen_fields(fields: tuple[SchemaField, ...], given: Mapping[str, Any], fill: bool = True
                   ) -> list[tuple[list[str], SchemaField]]:
    """Pick what a body sends: required fields first, then fields the user gave values for, else a few optional ones.

    Read-only and deprecated fields are never sent; a child goes with its parent only when it is required.
    """
    declared = {f.name for f in fields}
    live = [(_split(f.name, declared), f) for f in fields if not f.deprecated and not f.read_only]
    top = [f for parts, f in live if len(parts) == 1]
    order = [f.name for f in top if f.required] + [f.name for f in top if f.name in given and not f.required]
    if not order and fill:
        hinted = [f for f in top if f.example is not None or f.default is not None]
        plain = [f for f in top if base_type(f.type) in _SCALARS and f not in hinted]
        order = [f.name for f in (hinted + plain)[:MAX_OPTIONAL_FIELDS]]
    rank = {name: n for n, name in enumerate(order)}
    chosen = [(parts, f) for parts, f in live if parts[0] in rank and (len(parts) == 1 or f.required)]
    return sorted(chosen, key=lambda item: rank[item[0][0]])


def _insert(target: dict, parts: list[str], value: Any, arrays: frozenset[str] = frozenset()) -> None:
    """Place a value at a dotted position, descending into (or creating) the first element of arrays."""
    node: Any = target
    for n, part in enumerate(parts[:-1], start=1):
        child = node.get(part) if isinstance(node, dict) else None
        if child is None and ".".join(parts[:n]) in arrays:
            child = node[part] = [{}]
        if isinstance(child, list):
            if not child or not isinstance(child[0], dict):
                child[:] = [{}]
            child = child[0]
        elif not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    if isinstance(node, dict):
        node[parts[-1]] = value


def _at(example: Any, parts: list[str]) -> Any:
    """Return the example's value at a dotted position (first array element on the way), or None."""
    node = example
    for part in parts:
        if isinstance(node, list):
            node = node[0] if node else None
        node = node.get(part) if isinstance(node, dict) else None
    return node


def field_value(f: SchemaField, name: str, example: Any = None) -> Any:
    """Choose a field's value: the body example where it is valid, else the field's own example, default, enum.

    The choice is then held to the field's enum, pattern and minimum, so the body validates.
    """
    if example is not None and (not f.enum or str(example) in f.enum) and _fits_type(example, f.type):
        value = example
    else:
        value = sample_value(name, f.type, f.enum, f.default, f.example)
    if f.enum and str(value) not in f.enum:
        value = _coerce_enum(f.enum[0], f.type)
    if f.format in {"binary", "byte"} and isinstance(value, str) and value.startswith("<"):
        return f"<{name} file contents>"
    if f.pattern and isinstance(value, str):
        return _matching(value, f.pattern)
    if f.pattern and isinstance(value, list) and value and isinstance(value[0], str):
        return [_matching(v, f.pattern) for v in value]
    if f.minimum is not None and isinstance(value, (int, float)) and not isinstance(value, bool) and value < f.minimum:
        return int(f.minimum) if base_type(f.type) == "integer" else f.minimum
    return value


def _fits_type(value: Any, type_text: str) -> bool:
    checks = {"integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
              "boolean": lambda v: isinstance(v, bool), "object": lambda v: isinstance(v, dict),
              "array": lambda v: isinstance(v, list), "string": lambda v: isinstance(v, str)}
    kinds = {base_type(t) for t in (type_text or "string").split("|") if t.strip() and t.strip() != "null"}
    return any(checks[k](value) for k in kinds) if kinds else True


def _matching(value: str, pattern: str) -> str:
    """Return the value if it fits the field's pattern, else a sample built from the pattern or a simple one."""
    try:
        regex = re.compile(pattern)
    except re.error:
        return value
    built = _from_pattern(pattern)
    for candidate in (value, built, "123456789012345678", "1", "abc", "ABC", "abc-123", "A1", "2024-01-01", "a"):
        if candidate is not None and regex.search(candidate):
            return candidate
    return value


_PATTERN_PART = re.compile(r"\\([dws])|\[([^\]]+)\]|\\(.)|([^\\\[\](){}*+?|^$.])|(\.)")
_QUANTIFIER = re.compile(r"\{(\d+)(?:,(\d*))?\}|[*+?]")


def _from_pattern(pattern: str) -> str | None:
    """Build one string for a simple pattern (literals, classes, counts: ``^CR[0-9a-fA-F]{32}$``); None if not simple."""
    body, out, pos = pattern.strip("^$"), [], 0
    while pos < len(body):
        m = _PATTERN_PART.match(body, pos)
        if m is None:
            return None
        shorthand, klass, escaped, literal, dot = m.groups()
        char = ({"d": "1", "w": "a", "s": " "}[shorthand] if shorthand else
                _class_char(klass) if klass else escaped or literal or "a")
        pos = m.end()
        q = _QUANTIFIER.match(body, pos)
        count = 1
        if q:
            count = int(q.group(1)) if q.group(1) else (0 if q.group(0) in "*?" else 1)
            pos = q.end()
        out.append(char * count)
    return "".join(out)


def _class_char(klass: str) -> str:
    """Return a character a ``[...]`` class accepts (its first member)."""
    return "a" if klass.startswith("^") else klass[0]


def body_value(body: RequestBody, given: Mapping[str, Any] | None = None, defs: dict[str, Any] | None = None,
               example: Any = None) -> Any:
    """Build the body a sample sends: required fields first, the user's values, spec examples where valid.

    Args:
        body: the operation's request body.
        given: values from the question or earlier calls, by top-level field name.
        defs: the API's shared body schemas, which a body's own schema refers into.
        example: an example body to draw from instead of the body's own (one given as text).
    """
    given = dict(given or {})
    if body.schema is not None:  # the full schema decides validity; the flattened fields only approximate it
        return schema_body(body.schema, defs or {}, given, body.example if example is None else example,
                           MAX_OPTIONAL_FIELDS)
    if body.example is not None and not isinstance(body.example, dict):
        return body.example
    example = body.example or {}
    if not body.fields:
        return {**example, **given}
    result: dict[str, Any] = {}
    arrays = frozenset(f.name for f in body.fields if base_type(f.type) == "array")
    for parts, f in _chosen_fields(body.fields, given, fill=True):
        value = given[f.name] if f.name in given else field_value(f, parts[-1], _at(example, parts))
        _insert(result, parts, value, arrays)
    return [result] if body.is_list else result


def form_pairs(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Flatten a body into form pairs the way form APIs expect: ``a[b]=1``, ``list[]=x``."""
    if isinstance(value, dict):
        pairs: list[tuple[str, Any]] = []
        for key, sub in value.items():
            pairs += form_pairs(sub, f"{prefix}[{key}]" if prefix else str(key))
        return pairs
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return [(f"{prefix}[]", form_scalar(v)) for v in value]
        return [p for i, v in enumerate(value) for p in form_pairs(v, f"{prefix}[{i}]")]
    return [(prefix or "body", form_scalar(value))]


def form_scalar(value: Any) -> Any:
    """Render a scalar for form encoding: booleans as ``true``/``false``, numbers kept, None as empty."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return value if isinstance(value, (int, float, str)) else str(value)


def graphql_value(name: str, type_text: str, schemas: dict[str, SchemaDef], depth: int = 3) -> Any:
    """Build a GraphQL variable value: input objects from their required fields, enums by their first value."""
    inner = re.sub(r"[\[\]!\s]", "", type_text or "")
    is_list = "[" in (type_text or "")
    schema = schemas.get(inner)
    if schema is None or depth <= 0:
        value = placeholder(name, inner)
    elif schema.enum:
        value = schema.enum[0]
    else:
        value = {f.name: graphql_value(f.name, f.type, schemas, depth - 1) for f in schema.fields
                 if f.required and not f.deprecated}
    return [value] if is_list else value
