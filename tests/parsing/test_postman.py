"""Postman collections: folders as tags, URL variables, bodies, auth, and no secret ever reaching the spec."""

from __future__ import annotations

import json

from src.rag.parsing import parse_bytes
from src.rag.serialize import to_jsonable
from src.rag.tryit.schema_example import resolve_pointer
from src.rag.types import SpecFormat
from tests.conftest import shared

BEARER = "sk_live_51HxQ2eLkdIwHu7ixy3Uq0aBcDeFgHiJkLmNoP"
API_KEY = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
BASIC_PASSWORD = "correct-horse-battery-staple"
VAR_SECRET = "s3cr3t-variable-value-0123456789"
HEADER_TOKEN = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
QUERY_KEY = "q9Z8y7X6w5V4u3T2s1R0q9Z8y7X6w5V4"
BODY_PASSWORD = "hunter2-is-not-a-password"
SECRETS = [BEARER, API_KEY, BASIC_PASSWORD, VAR_SECRET, HEADER_TOKEN, QUERY_KEY, BODY_PASSWORD]

COLLECTION = {
    "info": {"name": "Payments", "version": "2.1.0", "description": f"Use Bearer {BEARER} to try it.",
             "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
    "auth": {"type": "bearer", "bearer": [{"key": "token", "value": BEARER, "type": "string"}]},
    "variable": [{"key": "baseUrl", "value": "https://api.pay.test"}, {"key": "api_secret", "value": VAR_SECRET},
                 {"key": "version", "value": "v1"}],
    "item": [
        {"name": "Charges", "item": [
            {"name": "Sub", "item": [
                {"name": "Create charge", "request": {
                    "method": "POST",
                    "header": [{"key": "Content-Type", "value": "application/json"},
                               {"key": "X-Trace", "value": HEADER_TOKEN}],
                    "url": {"raw": "{{baseUrl}}/{{version}}/charges/:chargeId?api_key=" + QUERY_KEY,
                            "host": ["{{baseUrl}}"], "path": ["{{version}}", "charges", ":chargeId"],
                            "query": [{"key": "api_key", "value": QUERY_KEY}, {"key": "expand", "value": "customer"}],
                            "variable": [{"key": "chargeId", "value": "ch_123", "description": "The charge"}]},
                    "body": {"mode": "raw", "raw": json.dumps({"amount": 100, "card": {"password": BODY_PASSWORD}}),
                             "options": {"raw": {"language": "json"}}},
                    "description": "Creates a charge.",
                }, "response": [{"name": "Created", "code": 201, "header": [{"key": "Content-Type", "value": "application/json"}],
                                 "body": json.dumps({"id": "ch_1", "access_token": BEARER})}]},
            ]},
        ]},
        {"name": "Keys", "auth": {"type": "apikey", "apikey": [{"key": "key", "value": "X-Api-Key"}, {"key": "value", "value": API_KEY},
                                                                {"key": "in", "value": "header"}]},
         "item": [{"name": "List keys", "request": {"method": "GET", "url": "{{baseUrl}}/v1/keys?secret={{api_secret}}"}}]},
        {"name": "Login", "request": {"method": "POST", "auth": {"type": "basic", "basic": {"username": "me", "password": BASIC_PASSWORD}},
                                      "url": "https://api.pay.test/login",
                                      "body": {"mode": "urlencoded", "urlencoded": [{"key": "grant_type", "value": "password"},
                                                                                   {"key": "password", "value": BODY_PASSWORD}]}}},
        {"name": "Create charge", "request": {"method": "POST", "url": "https://api.pay.test/v1/charges/:chargeId",
                                              "header": [{"key": "Authorization", "value": f"Bearer {BEARER}"}]}},
        {"name": "Open", "request": {"method": "GET", "auth": {"type": "noauth"}, "url": "https://api.pay.test/health"}},
    ],
}


def test_no_secret_reaches_the_spec():
    spec = parse_bytes("payments.postman_collection.json", json.dumps(COLLECTION).encode())
    dumped = json.dumps(to_jsonable(spec))
    for secret in SECRETS:
        assert secret not in dumped
    assert "{{" in dumped  # placeholders stand where the secrets were
    assert any("secret value(s)" in w and "placeholders" in w for w in spec.warnings)


def test_postman_structure_is_normalised():
    spec = parse_bytes("payments.json", json.dumps(COLLECTION).encode())
    assert spec.format == SpecFormat.POSTMAN and spec.title == "Payments" and spec.version == "2.1.0"
    assert spec.servers == ("https://api.pay.test",)
    keys = [o.key for o in spec.operations]
    assert keys == ["POST /v1/charges/{chargeId}", "GET /v1/keys", "POST /login",
                    "POST /v1/charges/{chargeId}#create-charge", "GET /health"]
    create = spec.operations[0]
    assert create.tags == ("Charges", "Sub") and create.security == ("bearerAuth",)
    assert create.pointer == "#/item/0/item/0/item/0"
    params = {p.name: p for p in create.parameters}
    assert params["chargeId"].location == "path" and params["chargeId"].description == "The charge"
    assert params["expand"].example == "customer" and params["api_key"].example != QUERY_KEY
    assert create.request_body.content_type == "application/json"
    assert {"amount", "card", "card.password"} <= {f.name for f in create.request_body.fields}
    assert create.responses[0].status == "201" and create.responses[0].example["id"] == "ch_1"
    assert spec.operation("GET /v1/keys").security == ("apiKeyAuth",)
    assert spec.auth_scheme("apiKeyAuth").param_name == "X-Api-Key"
    login = spec.operation("POST /login")
    assert login.security == ("basicAuth",) and login.request_body.content_type == "application/x-www-form-urlencoded"
    assert spec.operation("GET /health").security == ()
    assert spec.operations[3].security == ("bearerAuth",) and spec.operations[3].headers == ()


def test_every_auth_scheme_cites_the_place_that_declares_it():
    spec = parse_bytes("payments.json", json.dumps(COLLECTION).encode())
    # collection, folder and request auth: the first place each scheme is declared
    assert {a.name: a.pointer for a in spec.auth_schemes} == {
        "bearerAuth": "#/auth", "apiKeyAuth": "#/item/1/auth", "basicAuth": "#/item/2/request/auth"}
    for scheme in spec.auth_schemes:
        assert resolve_pointer(COLLECTION, scheme.pointer)["type"] in ("bearer", "apikey", "basic")
    only_header = {"info": {"name": "Tokens"}, "item": [{"name": "Me", "request": {
        "method": "GET", "url": "https://x.test/me", "header": [{"key": "Authorization", "value": "Token abc"}]}}]}
    scheme = parse_bytes("tokens.json", json.dumps(only_header).encode()).auth_schemes[0]
    assert scheme.pointer == "#/item/0/request/header"
    assert resolve_pointer(only_header, scheme.pointer)[0]["key"] == "Authorization"


def test_auth_schemes_of_a_real_collection_all_have_a_source():
    path = shared("postman", "wise_all_endpoints.json")
    spec = parse_bytes(path.name, path.read_bytes())
    raw = json.loads(path.read_bytes())
    assert spec.auth_schemes
    for scheme in spec.auth_schemes:
        assert scheme.pointer and resolve_pointer(raw, scheme.pointer), scheme.name


def test_postman_v20_shapes():
    v20 = {"info": {"name": "Old", "schema": "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"},
           "item": [{"name": "Ping", "request": "https://old.test/ping"},
                    {"name": "Send", "request": {"method": "put", "url": "https://old.test/items/:id",
                                                 "header": "Content-Type: text/plain\nX-Token: abc",
                                                 "body": {"mode": "formdata", "formdata": [{"key": "f", "type": "file", "src": "/tmp/x"}]}}}]}
    spec = parse_bytes("old.json", json.dumps(v20).encode())
    assert [o.key for o in spec.operations] == ["GET /ping", "PUT /items/{id}"]
    assert spec.operations[1].request_body.content_type == "multipart/form-data"
    assert spec.operations[1].request_body.fields[0].type == "file"
