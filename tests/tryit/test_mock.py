"""Mock mode answers from the spec: the documented status, headers, and a body valid against the schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from src.rag.parsing import parse_bytes
from src.rag.tryit import draft_request, mock_response
from tests.conftest import shared

PET = {"type": "object", "required": ["id", "name", "tags", "owner"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "status": {"type": "string", "enum": ["available", "sold"]},
    "born": {"type": "string", "format": "date-time"},
    "tags": {"type": "array", "items": {"type": "string"}},
    "owner": {"type": "object", "required": ["email"], "properties": {
        "email": {"type": "string", "format": "email"}, "vip": {"type": "boolean"}}},
    "weight": {"type": "number"}}}
SPEC = {"openapi": "3.0.3", "info": {"title": "Pets", "version": "1"},
        "servers": [{"url": "https://pets.example.com/v1"}],
        "components": {"schemas": {"Pet": PET}},
        "paths": {"/pets/{petId}": {"get": {
            "operationId": "getPet", "parameters": [{"name": "petId", "in": "path", "required": True,
                                                     "schema": {"type": "integer"}, "example": 7}],
            "responses": {"404": {"description": "Not found"},
                          "200": {"description": "The pet", "content": {"application/json": {
                              "schema": {"$ref": "#/components/schemas/Pet"}}}}}}}}}


def _spec(doc: dict, name: str = "pets.json"):
    return parse_bytes(name, json.dumps(doc).encode())


def test_mock_returns_the_first_success_status_with_a_schema_valid_body():
    spec = _spec(SPEC)
    resp = mock_response(spec.operations[0], document=SPEC)
    assert resp.status == 200 and resp.mocked
    assert dict(resp.headers)["Content-Type"] == "application/json"
    jsonschema.validate(json.loads(resp.body), PET)


def test_mock_can_answer_a_chosen_error_status():
    resp = mock_response(_spec(SPEC).operations[0], status="404")
    assert resp.status == 404 and resp.body == ""


def test_draft_fills_path_values_and_the_spec_server():
    spec = _spec(SPEC)
    draft = draft_request(spec, spec.operations[0])
    assert draft.url() == "https://pets.example.com/v1/pets/7"
    draft.path_values["petId"] = "a b/c"
    assert draft.url().endswith("/pets/a%20b%2Fc")  # values are quoted, never change the path


@pytest.mark.parametrize("name", ["twilio_frontline_v1.json", "twilio_oauth_v1.json"])
def test_mock_bodies_of_real_specs_validate_against_their_schemas(name):
    path = shared("specs", "twilio", name)
    doc = json.loads(path.read_text())
    spec = parse_bytes(name, path.read_bytes())
    checked = 0
    for op in spec.operations:
        raw = doc["paths"][op.path][op.method.lower()]["responses"]
        status = next((s for s in raw if s.startswith("2")), None)
        if status is None:
            continue
        schema = (raw[status].get("content") or {}).get("application/json", {}).get("schema")
        resp = mock_response(op, document=doc)
        if schema is None:
            continue
        root = {"components": doc.get("components", {}), **schema}
        jsonschema.validate(json.loads(resp.body), root)
        checked += 1
    assert checked >= 1


def test_without_the_document_the_body_still_has_every_documented_field_typed():
    body = json.loads(mock_response(_spec(SPEC).operations[0]).body)
    assert isinstance(body["id"], int) and isinstance(body["tags"], list) and body["status"] == "available"
