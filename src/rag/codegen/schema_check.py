"""Validate values against compact body schemas, reading an OpenAPI discriminator the way OpenAPI defines it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft4Validator, Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend

_NAMED_REF = re.compile(r"[#/]|\.(json|ya?ml)$")


def _discriminated_one_of(base: Any):
    """Wrap a draft's ``oneOf``: a value whose discriminator property names a mapped schema must fit that one.

    OpenAPI's discriminator picks the alternative by the property's value; several specs list a base schema
    beside schemas extending it, which plain ``oneOf`` can never accept once exactly one is required.
    """
    def one_of(validator: Any, alternatives: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        disc = schema.get("discriminator")
        mapping = disc.get("mapping") if isinstance(disc, dict) else None
        if isinstance(mapping, dict) and isinstance(instance, dict):
            ref = mapping.get(instance.get(disc.get("propertyName"))) if isinstance(
                instance.get(disc.get("propertyName")), str) else None
            if isinstance(ref, str):
                target = ref if _NAMED_REF.search(ref) else "#/components/schemas/" + ref
                yield from validator.descend(instance, {"$ref": target})
                return
        yield from base(validator, alternatives, instance, schema)
    return one_of


OpenApi202012Validator = extend(Draft202012Validator,
                                {"oneOf": _discriminated_one_of(Draft202012Validator.VALIDATORS["oneOf"])})
OpenApiDraft4Validator = extend(Draft4Validator, {"oneOf": _discriminated_one_of(Draft4Validator.VALIDATORS["oneOf"])})


class SchemaCheck:
    """Validators over one API's compact body schemas, made once per schema node."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self._cache: dict[int, tuple[Any, Any]] = {}

    def valid(self, value: Any, node: Any) -> bool:
        """Tell whether ``value`` fits ``node``; a schema the validator cannot read (a foreign regex) accepts it."""
        if node is True or node == {}:
            return True
        entry = self._cache.get(id(node))
        if entry is None:
            entry = self._cache[id(node)] = (node, OpenApi202012Validator({"$defs": self.defs, "allOf": [node]}))
        try:
            return entry[1].is_valid(value)
        except Exception:  # noqa: BLE001 — a pattern Python cannot compile, a broken $ref: nothing to hold against
            return True
