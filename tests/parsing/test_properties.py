"""Property-based robustness: random, truncated and type-mutated documents only ever fail with our one-line errors."""

from __future__ import annotations

import copy
import json

import graphql
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from src.core.errors import InputRejected, SpecError
from src.rag.parsing import UNEXPECTED, inspect_bytes, parse_bytes
from src.rag.serialize import to_jsonable
from tests.parsing.conftest import DATA
from tests.parsing.test_graphql_markdown import MARKDOWN, SDL
from tests.parsing.test_openapi_features import CYCLE, OAS31, SWAGGER
from tests.parsing.test_postman import COLLECTION

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

scalars = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=12), kids, max_size=5), max_leaves=40)
spec_keys = st.sampled_from(["openapi", "swagger", "info", "paths", "components", "definitions", "servers", "security",
                             "item", "request", "url", "auth", "variable", "webhooks", "host", "basePath", "__schema",
                             "get", "post", "parameters", "requestBody", "responses", "schema", "$ref", "allOf", "oneOf"])
spec_like = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(spec_keys | st.text(max_size=8), kids, max_size=6), max_leaves=50)
VALID_DOCS = {"swagger.json": SWAGGER, "oas31.json": yaml.safe_load(OAS31), "cycle.json": CYCLE, "postman.json": COLLECTION}
INTROSPECTION = {"data": graphql.graphql_sync(graphql.build_schema(SDL.replace("price: Money", "price: Float")),
                                             graphql.get_introspection_query()).data}
MUTATED_DOCS = {**VALID_DOCS, "introspection.json": INTROSPECTION}
REAL_FILES = [DATA / "specs" / "twilio" / "twilio_oauth_v1.json", DATA / "postman" / "wise_all_endpoints.json",
              DATA / "graphql" / "swapi_schema.graphql", DATA / "specs" / "twilio" / "twilio_bulkexports_v1.json"]
REAL_TEXTS = {p.name: p.read_bytes() for p in REAL_FILES if p.is_file()}


def check(name: str, data: bytes):
    """Parse and assert the outcome is a clean spec or one of our one-line errors."""
    try:
        spec = parse_bytes(name, data)
    except (SpecError, InputRejected) as err:
        message = str(err)
        assert "\n" not in message and message.startswith(name + ":") and UNEXPECTED not in message, message
        return None
    json.dumps(to_jsonable(spec))
    keys = [op.key for op in spec.operations]
    assert len(keys) == len(set(keys))
    return spec


@FAST
@given(spec_like, st.sampled_from(["openapi", "swagger", None]))
def test_random_json_documents(value, marker):
    if marker and isinstance(value, dict):
        value = {marker: "3.1.0" if marker == "openapi" else "2.0", **value}
    check("random.json", json.dumps(value).encode())


@FAST
@given(spec_like)
def test_random_yaml_documents(value):
    check("random.yaml", yaml.safe_dump({"openapi": "3.0.0", "x": value}).encode())
    check("plain.yaml", yaml.safe_dump(value).encode())


@FAST
@given(st.binary(max_size=400))
def test_random_bytes(data):
    check("junk.yaml", data)


@FAST
@given(st.text(max_size=400))
def test_random_text(text):
    check("text.yaml", text.encode())


@FAST
@given(st.sampled_from(sorted(VALID_DOCS)), st.floats(0, 1), st.booleans())
def test_truncated_specs(name, fraction, as_yaml):
    doc = VALID_DOCS[name]
    text = yaml.safe_dump(doc) if as_yaml else json.dumps(doc, indent=1)
    check(name, text[: int(len(text) * fraction)].encode())


@FAST
@given(st.data())
def test_truncated_real_files(data):
    if not REAL_TEXTS:
        import pytest

        pytest.skip("shared data folder is not present next to the repository")
    name = data.draw(st.sampled_from(sorted(REAL_TEXTS)))
    raw = REAL_TEXTS[name]
    cut = data.draw(st.integers(0, len(raw)))
    check(name, raw[:cut])


@FAST
@given(st.sampled_from(["shop.graphql", "docs.md"]), st.floats(0, 1))
def test_truncated_sdl_and_markdown(name, fraction):
    text = SDL if name.endswith(".graphql") else MARKDOWN
    check(name, text[: int(len(text) * fraction)].encode())


def _paths(node, prefix=()):
    """List every path to a value inside a JSON-like tree."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _replace(doc, path, value):
    """Return a copy of a document with the value at `path` replaced."""
    doc = copy.deepcopy(doc)
    if not path:
        return value
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(MUTATED_DOCS)), st.data())
def test_wrong_types_in_every_field(name, data):
    doc = MUTATED_DOCS[name]
    paths = list(_paths(doc))
    path = data.draw(st.sampled_from(paths))
    value = data.draw(json_values | st.sampled_from([[], {}, "", 0, None, True, "#/nowhere", {"$ref": "#/paths"}]))
    check(name, json.dumps(_replace(doc, path, value)).encode())


def test_every_field_of_each_valid_doc_survives_a_wrong_type():
    for name, doc in VALID_DOCS.items():
        for path in list(_paths(doc)):
            for value in (None, 7, "text", [], {}):
                check(name, json.dumps(_replace(doc, path, value)).encode())


@FAST
@given(st.binary(max_size=200))
def test_inspect_never_raises(data):
    report = inspect_bytes("any.bin", data)
    assert report.ok or (report.error.startswith("any.bin:") and UNEXPECTED not in report.error)
