"""Keep request-body schemas as compact JSON Schema (2020-12) with shared definitions, for body generation.

The flattened `SchemaField`s lose what decides whether a body is valid (oneOf choices, array sizes,
string lengths), so each request body also keeps its schema: descriptions and extensions dropped,
OpenAPI 3.0 / Swagger dialect (``nullable``, boolean ``exclusiveMinimum``, ``type: file``) rewritten to
plain JSON Schema, and every ``$ref`` target stored once in a table the bodies point into
(``{"$ref": "#/$defs/<key>"}``), so recursive schemas stay finite and each target is kept once per API.
"""

from __future__ import annotations

import re
from typing import Any

from src.rag.parsing.refs import RefResolver

DEFS = "#/$defs/"
# Keywords copied as they are (values are plain data, not subschemas).
_PLAIN = ("type", "enum", "const", "format", "pattern", "minLength", "maxLength", "minimum", "maximum",
          "multipleOf", "minItems", "maxItems", "uniqueItems", "required", "minProperties", "maxProperties",
          "readOnly", "deprecated", "default", "dependentRequired")
# Keywords whose value is one subschema, or a list or mapping of subschemas.
_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_MANY = ("allOf", "oneOf", "anyOf", "prefixItems")
_MAP = ("properties", "patternProperties")
_KEY_JUNK = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_DEFS = 20000


class ValueSchemas:
    """Compacts schema nodes of one document; `defs` collects every referenced schema once."""

    def __init__(self, resolver: RefResolver) -> None:
        self.resolver = resolver
        self.defs: dict[str, Any] = {}
        self._keys: dict[int, str] = {}

    def compact(self, node: Any, file: str) -> Any:
        """Return the compact form of a schema node (refs become pointers into `defs`)."""
        return self._node(node, file, frozenset())

    def swagger_form(self, params: list[tuple[dict[str, Any], str]]) -> dict[str, Any]:
        """Describe Swagger 2 ``formData`` parameters as one object schema."""
        props = {str(p.get("name")): self._node({k: v for k, v in p.items() if k not in {"name", "in", "required"}},
                                                f, frozenset()) for p, f in params}
        required = [str(p.get("name")) for p, _ in params if p.get("required") is True]
        return {"type": "object", "properties": props, **({"required": required} if required else {})}

    def _node(self, node: Any, file: str, stack: frozenset[int]) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            return {}
        if RefResolver.is_ref(node):
            return self._ref(node, file)
        if id(node) in stack:  # a YAML alias cycle without a $ref
            return {}
        return self._body(node, file, stack | {id(node)})

    def _ref(self, node: dict[str, Any], file: str) -> Any:
        target, tfile = self.resolver.deref(node, file)
        if not isinstance(target, (dict, bool)) or RefResolver.is_ref(target):
            return {}  # unresolvable: anything goes
        if isinstance(target, bool):
            return target
        key = self._keys.get(id(target))
        if key is None:
            if len(self.defs) >= MAX_DEFS:
                return {}
            base = _KEY_JUNK.sub("_", self.resolver.ref_name(node) or "schema")[:80] or "schema"
            key, n = base, 2
            while key in self.defs:
                key, n = f"{base}.{n}", n + 1
            self._keys[id(target)] = key
            self.defs[key] = {}  # placeholder first: a schema that refers to itself finds its key
            self.defs[key] = self._body(target, tfile, frozenset({id(target)}))
        return {"$ref": DEFS + key}

    def _body(self, node: dict[str, Any], file: str, stack: frozenset[int]) -> dict[str, Any]:
        out: dict[str, Any] = {k: node[k] for k in _PLAIN if k in node}
        for key in _ONE:
            if isinstance(node.get(key), (dict, bool)):
                out[key] = self._node(node[key], file, stack)
        if isinstance(node.get("items"), list):  # draft 4 tuple form
            out["prefixItems"] = [self._node(n, file, stack) for n in node["items"]]
            out.pop("items", None)
        for key in _MANY:
            if isinstance(node.get(key), list):
                out[key] = [self._node(n, file, stack) for n in node[key]]
        for key in _MAP:
            if isinstance(node.get(key), dict):
                out[key] = {str(k): self._node(v, file, stack) if isinstance(v, (dict, bool)) else {}
                            for k, v in node[key].items()}
        examples = node.get("examples")
        if node.get("example") is not None:
            out["examples"] = [node["example"]]
        elif isinstance(examples, list) and examples:
            out["examples"] = examples[:1]
        if isinstance(node.get("discriminator"), dict):
            out["discriminator"] = self._discriminator(node["discriminator"], file)
        self._dialect(node, out)
        return out

    def _discriminator(self, disc: dict[str, Any], file: str) -> dict[str, Any]:
        """Keep the discriminator's property and its mapping, targets as pointers into `defs`."""
        mapping = {}
        for value, ref in (disc.get("mapping") or {}).items() if isinstance(disc.get("mapping"), dict) else ():
            if isinstance(ref, str):
                named = "#" in ref or "/" in ref or ref.endswith((".json", ".yaml", ".yml"))
                text = ref if named else "#/components/schemas/" + ref
                mapped = self._ref({"$ref": text}, file)
                if mapped.get("$ref") if isinstance(mapped, dict) else None:
                    mapping[str(value)] = mapped["$ref"]
        return {"propertyName": str(disc.get("propertyName", "")), "mapping": mapping}

    def _dialect(self, node: dict[str, Any], out: dict[str, Any]) -> None:
        """Rewrite OpenAPI 3.0 / Swagger 2 keywords into their JSON Schema 2020-12 meaning."""
        if out.get("type") == "file":
            out["type"], out["format"] = "string", "binary"
        if isinstance(out.get("required"), list):
            out["required"] = [r for r in out["required"] if isinstance(r, str)]
        elif "required" in out:
            del out["required"]
        if node.get("nullable") is True and isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            value = node.get(bound)
            if isinstance(value, bool):  # draft 4: a flag on minimum/maximum
                if value and limit in out:
                    out[bound] = out.pop(limit)
            elif isinstance(value, (int, float)):
                out[bound] = value
