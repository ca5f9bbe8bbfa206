"""Describe fields from example values when a format has examples but no schema (Postman, GraphQL variables)."""

from __future__ import annotations

from typing import Any

from src.rag.types import SchemaField

MAX_FIELDS = 150


def value_type(value: Any) -> str:
    """Return the JSON type name of an example value (`array<string>` for lists)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if value is None:
        return "null"
    if isinstance(value, list):
        return f"array<{value_type(value[0])}>" if value else "array"
    return "object" if isinstance(value, dict) else "string"


def fields_from_value(value: Any, depth: int = 3, prefix: str = "") -> tuple[SchemaField, ...]:
    """Flatten an example object into dotted fields (lists describe their first item)."""
    if isinstance(value, list):
        return fields_from_value(value[0], depth, prefix) if value else ()
    if not isinstance(value, dict) or depth <= 0:
        return ()
    out: list[SchemaField] = []
    for key, item in list(value.items())[:MAX_FIELDS]:
        name = f"{prefix}{key}"
        scalar = item if not isinstance(item, (dict, list)) else None
        out.append(SchemaField(name=name, type=value_type(item), example=scalar))
        out.extend(fields_from_value(item, depth - 1, name + "."))
    return tuple(out[:MAX_FIELDS])
