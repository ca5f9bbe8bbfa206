"""Build a request body from its JSON Schema so that it validates: one fitting oneOf/anyOf branch, allOf merged.

Objects send their required fields (never read-only ones) and the user's values; arrays honour
minItems/maxItems/uniqueItems; strings their length, pattern and format; numbers their bounds and
multipleOf; enum and const are kept. Spec examples are used only where they validate.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

from src.rag.codegen.regex_sample import regex_sample
from src.rag.codegen.schema_check import SchemaCheck
from src.rag.parsing.inferred import value_type

DEFS = "#/$defs/"
MAX_DEPTH = 12
# Alternative combinations tried per schema node before settling for the first one built.
MAX_OPTIONS = 16
MAX_BRANCHES = 12
_COMBINERS = ("allOf", "oneOf", "anyOf", "discriminator")
_KIND_ORDER = ("object", "array", "string", "integer", "number", "boolean", "null")
# The type a schema without `type` means, told by its keywords.
_IMPLIED = (("object", {"properties", "required", "additionalProperties", "minProperties"}),
            ("array", {"items", "prefixItems", "minItems", "maxItems"}),
            ("string", {"pattern", "minLength", "maxLength", "format"}),
            ("number", {"minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum"}))
_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z", "datetime": "2024-01-01T00:00:00Z", "date": "2024-01-01",
    "time": "12:00:00", "email": "user@example.com", "idn-email": "user@example.com",
    "uuid": "00000000-0000-0000-0000-000000000000", "uri": "https://example.com", "url": "https://example.com",
    "iri": "https://example.com", "uri-reference": "https://example.com", "hostname": "example.com",
    "ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "duration": "PT1H",
}


class _Missing:
    """Marks "no value": None is a real JSON value (null)."""


MISSING: Any = _Missing()


def schema_body(schema: Any, defs: dict[str, Any], given: Mapping[str, Any] | None = None, example: Any = None,
                fill: int = 3) -> Any:
    """Return a body for ``schema`` (compact JSON Schema, refs into ``defs``) that validates where it can.

    Args:
        schema: the request body's schema.
        defs: the API's shared schema table.
        given: the user's values by top-level field name; they win over generated ones.
        example: the spec's example body; its parts are used where they fit their own schema.
        fill: how many optional top-level fields to show when none is required and none is given.
    """
    value = _Generator(SchemaCheck(defs), fill).value(schema, "body", example, 0, 0, dict(given or {}))
    return None if value is MISSING else value


def _json_kind(value: Any) -> str:
    """Return the JSON type of a value (``array`` for any list)."""
    return value_type(value).split("<", 1)[0]


class _Generator:
    """One body's generation: the validators and the top-level fill rule."""

    def __init__(self, check: SchemaCheck, fill: int) -> None:
        self.check = check
        self.fill = fill

    def resolve(self, node: Any) -> Any:
        """Follow ``#/$defs/`` pointers to the schema they name."""
        for _ in range(32):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(ref, str) or not ref.startswith(DEFS):
                return node
            node = self.check.defs.get(ref[len(DEFS):], {})
        return {}

    def value(self, node: Any, name: str, hint: Any, depth: int, variant: int,
              given: dict[str, Any] | None = None) -> Any:
        """Return a value for ``node``: the first alternative combination whose value validates."""
        if depth > MAX_DEPTH:
            return MISSING
        target = self.resolve(node)
        if target is False:
            return MISSING
        first = MISSING
        for parts, forced in itertools.islice(self._options(target, hint, frozenset()), MAX_OPTIONS):
            built = self._from_parts(parts, forced, name, hint, depth, variant, given)
            if first is MISSING:
                first = built
            if built is not MISSING and self.check.valid(built, node):
                return built
        return first

    # -- alternatives -------------------------------------------------------------------------------------

    def _options(self, node: Any, hint: Any, stack: frozenset[int], context: tuple[dict, ...] = ()
                 ) -> Iterator[tuple[list[dict], dict]]:
        """Yield flat constraint lists (allOf merged, one branch per oneOf/anyOf) with forced property values.

        ``context`` holds the constraints already met on the way (a parent's enum), so branches that
        contradict them are tried last.
        """
        node = self.resolve(node)
        if not isinstance(node, dict) or id(node) in stack:
            yield [], {}
            return
        stack = stack | {id(node)}
        own = {k: v for k, v in node.items() if k not in _COMBINERS}
        context = (*context, own)
        factors: list[list[tuple[list[dict], dict]]] = []
        for part in node.get("allOf", []) if isinstance(node.get("allOf"), list) else []:
            factors.append(list(itertools.islice(self._options(part, hint, stack, context), MAX_OPTIONS)))
        for key in ("oneOf", "anyOf"):
            if isinstance(node.get(key), list) and node[key]:
                factors.append(self._branches(node, node[key], hint, stack, context))
        for combo in itertools.islice(itertools.product(*factors), MAX_OPTIONS):
            parts, forced = [own], {}
            for sub_parts, sub_forced in combo:
                parts += sub_parts
                forced = {**sub_forced, **forced}
            yield parts, forced

    def _branches(self, node: dict, branches: list, hint: Any, stack: frozenset[int],
                  context: tuple[dict, ...]) -> list[tuple[list[dict], dict]]:
        """Return the flat options of each branch: ones that fit the example and the context first, null last."""
        disc = node.get("discriminator") if isinstance(node.get("discriminator"), dict) else {}
        by_ref: dict[str, Any] = {}
        for value, ref in (disc.get("mapping") or {}).items():
            by_ref.setdefault(ref, value)
        ranked = []
        for n, branch in enumerate(branches):
            target = self.resolve(branch)
            target = target if isinstance(target, dict) else {}
            is_null = target.get("type") == "null"
            fits = hint is not None and self.check.valid(hint, branch)
            ranked.append((is_null or not self._compatible(target, context), not fits, n, branch))
        out = []
        for *_, branch in sorted(ranked, key=lambda r: r[:3])[:MAX_BRANCHES]:
            ref = branch.get("$ref") if isinstance(branch, dict) else None
            forced = {disc["propertyName"]: by_ref[ref]} if disc.get("propertyName") and ref in by_ref else {}
            for parts, sub_forced in itertools.islice(self._options(branch, hint, stack, context), 4):
                out.append((parts, {**sub_forced, **forced}))
        return out

    def _compatible(self, target: dict, context: tuple[dict, ...]) -> bool:
        """Tell whether a branch's fixed values (const, enum) can meet the constraints around it."""
        values = [target["const"]] if "const" in target else target.get("enum") if isinstance(target.get("enum"), list) else None
        if values is None:
            return True
        return any(self._fits(v, list(context)) for v in values[:50])

    # -- one flat option ----------------------------------------------------------------------------------

    def _from_parts(self, parts: list[dict], forced: dict, name: str, hint: Any, depth: int, variant: int,
                    given: dict[str, Any] | None) -> Any:
        consts = [p["const"] for p in parts if "const" in p]
        if consts:
            return consts[0] if self._fits(consts[0], parts) else MISSING
        enum = self._enum(parts)
        if enum is not None:
            return self._pick_enum(enum, parts, hint, variant)
        kind = self._kind(parts, hint, given)
        if kind == "object":
            return self._object(parts, forced, name, hint, depth, given)
        if kind == "array":
            return self._array(parts, name, hint, depth, variant, given)
        if kind is None:
            return hint if hint is not None else f"<{name}>"
        return self._scalar(kind, parts, name, hint, variant)

    @staticmethod
    def _enum(parts: list[dict]) -> list[Any] | None:
        lists = [p["enum"] for p in parts if isinstance(p.get("enum"), list)]
        if not lists:
            return None
        keys = [{json.dumps(v, sort_keys=True) for v in lst} for lst in lists[1:]]
        return [v for v in lists[0] if all(json.dumps(v, sort_keys=True) in k for k in keys)]

    def _pick_enum(self, enum: list[Any], parts: list[dict], hint: Any, variant: int) -> Any:
        for candidate in (hint, *self._hints(parts)):
            if candidate is not None and candidate in enum:
                return candidate
        usable = [v for v in enum if v is not None] or enum
        return usable[variant % len(usable)] if usable else MISSING

    @staticmethod
    def _hints(parts: list[dict]) -> list[Any]:
        """Return the parts' own examples and defaults, in that order."""
        out = [p["examples"][0] for p in parts if isinstance(p.get("examples"), list) and p["examples"]]
        return out + [p["default"] for p in parts if p.get("default") is not None]

    @staticmethod
    def _kind(parts: list[dict], hint: Any, given: dict | None) -> str | None:
        """Return the JSON type to build: declared types intersected, else the one the keywords imply."""
        allowed: set[str] | None = None
        declared_integer = False
        for part in parts:
            declared = part.get("type")
            declared = [declared] if isinstance(declared, str) else declared
            if isinstance(declared, list):
                kinds = {str(t) for t in declared}
                declared_integer = declared_integer or "integer" in kinds
                kinds |= {"integer"} if "number" in kinds else set()  # every integer is a number
                allowed = kinds if allowed is None else allowed & kinds
        if allowed is None:
            keys = set().union(*parts) if parts else set()
            allowed = {kind for kind, words in _IMPLIED if keys & words}
            if not allowed:
                return "object" if given else None if hint is None else _json_kind(hint)
        if "number" in allowed and not declared_integer:
            allowed.discard("integer")
        if given and "object" in allowed:
            return "object"
        if hint is not None and _json_kind(hint) in allowed:
            return _json_kind(hint)
        return next((k for k in _KIND_ORDER if k in allowed), None)

    def _object(self, parts: list[dict], forced: dict, name: str, hint: Any, depth: int,
                given: dict[str, Any] | None) -> Any:
        props: dict[str, list[Any]] = {}
        required: list[str] = []
        closed = False
        min_props = 0
        for part in parts:
            for key, sub in (part.get("properties") or {}).items():
                props.setdefault(key, []).append(sub)
            required += [r for r in part.get("required", []) if r not in required]
            closed = closed or part.get("additionalProperties") is False
            min_props = max(min_props, int(part.get("minProperties") or 0))
        skip = {k for k, subs in props.items() if any(self._flag(s, "readOnly") for s in subs)}
        given = given or {}
        hint = hint if isinstance(hint, dict) else {}
        keys = [k for k in required if k not in skip]
        keys += [k for k in given if k not in keys and k not in skip and (k in props or not closed)]
        keys += [k for k in forced if k not in keys]
        optional = [k for k in props if k not in keys and k not in skip
                    and not any(self._flag(s, "deprecated") for s in props[k])]
        if depth == 0 and not required and not given and self.fill:
            keys += self._fill(optional, props, hint)[:self.fill]
        keys += optional[:max(0, min_props - len(keys))]
        if not props and not keys and hint and self._free_form(parts):
            return hint  # a free-form map (metadata, labels): the spec's own example shows its shape
        out: dict[str, Any] = {}
        for key in keys:
            schema = props[key][0] if len(props.get(key, ())) == 1 else {"allOf": props.get(key, [])}
            if key in forced:
                out[key] = forced[key]
            elif key in given:
                out[key] = self._coerce(given[key], schema)
            else:
                value = self.value(schema, key, hint.get(key), depth + 1, 0)
                # An optional field is sent only with a value it accepts (some declare an empty enum).
                if value is not MISSING and (key in required or self.check.valid(value, schema)):
                    out[key] = value
        return out

    def _fill(self, optional: list[str], props: dict[str, list[Any]], hint: dict) -> list[str]:
        """Order optional fields to show: ones with an example first, then plain scalar ones."""
        def has_hint(key: str) -> bool:
            return key in hint or any(self._hints([self.resolve(s)]) for s in props[key])

        def scalar(key: str) -> bool:
            return any(_types(self.resolve(s)) & {"string", "integer", "number", "boolean"} for s in props[key])
        return [k for k in optional if has_hint(k)] + [k for k in optional if not has_hint(k) and scalar(k)]

    def _free_form(self, parts: list[dict]) -> bool:
        return all(not p.get("properties") for p in parts)

    def _flag(self, node: Any, key: str) -> bool:
        target = self.resolve(node)
        return isinstance(target, dict) and target.get(key) is True

    def _coerce(self, value: Any, schema: Any) -> Any:
        """Fit a user's value to the field's shape: one item into a list, digits into a number."""
        kinds = _types(self.resolve(schema))
        if "array" in kinds and not isinstance(value, list):
            return [value]
        if isinstance(value, str) and kinds & {"integer", "number"}:
            try:
                return int(value) if "integer" in kinds else float(value)
            except ValueError:
                return value
        return value

    def _array(self, parts: list[dict], name: str, hint: Any, depth: int, variant: int,
               given: dict[str, Any] | None) -> Any:
        items = [p["items"] for p in parts if isinstance(p.get("items"), (dict, bool))]
        prefix = next((p["prefixItems"] for p in parts if isinstance(p.get("prefixItems"), list)), [])
        low = max([int(p.get("minItems") or 0) for p in parts] + [0])
        highs = [int(p["maxItems"]) for p in parts if isinstance(p.get("maxItems"), (int, float))]
        count = max(low, 1, len(prefix) if low else 0)
        count = min(count, min(highs)) if highs else count
        unique = any(p.get("uniqueItems") is True for p in parts)
        hints = hint if isinstance(hint, list) and hint else [None]
        item_schema: Any = items[0] if len(items) == 1 else {"allOf": items} if items else {}
        out: list[Any] = []
        for n in range(count):
            schema = prefix[n] if n < len(prefix) else item_schema
            item = MISSING
            for attempt in range(6 if unique else 1):
                item = self.value(schema, name, hints[min(n, len(hints) - 1)] if attempt == 0 else None,
                                  depth + 1, variant + n + attempt * count, given if n == 0 and depth == 0 else None)
                if not unique or item not in out:
                    break
            if item is MISSING:
                break
            out.append(item)
        return out

    def _scalar(self, kind: str, parts: list[dict], name: str, hint: Any, variant: int) -> Any:
        own = [h for h in self._hints(parts) if h is not None]
        for candidate in ([hint] if variant == 0 else []) + (own if variant == 0 else []):
            if candidate is not None and _json_kind(candidate) in ({kind, "integer"} if kind == "number" else {kind}) \
                    and self._fits(candidate, parts):
                return candidate
        if kind == "string":
            return self._string(parts, name, variant)
        if kind in {"integer", "number"}:
            return self._number(kind, parts, variant)
        if kind == "boolean":
            return variant % 2 == 0
        return None

    def _fits(self, value: Any, parts: list[dict]) -> bool:
        return all(self.check.valid(value, p) for p in parts)

    def _string(self, parts: list[dict], name: str, variant: int) -> str:
        low = max([int(p.get("minLength") or 0) for p in parts] + [0])
        highs = [int(p["maxLength"]) for p in parts if isinstance(p.get("maxLength"), (int, float))]
        fmt = next((str(p["format"]) for p in parts if p.get("format")), "")
        candidates: list[str] = []
        for pattern in [p["pattern"] for p in parts if isinstance(p.get("pattern"), str)]:
            built = regex_sample(pattern, variant, low)
            if built is not None:
                candidates.append(built)
        if fmt in {"binary", "byte"}:
            candidates.append(f"<{name} file contents>")
        if fmt in _FORMATS:
            candidates.append(_vary(_FORMATS[fmt], variant))
        label = f"<{name}>" if variant == 0 else f"<{name}-{variant + 1}>"
        candidates.append(label)
        high = min(highs) if highs else None
        for text in candidates:
            sized = _sized(text, low, high)
            if self._fits(sized, parts):
                return sized
        return _sized(candidates[0], low, high)

    def _number(self, kind: str, parts: list[dict], variant: int) -> Any:
        integer = kind == "integer"
        lows = [float(p["minimum"]) for p in parts if _is_num(p.get("minimum"))]
        lows += [float(p["exclusiveMinimum"]) + (1 if integer else 0.5) for p in parts if _is_num(p.get("exclusiveMinimum"))]
        highs = [float(p["maximum"]) for p in parts if _is_num(p.get("maximum"))]
        highs += [float(p["exclusiveMaximum"]) - (1 if integer else 0.5) for p in parts if _is_num(p.get("exclusiveMaximum"))]
        steps = [float(p["multipleOf"]) for p in parts if _is_num(p.get("multipleOf")) and p["multipleOf"] > 0]
        low, high = (max(lows) if lows else None), (min(highs) if highs else None)
        if integer:
            low, high = (math.ceil(low) if low is not None else None), (math.floor(high) if high is not None else None)
        start = 1 if (low is None or low <= 1) and (high is None or high >= 1) else low if low is not None else high
        step = steps[0] if steps else 1
        base = math.ceil(start / step) if steps else start
        candidates = [(base + variant + k) * step if steps else start + variant + k for k in range(12)]
        candidates += [low, high] if variant == 0 else []
        cast = int if integer else float
        for candidate in candidates:
            if candidate is not None and (high is None or candidate <= high) and self._fits(cast(candidate), parts):
                return cast(candidate)
        return cast(start)


def _types(node: Any) -> set[str]:
    """Return the types a schema node declares (none when it declares none)."""
    declared = node.get("type") if isinstance(node, dict) else None
    return {str(t) for t in declared} if isinstance(declared, list) else {declared} if isinstance(declared, str) else set()


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _sized(text: str, low: int, high: int | None) -> str:
    """Pad a string to minLength (before a closing ``>``) or cut it to maxLength."""
    if len(text) < low:
        pad = "x" * (low - len(text))
        text = text[:-1] + pad + ">" if text.endswith(">") else text + pad
    if high is not None and len(text) > high:
        text = text[:high]
    return text


def _vary(text: str, variant: int) -> str:
    """Change a format sample's last digit for distinct array items."""
    if not variant:
        return text
    for n in range(len(text) - 1, -1, -1):
        if text[n].isdigit():
            return text[:n] + str((int(text[n]) + variant) % 10) + text[n + 1:]
    return f"{variant}{text}"
