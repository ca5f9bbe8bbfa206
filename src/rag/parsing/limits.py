"""Bounds on what a spec may expand to: loaded size with aliases resolved, nesting, operations, schemas, stored size.

Sizes are measured on the object graph with memoised per-object sizes, so a YAML alias counts as its full
expansion without the expansion ever being built.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from functools import cache
from typing import Any

from src.core.config import Settings
from src.core.errors import SpecError
from src.rag.types import SpecFormat

MB = 1024 * 1024
_HTTP_METHODS = frozenset(("get", "put", "post", "delete", "options", "head", "patch", "trace"))
_CONTAINERS = frozenset((dict, list, tuple))
_SEQUENCES = frozenset((list, tuple))
_SCALARS = frozenset((str, int, float, bool, type(None)))
_SCALAR_BYTES = 8  # a number, boolean or null, roughly as JSON writes it


@dataclass(frozen=True)
class SpecLimits:
    """The bounds one parse runs under; `from_settings` maps each to its `APIASSIST_` setting."""

    expanded_bytes: int = 100 * MB
    values: int = 5_000_000
    depth: int = 128
    operations: int = 20_000
    schemas: int = 50_000
    normalized_bytes: int = 200 * MB

    @classmethod
    def from_settings(cls, settings: Settings) -> SpecLimits:
        """Read the limits from the settings."""
        return cls(expanded_bytes=int(settings.max_spec_expanded_mb * MB), operations=settings.max_spec_operations,
                   schemas=settings.max_spec_schemas, normalized_bytes=int(settings.max_normalized_spec_mb * MB))


DEFAULT_LIMITS = SpecLimits()


def _refuse(name: str, what: str, setting: str, fix: str) -> SpecError:
    """Build the one-sentence refusal that names the bound and the setting that raises it."""
    return SpecError(f"{name}: {what} (the limit set by APIASSIST_{setting}); {fix} or raise that setting.")


def _mb(size: float) -> str:
    """Format a byte count in MB, with a decimal for small figures."""
    mb = size / MB
    return f"{mb:,.0f} MB" if mb >= 10 else f"{mb:.1f} MB"


def _text_bytes(text: str) -> int:
    """Return the UTF-8 size of a string without encoding the common ASCII case."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _scalar_bytes(value: Any) -> int:
    """Return the size a scalar adds to the expanded document."""
    if type(value) is str:
        return (len(value) if value.isascii() else _text_bytes(value)) + 2
    if isinstance(value, enum.Enum):
        return _scalar_bytes(value.value)
    return _SCALAR_BYTES


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    """Return the field names of a dataclass (looked up once per class)."""
    return tuple(f.name for f in dataclasses.fields(kind))


def _parts(node: Any) -> tuple[list[Any], int, int] | None:
    """Split a container into its container children, its item count and the bytes of its keys and scalars."""
    kind = type(node)
    if kind is dict or isinstance(node, dict):
        items = list(node.items())
    elif kind in _SEQUENCES or isinstance(node, (list, tuple)):
        items = [(None, v) for v in node]
    elif kind not in _SCALARS and hasattr(kind, "__dataclass_fields__"):
        items = [(name, getattr(node, name)) for name in _field_names(kind)]
    else:
        return None
    own = 2 + len(items)  # brackets and separators
    children = []
    for key, value in items:  # the hot loop of every check: the common types are tested inline
        if key is not None:
            own += (len(key) if type(key) is str and key.isascii() else _text_bytes(str(key))) + 3
        value_kind = type(value)
        if value_kind is str:
            own += (len(value) if value.isascii() else _text_bytes(value)) + 2
        elif value_kind in _CONTAINERS or (value_kind not in _SCALARS and hasattr(value_kind, "__dataclass_fields__")):
            children.append(value)
        else:
            own += _scalar_bytes(value)
    return children, len(items), own


def measure(name: str, doc: Any) -> tuple[int, int, int]:
    """Return (values, bytes, depth) of a document as if every shared object were copied out in full.

    Raises:
        SpecError: an object contains itself (a recursive YAML alias).
    """
    memo: dict[int, tuple[int, int, int]] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(doc, False)]
    parts: dict[int, tuple[list[Any], int, int]] = {}
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children, items, own = parts.pop(key)
            sizes = [memo[id(c)] for c in children]
            memo[key] = (1 + items + sum(s[0] for s in sizes), own + sum(s[1] for s in sizes),
                         1 + max((s[2] for s in sizes), default=0))
            continue
        if key in memo:
            continue
        if key in on_path:
            raise SpecError(f"{name}: a YAML alias refers to itself, which no API spec needs; remove the recursive alias.")
        split = _parts(node)
        if split is None:
            memo[key] = (1, _scalar_bytes(node), 0)
            continue
        on_path.add(key)
        parts[key] = split
        stack.append((node, True))
        stack.extend((c, False) for c in split[0] if id(c) not in memo)
    return memo[id(doc)]


def check_shape(name: str, doc: Any, limits: SpecLimits = DEFAULT_LIMITS) -> None:
    """Refuse a loaded document whose alias expansion or nesting would exhaust memory or recursion."""
    values, size, depth = measure(name, doc)
    if depth > limits.depth:
        raise SpecError(f"{name}: the document is nested more than {limits.depth} levels deep; upload a spec with sane nesting.")
    if values > limits.values:
        raise SpecError(f"{name}: the document expands to more than {limits.values:,} values once its aliases are "
                        "resolved (an alias bomb?); upload a spec without runaway YAML aliases.")
    if size > limits.expanded_bytes:
        raise _refuse(name, f"the document expands to {_mb(size)} once its YAML aliases are resolved, over "
                      f"the {_mb(limits.expanded_bytes)} limit", "MAX_SPEC_EXPANDED_MB",
                      "upload a spec without runaway aliases")


def check_counts(name: str, fmt: SpecFormat, data: Any, limits: SpecLimits = DEFAULT_LIMITS) -> None:
    """Refuse a loaded OpenAPI/Swagger/Postman document with too many operations or schemas, before parsing it."""
    if not isinstance(data, dict):
        return
    if fmt in (SpecFormat.OPENAPI_30, SpecFormat.OPENAPI_31, SpecFormat.SWAGGER_20):
        paths = data.get("paths")
        ops = sum(sum(1 for m in item if str(m).lower() in _HTTP_METHODS)
                  for item in (paths.values() if isinstance(paths, dict) else ()) if isinstance(item, dict))
        check_totals(name, ops, _schema_count(fmt, data), limits)
    elif fmt == SpecFormat.POSTMAN:
        check_totals(name, _postman_requests(data, limits), 0, limits)


def _schema_count(fmt: SpecFormat, data: dict[str, Any]) -> int:
    """Count the named schemas of an OpenAPI (`components.schemas`) or Swagger (`definitions`) document."""
    if fmt == SpecFormat.SWAGGER_20:
        holder = data.get("definitions")
    else:
        components = data.get("components")
        holder = components.get("schemas") if isinstance(components, dict) else None
    return len(holder) if isinstance(holder, dict) else 0


def _postman_requests(data: dict[str, Any], limits: SpecLimits) -> int:
    """Count the requests of a Postman collection, stopping once the count passes the limit.

    Aliased folders are walked as often as they are used, so the walk also stops after `limits.values`
    items; the expanded-size check that follows refuses such a document.
    """
    root = data.get("collection") if isinstance(data.get("collection"), dict) else data
    count, visited, stack = 0, 0, [root.get("item")]
    while stack and count <= limits.operations and visited <= limits.values:
        items = stack.pop()
        for item in items if isinstance(items, list) else ():
            visited += 1
            if isinstance(item, dict):
                count += "request" in item
                stack.append(item.get("item"))
    return count


def check_totals(name: str, operations: int, schemas: int, limits: SpecLimits = DEFAULT_LIMITS) -> None:
    """Refuse a spec with more operations or schemas than the limits allow."""
    if operations > limits.operations:
        raise _refuse(name, f"the spec has {operations:,} operations, over the limit of {limits.operations:,}",
                      "MAX_SPEC_OPERATIONS", "split it into smaller specs")
    if schemas > limits.schemas:
        raise _refuse(name, f"the spec has {schemas:,} schemas, over the limit of {limits.schemas:,}",
                      "MAX_SPEC_SCHEMAS", "split it into smaller specs")


def check_normalized(name: str, spec: Any, limits: SpecLimits = DEFAULT_LIMITS) -> None:
    """Refuse a parsed spec whose stored normalised form would exceed the limit (measured, never serialised)."""
    check_totals(name, len(spec.operations), len(spec.schemas), limits)
    _, size, _ = measure(name, spec)
    if size > limits.normalized_bytes:
        raise _refuse(name, f"its normalised form would take {_mb(size)}, over the "
                      f"{_mb(limits.normalized_bytes)} limit", "MAX_NORMALIZED_SPEC_MB",
                      "upload a smaller spec")
