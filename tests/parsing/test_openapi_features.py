"""OpenAPI 3.0/3.1 and Swagger 2.0 features: bodies, forms, refs, cycles, composition, security, webhooks."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import yaml

from src.rag.parsing import parse_bytes
from src.rag.types import SpecFormat

SWAGGER = {
    "swagger": "2.0",
    "info": {"title": "Pets", "version": "1.0"},
    "host": "api.pets.test", "basePath": "/v2", "schemes": ["http", "https"],
    "consumes": ["application/json"],
    "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}, "basic": {"type": "basic"}},
    "security": [{"key": []}],
    "paths": {
        "/pets/{petId}": {
            "parameters": [{"name": "petId", "in": "path", "type": "integer", "description": "shared"}],
            "post": {
                "operationId": "updatePetWithForm",
                "consumes": ["application/x-www-form-urlencoded"],
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "type": "string", "description": "own"},
                    {"name": "name", "in": "formData", "type": "string", "required": True, "default": "Rex"},
                    {"name": "status", "in": "formData", "type": "string", "enum": ["sold", "free"]},
                ],
                "responses": {"405": {"description": "Invalid input"}},
            },
            "put": {
                "parameters": [{"name": "file", "in": "formData", "type": "file"}],
                "security": [],
                "responses": {"200": {"description": "ok"}},
            },
        },
        "/pets": {
            "get": {
                "summary": "Find pets",
                "security": [{"basic": []}],
                "parameters": [{"name": "tags", "in": "query", "type": "array", "items": {"type": "string"},
                                "collectionFormat": "multi"}],
                "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"$ref": "#/definitions/Pet"}}}},
            },
            "post": {
                "operationId": "updatePetWithForm",
                "parameters": [{"name": "body", "in": "body", "required": True, "schema": {"$ref": "#/definitions/Pet"}}],
                "responses": {"200": {"description": "ok"}},
            },
        },
    },
    "definitions": {
        "Pet": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "example": "doggie"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "parent": {"$ref": "#/definitions/Pet"},
        }},
    },
}


def parse_json(doc: dict, name: str = "spec.json"):
    """Parse a document given as a dict."""
    return parse_bytes(name, json.dumps(doc).encode())


def test_swagger_servers_forms_body_and_collection_format():
    spec = parse_json(SWAGGER)
    assert spec.format == SpecFormat.SWAGGER_20
    assert spec.servers == ("https://api.pets.test/v2", "http://api.pets.test/v2")
    form = spec.operation("POST /pets/{petId}")
    assert form.request_body.content_type == "application/x-www-form-urlencoded"
    assert [(f.name, f.required) for f in form.request_body.fields] == [("name", True), ("status", False)]
    assert form.request_body.example == {"name": "Rex", "status": "sold"}
    assert [(p.name, p.description, p.type) for p in form.parameters] == [("petId", "own", "string")]
    upload = spec.operation("PUT /pets/{petId}")
    assert upload.request_body.content_type == "multipart/form-data" and upload.security == ()
    assert upload.parameters[0].description == "shared"
    find = spec.operation("GET /pets")
    assert find.parameters[0].style == "multi" and find.parameters[0].type == "array<string>"
    assert find.security == ("basic",) and find.responses[0].schema_name == "Pet"
    body = spec.operation("POST /pets").request_body
    assert body.content_type == "application/json" and body.schema_name == "Pet" and body.required
    names = [f.name for f in body.fields]
    assert names == ["name", "tags", "parent"]  # the self-reference is kept as a reference, not expanded
    assert form.security == ("key",)
    assert spec.auth_scheme("basic").scheme == "basic" and spec.auth_scheme("key").param_name == "X-Key"
    assert any("operationId" in w and "updatePetWithForm" in w for w in spec.warnings)


OAS31 = """
openapi: 3.1.0
info: {title: Modern, version: "3"}
servers: [{url: "https://{region}.modern.test/api", variables: {region: {default: eu}}}]
security: [{bearer: []}]
paths:
  /items:
    $ref: "#/components/pathItems/Items"
webhooks:
  itemCreated:
    post:
      summary: An item was created
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}}
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  pathItems:
    Items:
      parameters: [{name: trace, in: header, schema: {type: string}}]
      get:
        summary: List items
        security: []
        parameters:
          - {name: kind, in: query, schema: {const: fruit}}
          - {name: since, in: query, schema: {type: [string, "null"], examples: ["2024-01-01"]}}
        responses:
          "200":
            description: ok
            content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Item"}}}}
      post:
        requestBody:
          required: true
          content: {application/json: {schema: {$ref: "#/components/schemas/NewItem"}}}
        responses: {"201": {description: created}}
  schemas:
    Base:
      type: object
      required: [id]
      properties: {id: {type: integer}}
    Item:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          properties:
            label: {type: [string, "null"], description: Display label}
            size: {$ref: "#/components/schemas/Item/$defs/Size"}
            shape:
              oneOf: [{$ref: "#/components/schemas/Circle"}, {$ref: "#/components/schemas/Square"}]
      $defs:
        Size: {type: string, enum: [S, M, L], default: M}
    NewItem:
      oneOf: [{$ref: "#/components/schemas/Circle"}, {$ref: "#/components/schemas/Square"}]
    Circle: {type: object, properties: {radius: {type: number, example: 2.5}}}
    Square: {type: object, properties: {side: {type: number}}}
"""


def test_openapi_31_features():
    spec = parse_bytes("modern.yaml", OAS31.encode())
    assert spec.format == SpecFormat.OPENAPI_31 and spec.servers == ("https://eu.modern.test/api",)
    listing = spec.operation("GET /items")
    assert listing.pointer == "#/paths/~1items/get" and listing.security == ()
    params = {p.name: p for p in listing.parameters}
    assert params["kind"].enum == ("fruit",) and params["since"].type == "string|null"
    assert params["since"].example == "2024-01-01" and params["trace"].location == "header"
    assert listing.responses[0].schema_name == "Item"
    hook = spec.operation("POST itemCreated")
    assert hook.is_webhook and hook.pointer == "#/webhooks/itemCreated/post" and hook.security == ("bearer",)
    fields = {f.name: f for f in hook.request_body.fields}
    assert fields["id"].required and fields["id"].type == "integer"
    assert fields["label"].type == "string|null" and fields["label"].description == "Display label"
    assert fields["size"].enum == ("S", "M", "L") and fields["size"].default == "M"
    assert fields["shape"].type == "Circle|Square"
    item = next(s for s in spec.schemas if s.name == "Item")
    assert item.type == "object" and {"id", "label", "size", "shape"} <= {f.name for f in item.fields}
    new_item = next(s for s in spec.schemas if s.name == "NewItem")
    assert new_item.alternatives == ("Circle", "Square")
    body = spec.operation("POST /items").request_body
    assert body.required and body.fields[0].name == "radius"


CYCLE = {
    "openapi": "3.0.0", "info": {"title": "Cycle", "version": "1"},
    "paths": {"/nodes": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}},
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}},
    }}},
    "components": {"schemas": {
        "Node": {"type": "object", "properties": {"value": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}},
        "A": {"$ref": "#/components/schemas/B"},
        "B": {"$ref": "#/components/schemas/A"},
    }},
}


def test_ref_cycles_are_kept_as_references():
    spec = parse_json(CYCLE)
    op = spec.operation("POST /nodes")
    names = [f.name for f in op.request_body.fields]
    assert names[:2] == ["value", "children"] and len(names) == len(set(names)) < 20
    assert next(f for f in op.request_body.fields if f.name == "children").type == "array<object>"
    assert op.responses[0].fields == ()
    assert {s.name for s in spec.schemas} == {"Node", "A", "B"}


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server naming
        _Recorder.hits.append(self.path)
        body = json.dumps({"type": "object", "properties": {"leak": {"type": "string"}}}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def ref_server():
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_remote_ref_is_a_warning_and_is_never_fetched(ref_server):
    _Recorder.hits.clear()
    doc = {"openapi": "3.0.0", "info": {"title": "Remote", "version": "1"}, "paths": {"/x": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": f"{ref_server}/schemas/thing.json"}}}},
        "responses": {"200": {"description": "ok"}}}}}}
    spec = parse_json(doc)
    assert _Recorder.hits == []
    assert any("remote $ref" in w and "not fetched" in w for w in spec.warnings)
    assert len(spec.operations) == 1 and not any(f.name == "leak" for f in spec.operation("POST /x").request_body.fields)


def test_unresolved_local_ref_and_missing_info_are_warnings():
    doc = {"openapi": "3.0.1", "paths": {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/Nope"}],
                                                     "responses": {"200": {"$ref": "#/components/responses/Gone"}}}}}}
    spec = parse_json(doc, "nameless.json")
    assert spec.title == "nameless" and spec.version == "0"
    assert any("could not be resolved" in w for w in spec.warnings)
    assert any("info.title" in w for w in spec.warnings)
    assert any("no summary or description" in w for w in spec.warnings)
    assert spec.operation("GET /a").parameters == ()


def test_pointer_escaping_follows_rfc_6901():
    doc = {"openapi": "3.0.0", "info": {"title": "T", "version": "1"},
           "paths": {"/a~b/{id}": {"get": {"responses": {}}}}}
    assert parse_json(doc).operations[0].pointer == "#/paths/~1a~0b~1{id}/get"


def test_yaml_with_integer_response_codes_and_swagger_in_yaml():
    doc = yaml.safe_dump(SWAGGER).replace("'200'", "200")
    spec = parse_bytes("pets.yml", doc.encode())
    assert spec.format == SpecFormat.SWAGGER_20 and spec.operation("GET /pets").responses[0].status == "200"
