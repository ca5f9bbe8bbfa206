"""Load JSON and YAML documents with one-sentence errors, refusing alias bombs and absurd nesting."""

from __future__ import annotations

import json
from typing import Any

import orjson
import yaml

from src.core.errors import SpecError

MAX_DEPTH = 128
MAX_EXPANDED_NODES = 5_000_000

_BASE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    """Build a dict whose scalar keys keep their source text (`200`, `on`, `yes` stay strings)."""
    data: dict[str, Any] = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            key = key_node.value
        else:
            key = json.dumps(loader.construct_object(key_node, deep=True), default=str, sort_keys=True)
        data[key] = loader.construct_object(value_node, deep=False)


def _construct_str(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """Read a scalar as its text (timestamps and `=` values are data, not Python objects)."""
    return loader.construct_scalar(node)


def _construct_unknown(loader: yaml.SafeLoader, suffix: Any, node: yaml.Node | None = None) -> Any:
    """Read a node with an unknown tag as plain data: scalars as strings, collections as is."""
    node = suffix if node is None else node
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return next(iter(_drain(_construct_mapping(loader, node))))


def _drain(gen: Any) -> list[Any]:
    """Run a two-step constructor generator to completion and return its object."""
    obj = next(gen)
    for _ in gen:
        pass
    return [obj]


class SpecLoader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """The safe (C when available) loader with string keys and string timestamps."""


SpecLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
SpecLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_str)
SpecLoader.add_constructor("tag:yaml.org,2002:binary", _construct_str)
SpecLoader.add_constructor("tag:yaml.org,2002:set", lambda loader, node: list(_drain(_construct_mapping(loader, node))[0]))


class LenientLoader(SpecLoader):
    """Fallback for YAML the safe loader rejects but that is plainly data: unknown tags read as strings."""


LenientLoader.add_constructor("tag:yaml.org,2002:value", _construct_str)
LenientLoader.add_constructor(None, _construct_unknown)
LenientLoader.add_multi_constructor("", _construct_unknown)


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
    """Parse YAML with the safe loader, falling back to the lenient one for unknown tags."""
    try:
        return _load_with(SpecLoader, text)
    except yaml.constructor.ConstructorError:
        pass
    except yaml.MarkedYAMLError as err:
        raise _yaml_error(name, err) from None
    try:
        return _load_with(LenientLoader, text)
    except yaml.MarkedYAMLError as err:
        raise _yaml_error(name, err) from None


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


def check_shape(name: str, doc: Any) -> None:
    """Refuse documents whose alias expansion or nesting would exhaust memory or recursion."""
    memo: dict[int, tuple[int, int]] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(doc, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            size = 1 + len(node) + sum(memo[id(c)][0] for c in children)
            depth = 1 + max((memo[id(c)][1] for c in children), default=0)
            if size > MAX_EXPANDED_NODES:
                raise SpecError(f"{name}: the document expands to more than {MAX_EXPANDED_NODES:,} values (an alias bomb?); upload a spec without runaway YAML aliases.")
            if depth > MAX_DEPTH:
                raise SpecError(f"{name}: the document is nested more than {MAX_DEPTH} levels deep; upload a spec with sane nesting.")
            memo[key] = (size, depth)
            continue
        if key in memo:
            continue
        if key in on_path:
            raise SpecError(f"{name}: a YAML alias refers to itself, which no API spec needs; remove the recursive alias.")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in memo)


def _children(node: Any) -> list[Any]:
    """Return the container children of a loaded node (scalars have none)."""
    if isinstance(node, dict):
        return [v for v in node.values() if isinstance(v, (dict, list))]
    if isinstance(node, list):
        return [v for v in node if isinstance(v, (dict, list))]
    return []
