"""Bodies built from the full request schema validate: branch choice, allOf, sizes, lengths, patterns, bounds."""

from __future__ import annotations

import json
import re

from jsonschema import Draft4Validator

from src.rag.codegen.regex_sample import regex_sample
from src.rag.codegen.request import build_request
from src.rag.codegen.schema_check import OpenApiDraft4Validator
from src.rag.codegen.schema_values import schema_body
from src.rag.parsing import parse_bytes
from src.rag.serialize import spec_from_jsonable, to_jsonable

SCHEMAS = {
    "Action": {"type": "object", "required": ["type"],
               "properties": {"type": {"type": "string", "enum": ["reboot", "snapshot", "resize"]}}},
    "Snapshot": {"allOf": [{"$ref": "#/components/schemas/Action"},
                           {"type": "object", "properties": {"name": {"type": "string", "example": "nightly"}}}]},
    "Resize": {"allOf": [{"$ref": "#/components/schemas/Action"},
                         {"type": "object", "required": ["size"], "properties": {"size": {"type": "string"}}}]},
    "Rule": {"type": "object", "required": ["ports", "protocol"],
             "properties": {"ports": {"type": "string", "pattern": "^[0-9]{2,5}(-[0-9]{2,5})?$"},
                            "protocol": {"type": "string", "enum": ["tcp", "udp"]}}},
    "Firewall": {"type": "object", "required": ["name"],
                 "properties": {"id": {"type": "string", "readOnly": True},
                                "name": {"type": "string", "minLength": 12, "maxLength": 20},
                                "inbound_rules": {"type": "array", "items": {"$ref": "#/components/schemas/Rule"}},
                                "outbound_rules": {"type": "array", "items": {"$ref": "#/components/schemas/Rule"}}},
                 "anyOf": [{"required": ["inbound_rules"]}, {"required": ["outbound_rules"]}]},
    "Bulk": {"type": "object", "required": ["messages", "weight", "ratio"],
             "properties": {"messages": {"type": "array", "minItems": 2, "maxItems": 100, "uniqueItems": True,
                                         "items": {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"}},
                            "weight": {"type": "integer", "minimum": 10, "maximum": 90, "multipleOf": 7},
                            "ratio": {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 1},
                            "mentions": {"nullable": True, "allOf": [{"$ref": "#/components/schemas/Mentions"}]}}},
    "Mentions": {"type": "object", "properties": {"parse": {"type": "array", "items": {"type": "string"}}}},
}


def _body(schema: dict) -> dict:
    return {"requestBody": {"content": {"application/json": {"schema": schema}}}, "responses": {"200": {"description": "ok"}}}


SPEC = {
    "openapi": "3.0.3", "info": {"title": "Shapes", "version": "1"}, "servers": [{"url": "https://shapes.test"}],
    "components": {"schemas": SCHEMAS},
    "paths": {
        "/actions": {"post": _body({"oneOf": [{"$ref": "#/components/schemas/Action"},
                                              {"$ref": "#/components/schemas/Snapshot"},
                                              {"$ref": "#/components/schemas/Resize"}],
                                    "discriminator": {"propertyName": "type", "mapping": {
                                        "reboot": "#/components/schemas/Action",
                                        "snapshot": "#/components/schemas/Snapshot",
                                        "resize": "#/components/schemas/Resize"}}})},
        "/firewalls": {"post": _body({"$ref": "#/components/schemas/Firewall"})},
        "/bulk": {"post": _body({"$ref": "#/components/schemas/Bulk"})},
        "/bad-example": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"type": "object", "required": ["count"], "properties": {"count": {"type": "integer", "maximum": 5}}},
            "example": {"count": 500}}}}, "responses": {"200": {"description": "ok"}}}},
    },
}


def _spec():
    return parse_bytes("shapes.json", json.dumps(SPEC).encode())


def _validator(path: str):
    node = SPEC["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return OpenApiDraft4Validator({**node, "components": SPEC["components"]})


def test_every_body_of_the_crafted_spec_validates_against_its_schema():
    spec = _spec()
    for op in spec.operations:
        body = build_request(spec, op).body
        errors = [e.message for e in _validator(op.path).iter_errors(body)]
        assert not errors, (op.key, body, errors)


def test_the_schema_survives_the_stored_round_trip():
    spec = spec_from_jsonable(json.loads(json.dumps(to_jsonable(_spec()))))
    op = spec.operation("POST /bulk")
    assert not list(_validator("/bulk").iter_errors(build_request(spec, op).body))


def test_an_anyof_requirement_picks_a_branch_and_read_only_fields_stay_out():
    spec = _spec()
    body = build_request(spec, spec.operation("POST /firewalls")).body
    assert "id" not in body and 12 <= len(body["name"]) <= 20
    assert "inbound_rules" in body and body["inbound_rules"][0]["protocol"] == "tcp"


def test_arrays_numbers_and_nullable_refs_keep_their_constraints():
    spec = _spec()
    body = build_request(spec, spec.operation("POST /bulk")).body
    assert len(body["messages"]) == 2 and len(set(body["messages"])) == 2
    assert body["weight"] % 7 == 0 and 10 <= body["weight"] <= 90
    assert 0 < body["ratio"] <= 1


def test_an_example_is_used_only_where_it_validates():
    spec = _spec()
    assert build_request(spec, spec.operation("POST /bad-example")).body == {"count": 1}


def test_a_discriminated_choice_sends_the_mapped_value_of_its_branch():
    spec = _spec()
    body = build_request(spec, spec.operation("POST /actions")).body
    assert body["type"] in {"reboot", "snapshot", "resize"}
    # plain oneOf rejects it (Action accepts every Snapshot); the discriminator names the one branch
    strict = Draft4Validator({**SPEC["paths"]["/actions"]["post"]["requestBody"]["content"]["application/json"]["schema"],
                              "components": SPEC["components"]})
    assert not strict.is_valid(body) and _validator("/actions").is_valid(body)


def test_user_values_fill_fields_and_are_fitted_to_their_shape():
    spec = _spec()
    defs, schema = spec.body_schemas, spec.operation("POST /bulk").request_body.schema
    body = schema_body(schema, defs, {"messages": "42", "weight": "14"})
    assert body["messages"] == ["42"] and body["weight"] == 14


def test_regex_samples_match_their_pattern():
    for pattern in (r"^[0-9]{2,5}(-[0-9]{2,5})?$", r"^CR[0-9a-fA-F]{32}$", r"^(ab|cd)+\d{3}$", r"^[^@\s]+@[a-z]+\.com$"):
        sample = regex_sample(pattern)
        assert sample is not None and re.search(pattern, sample), (pattern, sample)
    assert regex_sample(r"^(0|[1-9][0-9]*)$", variant=0) != regex_sample(r"^(0|[1-9][0-9]*)$", variant=1)
    assert len(regex_sample(r"^[a-z]+$", length=8)) >= 8
