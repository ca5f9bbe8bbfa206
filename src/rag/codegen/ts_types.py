"""TypeScript interfaces for a JSON request body and the main response fields, built from the spec's schemas."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from src.rag.codegen.quoting import js_str
from src.rag.codegen.values import base_type, item_type
from src.rag.types import SchemaField

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_SCALAR_TS = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean"}
_MAX_DEPTH = 4
_NONE = object()  # "no sample": a response type, where every declared requirement stands


@dataclass
class _Node:
    schema: SchemaField | None = None
    children: dict[str, _Node] = field(default_factory=dict)


def type_name(schema_name: str, fallback: str) -> str:
    """Turn a schema name into a PascalCase TypeScript identifier (``fallback`` when nothing is left)."""
    words = re.findall(r"[A-Za-z0-9]+", schema_name or "")
    name = "".join(w[:1].upper() + w[1:] for w in words)
    if not name or name[0].isdigit():
        return fallback
    return name


def _tree(fields: tuple[SchemaField, ...]) -> _Node:
    """Nest dotted fields (``customer.email``) where the prefix is itself a declared field."""
    declared = {f.name for f in fields}
    root = _Node()
    for f in fields:
        if f.deprecated:
            continue
        node, start = root, 0
        for i, ch in enumerate(f.name):
            if ch == "." and i > start and f.name[:i] in declared:
                node = node.children.setdefault(f.name[start:i], _Node())
                start = i + 1
        node.children.setdefault(f.name[start:], _Node()).schema = f
    return root


def _key(name: str) -> str:
    return name if _IDENT.match(name) else js_str(name)


def _inferred(value: Any, depth: int) -> str:
    """The TypeScript type of a sample value (used where the spec's type does not match the example)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        kinds = sorted({_inferred(v, depth + 1) for v in value}) or ["unknown"]
        inner = kinds[0] if len(kinds) == 1 else "(" + " | ".join(kinds) + ")"
        return inner + "[]" if re.fullmatch(r"[A-Za-z]+", inner) else f"Array<{inner}>"
    if isinstance(value, dict) and value and depth < _MAX_DEPTH:
        return _object(_Node(), value, depth + 1)
    return "Record<string, unknown>" if isinstance(value, dict) else "unknown"


def _fits(ts: str, value: Any) -> bool:
    if value is None:
        return True
    inferred = _inferred(value, _MAX_DEPTH)
    if ts in {"string", "number", "boolean"}:
        return inferred == ts
    if ts.endswith("[]") or ts.startswith("Array<"):
        return isinstance(value, list) and (not value or ts == "unknown[]" or _fits(_item(ts), value[0]))
    return isinstance(value, dict)


def _item(ts: str) -> str:
    return ts[:-2] if ts.endswith("[]") else ts[len("Array<"):-1]


def _declared(node: _Node, depth: int, sample: Any = _NONE) -> str:
    kind = base_type(node.schema.type) if node.schema else "object"
    if node.children and depth < _MAX_DEPTH:
        if kind == "array" and sample is not _NONE:
            sample = sample[0] if isinstance(sample, list) and sample else _NONE
        shape = _object(node, sample, depth + 1)
        return f"Array<{shape}>" if kind == "array" else shape
    if kind == "array":
        inner = _SCALAR_TS.get(base_type(item_type(node.schema.type) if node.schema else ""), "unknown")
        return inner + "[]"
    return _SCALAR_TS.get(kind, "Record<string, unknown>")


def _object(node: _Node, sample: Any, depth: int) -> str:
    """Render an object type: declared fields first, then keys only the sample has (optional)."""
    given = sample is not _NONE
    sample = sample if isinstance(sample, dict) else {}
    pad = "  " * depth
    lines = []
    for name, child in node.children.items():
        ts = _declared(child, depth, sample.get(name, _NONE))
        if name in sample and not _fits(ts, sample[name]):
            ts = _inferred(sample[name], depth)
        # A sample that leaves a declared-required field out must still type-check.
        required = bool(child.schema and child.schema.required) and (not given or name in sample)
        lines.append(f"{pad}{_key(name)}{'' if required else '?'}: {ts};")
    for name, value in sample.items():
        if name not in node.children:
            lines.append(f"{pad}{_key(name)}: {_inferred(value, depth)};")
    if not lines:
        return "Record<string, unknown>"
    return "{\n" + "\n".join(lines) + "\n" + "  " * (depth - 1) + "}"


def interface(name: str, fields: tuple[SchemaField, ...], sample: Any = _NONE) -> str:
    """Return ``interface Name {...}`` for the fields; a given sample value type-checks against it."""
    shape = _object(_tree(fields), sample, 1)
    if shape == "Record<string, unknown>":
        return f"type {name} = Record<string, unknown>;"
    return f"interface {name} {shape}"
