"""Load JSON and YAML documents with one-sentence errors (the C loader first, a YAML 1.2 loader as fallback).

The loaders share aliased objects instead of copying them; `limits.check_shape` then bounds the expansion.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import yaml

from src.core.errors import SpecError

_BASE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# The constructors below serve PyYAML and ruamel.yaml alike: both loaders expose the same node kinds
# (`node.id`) and the same `construct_*` methods.

def construct_mapping(loader: Any, node: Any) -> Any:
    """Build a dict whose scalar keys keep their source text (`200`, `on`, `yes` stay strings)."""
    data: dict[str, Any] = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        if key_node.id == "scalar":
            key = key_node.value
        else:
            key = json.dumps(loader.construct_object(key_node, deep=True), default=str, sort_keys=True)
        data[key] = loader.construct_object(value_node, deep=False)


def construct_str(loader: Any, node: Any) -> Any:
    """Read a scalar as its text (timestamps and `=` values are data, not Python objects)."""
    return loader.construct_scalar(node)


def construct_unknown(loader: Any, suffix: Any, node: Any = None) -> Any:
    """Read a node with an unknown tag as plain data: scalars as strings, collections as is."""
    node = suffix if node is None else node
    if node.id == "scalar":
        return loader.construct_scalar(node)
    if node.id == "sequence":
        return loader.construct_sequence(node, deep=True)
    return next(iter(drain(construct_mapping(loader, node))))


def construct_set(loader: Any, node: Any) -> list[Any]:
    """Read a `!!set` as the list of its members."""
    return list(drain(construct_mapping(loader, node))[0])


def drain(gen: Any) -> list[Any]:
    """Run a two-step constructor generator to completion and return its object."""
    obj = next(gen)
    for _ in gen:
        pass
    return [obj]


class SpecLoader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """The safe (C when available) loader with string keys and string timestamps."""


SpecLoader.add_constructor("tag:yaml.org,2002:map", construct_mapping)
SpecLoader.add_constructor("tag:yaml.org,2002:timestamp", construct_str)
SpecLoader.add_constructor("tag:yaml.org,2002:binary", construct_str)
SpecLoader.add_constructor("tag:yaml.org,2002:set", construct_set)


class LenientLoader(SpecLoader):
    """Fallback for YAML the safe loader rejects but that is plainly data: unknown tags read as strings."""


LenientLoader.add_constructor("tag:yaml.org,2002:value", construct_str)
LenientLoader.add_constructor(None, construct_unknown)
LenientLoader.add_multi_constructor("", construct_unknown)


def load_json(name: str, text: str | bytes) -> Any:
    """Parse JSON, reporting syntax errors with line and column."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise SpecError(f"{name}: JSON syntax error at line {err.lineno}, column {err.colno}: {_json_reason(err.msg)}; fix the file and upload it again.") from None
    except (RecursionError, ValueError):
        raise SpecError(f"{name}: the JSON is nested too deeply to be an API spec; upload a normal spec file.") from None


def _json_reason(msg: str) -> str:
    """Turn the json module's terse message into plain words."""
    return {
        "Expecting ',' delimiter": "a ',' is missing between items",
        "Expecting ':' delimiter": "a ':' is missing after a key",
        "Expecting value": "a value is missing or the text is not JSON",
        "Expecting property name enclosed in double quotes": "a key is not in double quotes or a trailing comma is present",
        "Extra data": "there is extra text after the JSON document",
        "Unterminated string starting at": "a string is not closed",
    }.get(msg, msg[:1].lower() + msg[1:])


def load_yaml(name: str, text: str) -> Any:
    """Parse YAML with the C safe loader, then the lenient one for unknown tags, then a YAML 1.2 loader.

    libyaml refuses some valid YAML (a tab that opens a block scalar's first line); ruamel.yaml reads it.
    When every loader refuses, the C loader's error is reported.
    """
    try:
        return _load_with(SpecLoader, text)
    except yaml.constructor.ConstructorError:
        pass
    except yaml.MarkedYAMLError as err:
        return _load_yaml12(name, text, err)
    try:
        return _load_with(LenientLoader, text)
    except yaml.MarkedYAMLError as err:
        return _load_yaml12(name, text, err)


def _load_yaml12(name: str, text: str, first_error: yaml.MarkedYAMLError) -> Any:
    """Load with the YAML 1.2 fallback, reporting the first loader's error if it refuses too."""
    from src.rag.parsing.yaml12 import load_yaml12

    try:
        return load_yaml12(text)
    except RecursionError:
        raise SpecError(f"{name}: the YAML is nested too deeply to be an API spec; upload a normal spec file.") from None
    except Exception:  # noqa: BLE001 - any refusal of the fallback means the first error stands
        raise _yaml_error(name, first_error) from None


def _load_with(loader: type, text: str) -> Any:
    """Load the first document; a stream of several documents keeps the first mapping."""
    try:
        docs = yaml.load_all(text, Loader=loader)
        first = next(docs, None)
        return first
    except RecursionError:
        raise SpecError("the YAML is nested too deeply") from None
    except yaml.YAMLError as err:
        if isinstance(err, yaml.MarkedYAMLError):
            raise
        raise yaml.MarkedYAMLError(problem=str(err)) from None


def _yaml_error(name: str, err: yaml.MarkedYAMLError) -> SpecError:
    """Build the one-sentence YAML syntax error with line and column."""
    # A key without ':' is reported where the key starts, not where the scanner gave up.
    simple_key = "simple key" in str(err.context or "") and err.context_mark is not None
    mark = err.context_mark if simple_key else err.problem_mark or err.context_mark
    problem = " ".join(str(err.problem or err.context or "the YAML is malformed").split())
    problem = _YAML_REASONS.get(problem, problem)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return SpecError(f"{name}: YAML syntax error{where}: {problem}; fix the file and upload it again.")


_YAML_REASONS = {
    "could not find expected ':'": "a mapping key is missing ':'",
    "mapping values are not allowed here": "a ':' appears where a value was expected (quote the value)",
    "found character '\\t' that cannot start any token": "a tab is used for indentation (use spaces)",
    "expected <block end>, but found '-'": "a list item is indented inconsistently",
    "exceeded maximum nesting depth": "the document is nested too deeply",
}
