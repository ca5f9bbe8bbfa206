"""Read JSON Schema / OpenAPI schema objects into type strings, flattened fields and examples."""

from __future__ import annotations

import dataclasses
from typing import Any

from src.rag.parsing.inferred import value_type
from src.rag.parsing.refs import RefResolver
from src.rag.types import SchemaDef, SchemaField

MAX_FIELDS = 200
_TYPE_DEPTH = 3
_EXAMPLE_DEPTH = 4
_SCALARS = (str, int, float, bool)


@dataclasses.dataclass
class Merged:
    """A schema with `allOf` parts merged: properties keep the file they were written in."""

    node: dict[str, Any]
    file: str
    props: dict[str, tuple[Any, str]]
    required: set[str]
    type: str


def _text(value: Any) -> str:
    """Return a string value, or '' for anything that is not a string."""
    return value.strip() if isinstance(value, str) else ""


def _enum(node: dict[str, Any]) -> tuple[str, ...]:
    """Return enum (or const) values as strings."""
    values = node.get("enum")
    if isinstance(values, list):
        return tuple(str(v) for v in values[:100] if isinstance(v, (*_SCALARS, type(None))))
    if "const" in node and isinstance(node["const"], _SCALARS):
        return (str(node["const"]),)
    return ()


class SchemaReader:
    """Turn schema nodes into our dataclasses lazily, with memoisation and depth limits."""

    def __init__(self, resolver: RefResolver) -> None:
        self.resolver = resolver
        self._merged: dict[int, Merged] = {}
        self._fields: dict[tuple[int, int], tuple[SchemaField, ...]] = {}
        self._types: dict[tuple[int, int], str] = {}
        self._examples: dict[int, Any] = {}
        self._paths: dict[tuple[int, int, str], tuple[tuple[str, str], ...]] = {}

    def resolve(self, node: Any, file: str) -> tuple[Any, str]:
        """Follow refs to a schema node."""
        return self.resolver.deref(node, file)

    def merged(self, node: Any, file: str, _stack: frozenset[int] = frozenset()) -> Merged:
        """Merge `allOf` parts (refs followed) into one view; cycles stop the merge."""
        node, file = self.resolve(node, file)
        if not isinstance(node, dict):
            return Merged({}, file, {}, set(), "any")
        cached = self._merged.get(id(node))
        if cached is not None:
            return cached
        props = {k: (v, file) for k, v in _props(node).items()}
        required = {r for r in node.get("required", []) if isinstance(r, str)} if isinstance(node.get("required"), list) else set()
        kind = self._own_type(node)
        parts = node.get("allOf") if isinstance(node.get("allOf"), list) else []
        for part in parts[:20]:
            target, _ = self.resolve(part, file)
            if id(target) in _stack or target is node:
                continue
            sub = self.merged(part, file, _stack | {id(node)})
            props = {**sub.props, **props}
            required |= sub.required
            kind = kind if kind != "any" else sub.type
        if kind == "any" and props:
            kind = "object"
        result = Merged(node, file, props, required, kind)
        self._merged[id(node)] = result
        return result

    def _own_type(self, node: dict[str, Any]) -> str:
        """Return the declared type of a schema node without following children."""
        declared = node.get("type")
        if isinstance(declared, list):
            names = [str(t) for t in declared if t != "null" and isinstance(t, str)]
            base = "|".join(names) or "null"
            return base + ("|null" if "null" in declared and names else "")
        if isinstance(declared, str):
            return declared + ("|null" if node.get("nullable") is True else "")
        if "const" in node:
            return value_type(node["const"])
        if isinstance(node.get("enum"), list) and node["enum"]:
            return value_type(node["enum"][0])
        if "properties" in node or "additionalProperties" in node:
            return "object"
        if "items" in node:
            return "array"
        return "any"

    def type_of(self, node: Any, file: str, depth: int = _TYPE_DEPTH) -> str:
        """Return a compact type string such as `string`, `array<string>`, `string|null`, `a|b`."""
        target, tfile = self.resolve(node, file)
        if not isinstance(target, dict):
            return "any"
        if RefResolver.is_ref(target):
            return self.resolver.ref_name(target) or "object"
        key = (id(target), depth)
        if key not in self._types:
            self._types[key] = self._compute_type(target, tfile, depth)
        return self._types[key]

    def _compute_type(self, node: dict[str, Any], file: str, depth: int) -> str:
        """Compute the type string of a resolved schema node."""
        alts = self.alternative_nodes(node)
        if alts and "type" not in node and "properties" not in node:
            names = [self._alt_name(a, file, depth) for a in alts]
            return "|".join(dict.fromkeys(n for n in names if n)) or "any"
        kind = self.merged(node, file).type
        if kind.startswith("array") and depth > 0:
            items = node.get("items")
            inner = self.type_of(items, file, depth - 1) if isinstance(items, dict) else "any"
            return f"array<{inner}>" + kind[len("array"):]
        return kind

    def _alt_name(self, alt: Any, file: str, depth: int) -> str:
        """Name one alternative: its ref name when it has one, else its type."""
        name = self.resolver.ref_name(alt)
        if name:
            return name
        return self.type_of(alt, file, depth - 1) if depth > 0 else "object"

    @staticmethod
    def alternative_nodes(node: dict[str, Any]) -> list[Any]:
        """Return the `oneOf`/`anyOf` alternatives of a node."""
        for key in ("oneOf", "anyOf"):
            if isinstance(node.get(key), list):
                return [a for a in node[key][:50] if isinstance(a, dict)]
        return []

    def fields(self, node: Any, file: str, depth: int = 3, limit: int = MAX_FIELDS) -> tuple[SchemaField, ...]:
        """Flatten a schema into dotted fields, `depth` levels deep, at most `limit` fields."""
        return self._flatten(node, file, depth, frozenset())[:limit]

    def _flatten(self, node: Any, file: str, depth: int, stack: frozenset[int]) -> tuple[SchemaField, ...]:
        """Flatten with memoisation per (node, depth); `stack` holds schemas being expanded (cycles)."""
        target, tfile = self.resolve(node, file)
        if not isinstance(target, dict) or depth <= 0 or id(target) in stack:
            return ()
        key = (id(target), depth)
        if key in self._fields:
            return self._fields[key]
        inner = stack | {id(target)}
        body = self._body_schema(target, tfile)
        if body is not target:
            result = self._flatten(body[0], body[1], depth, inner)
        else:
            result = self._object_fields(target, tfile, depth, inner)
        self._fields[key] = result
        return result

    def _body_schema(self, node: dict[str, Any], file: str) -> Any:
        """Return the schema whose properties describe a value: items of arrays, the object alternative."""
        if self._own_type(node).startswith("array") and isinstance(node.get("items"), dict):
            return node["items"], file
        alts = [a for a in self.alternative_nodes(node) if self.merged(a, file).props]
        if alts and not _props(node) and not node.get("allOf"):
            return alts[0], file
        return node

    def _object_fields(self, node: dict[str, Any], file: str, depth: int, stack: frozenset[int]) -> tuple[SchemaField, ...]:
        """Build the fields of an object schema, descending into nested objects."""
        merged = self.merged(node, file)
        out: list[SchemaField] = []
        for name, (prop, pfile) in merged.props.items():
            if len(out) >= MAX_FIELDS:
                break
            out.append(self.field(name, prop, pfile, name in merged.required))
            target, tfile = self.resolve(prop, pfile)
            if depth > 1 and isinstance(target, dict) and id(target) not in stack:
                for child in self._flatten(target, tfile, depth - 1, stack):
                    out.append(dataclasses.replace(child, name=f"{name}.{child.name}"))
        return tuple(out[:MAX_FIELDS])

    def leaf_paths(self, node: Any, file: str, depth: int = 4, owner: str = "", _named: bool = True,
                   _stack: frozenset[int] = frozenset()) -> tuple[tuple[str, str], ...]:
        """Return (path, owning schema name) for the scalar fields of a value, arrays marked ``[]``.

        ``tracks.items[].uri`` says where a value sits in a response; the schema name says what owns it.
        Only the value itself and array items take their own schema's name: a nested part (a Kubernetes
        ``metadata``) belongs to the object around it.
        """
        if _named and isinstance(node, dict):
            owner = self.resolver.ref_name(node) or owner
        target, tfile = self.resolve(node, file)
        if not isinstance(target, dict) or depth <= 0 or id(target) in _stack:
            return ()
        key = (id(target), depth, owner)
        if key in self._paths:
            return self._paths[key]
        stack = _stack | {id(target)}
        body = self._body_schema(target, tfile)
        if body is not target:
            mark = "[]" if self._own_type(target).startswith("array") else ""
            result = tuple((mark + ("." if p and not p.startswith("[") and mark else "") + p, o)
                           for p, o in self.leaf_paths(body[0], body[1], depth, owner, True, stack))
        else:
            out: list[tuple[str, str]] = []
            for name, (prop, pfile) in self.merged(target, tfile).props.items():
                sub = self.leaf_paths(prop, pfile, depth - 1, owner, False, stack)
                if sub:
                    out += [(name + p if p.startswith("[") else f"{name}.{p}", o) for p, o in sub]
                elif not self.type_of(prop, pfile).startswith(("object", "array<object")):
                    out.append((name, owner))
                if len(out) >= MAX_FIELDS:
                    break
            result = tuple(out[:MAX_FIELDS])
        self._paths[key] = result
        return result

    def field(self, name: str, node: Any, file: str, required: bool) -> SchemaField:
        """Describe one property as a `SchemaField`."""
        target, tfile = self.resolve(node, file)
        local = node if isinstance(node, dict) else {}
        target = target if isinstance(target, dict) else {}
        return SchemaField(
            name=name,
            type=self.type_of(node, file),
            required=required,
            description=_text(local.get("description")) or _text(target.get("description")),
            enum=_enum(target) or self._alternative_enum(target, tfile),
            default=_scalar_or_none(target.get("default")),
            example=self.example(node, file),
            deprecated=bool(local.get("deprecated") or target.get("deprecated")),
            read_only=bool(local.get("readOnly") or target.get("readOnly")),
            format=_text(target.get("format")) or ("binary" if target.get("type") == "file" else ""),
            pattern=self._constraint(target, tfile, "pattern")[:200],
            minimum=_number(target.get("minimum")),
        )

    def _constraint(self, node: dict[str, Any], file: str, key: str) -> str:
        """Return a string constraint of a value, of its array items, or of its first alternative that has one."""
        for candidate in [node, node.get("items"), *self.alternative_nodes(node)]:
            target, _ = self.resolve(candidate, file)
            if isinstance(target, dict) and _text(target.get(key)):
                return _text(target.get(key))
        return ""

    def _alternative_enum(self, node: dict[str, Any], file: str) -> tuple[str, ...]:
        """Return the enum of the first `anyOf`/`oneOf` alternative that has one (``anyOf: [Effort, null]``)."""
        for alt in self.alternative_nodes(node):
            target, _ = self.resolve(alt, file)
            if isinstance(target, dict) and _enum(target):
                return _enum(target)
        return ()

    def example(self, node: Any, file: str, depth: int = _EXAMPLE_DEPTH, _stack: frozenset[int] = frozenset()) -> Any:
        """Build an example value from `example`/`examples`/`default`/`const`, or None."""
        target, tfile = self.resolve(node, file)
        if not isinstance(target, dict) or depth <= 0 or id(target) in _stack:
            return None
        if id(target) in self._examples:
            return self._examples[id(target)]
        result = _own_example(target)
        if result is None:
            result = self._built_example(target, tfile, depth, _stack | {id(target)})
        self._examples[id(target)] = result
        return result

    def _built_example(self, node: dict[str, Any], file: str, depth: int, stack: frozenset[int]) -> Any:
        """Compose an example for an object or array from its parts' examples."""
        merged = self.merged(node, file)
        if merged.type.startswith("array") and isinstance(node.get("items"), dict):
            item = self.example(node["items"], file, depth - 1, stack)
            return None if item is None else [item]
        built = {}
        for name, (prop, pfile) in list(merged.props.items())[:MAX_FIELDS]:
            value = self.example(prop, pfile, depth - 1, stack)
            if value is not None:
                built[name] = value
        return built or None

    def schema_def(self, name: str, node: Any, file: str, ptr: str) -> SchemaDef:
        """Describe a named schema."""
        target, tfile = self.resolve(node, file)
        target = target if isinstance(target, dict) else {}
        alts = tuple(dict.fromkeys(self._alt_name(a, tfile, 1) for a in self.alternative_nodes(target)))
        return SchemaDef(
            name=name,
            description=_text(target.get("description")) or _text(target.get("title")),
            type=self.type_of(node, file),
            fields=self.fields(node, file, depth=2),
            alternatives=tuple(a for a in alts if a),
            enum=_enum(target),
            pointer=ptr,
        )


def _props(node: dict[str, Any]) -> dict[str, Any]:
    """Return the `properties` mapping of a node, or an empty one."""
    props = node.get("properties")
    return props if isinstance(props, dict) else {}


def _number(value: Any) -> float | None:
    """Return a numeric bound, or None."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _scalar_or_none(value: Any) -> Any:
    """Keep JSON-able defaults; drop anything exotic."""
    return value if isinstance(value, (*_SCALARS, list, dict, type(None))) else str(value)


def _own_example(node: dict[str, Any]) -> Any:
    """Return the example a schema states itself, if any."""
    if "example" in node and node["example"] is not None:
        return node["example"]
    examples = node.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    for key in ("default", "const"):
        if key in node and node[key] is not None:
            return node[key]
    if isinstance(node.get("enum"), list) and node["enum"] and node["enum"][0] is not None:
        return node["enum"][0]
    return None
