"""The stored copy of an upload: Postman secrets are replaced as parsing does, every other format is kept as sent."""

from __future__ import annotations

import copy
import io
import json
import zipfile

import pytest

from src.rag.parsing import parse_bytes, redact_original
from src.rag.serialize import to_jsonable
from tests.parsing.conftest import data_dir
from tests.parsing.test_postman import BEARER, COLLECTION, SECRETS

OAUTH_TOKEN = "ya29.a0AfH6SMBx3kQ9wZ7pLm2Nc4Vb8Rt1Yu6Io0Pa"
OLD_HEADER_KEY = "k8Jd02LmQ7xZp4Vn9Rt6Yw3Bc5Ha1Ue0"
SECRET_TYPED = "plain-looking-but-marked-secret"
SCRIPT_TOKEN = "xoxb-1234567890-abcdefghijkl"
EXTRA_SECRETS = [OAUTH_TOKEN, OLD_HEADER_KEY, SECRET_TYPED, SCRIPT_TOKEN]
UNTOUCHED_BODY = '{\n    "count": {{count}},  "label": "plain"\n}'


def synthetic() -> dict:
    """The Postman test collection plus secrets in the places only the stored copy keeps."""
    data = copy.deepcopy(COLLECTION)
    data["variable"].append({"key": "region", "value": SECRET_TYPED, "type": "secret"})
    data["event"] = [{"listen": "prerequest", "script": {"type": "text/javascript", "exec": [f"// {SCRIPT_TOKEN}"]}}]
    data["item"].append({"name": "Profile", "request": {
        "method": "GET", "url": "https://api.pay.test/v1/me",
        "header": f"Accept: application/json\nX-Api-Key: {OLD_HEADER_KEY}",
        "auth": {"type": "oauth2", "oauth2": [{"key": "accessToken", "value": OAUTH_TOKEN},
                                               {"key": "addTokenTo", "value": "header"}],
                 "bearer": [{"key": "token", "value": BEARER}]}},
        "response": [{"name": "Me", "code": 200, "body": json.dumps({"id": "u_1"}),
                      "originalRequest": {"method": "GET", "url": f"https://api.pay.test/v1/me?access_token={OAUTH_TOKEN}",
                                          "header": [{"key": "Authorization", "value": f"Bearer {BEARER}"}]}}]})
    data["item"].append({"name": "Count", "request": {"method": "POST", "url": "https://api.pay.test/v1/count",
                                                      "body": {"mode": "raw", "raw": UNTOUCHED_BODY}}})
    return data


def as_bytes(data: dict) -> bytes:
    """Serialise a collection the way Postman exports it."""
    return json.dumps(data, indent="\t").encode()


def test_synthetic_collection_keeps_no_secret_and_parses_the_same():
    original = as_bytes(synthetic())
    stored = redact_original("payments.postman_collection.json", original)
    text = stored.decode()
    for secret in SECRETS + EXTRA_SECRETS:
        assert secret not in text, secret
    assert "{{BEARER_TOKEN}}" in text and "{{OAUTH2_ACCESSTOKEN}}" in text and "{{REGION}}" in text
    before = parse_bytes("payments.postman_collection.json", original)
    after = parse_bytes("payments.postman_collection.json", stored)
    assert after == before
    assert to_jsonable(after) == to_jsonable(before)
    assert any("secret value(s)" in w for w in after.warnings)


def test_redaction_keeps_what_is_not_a_secret():
    stored = json.loads(redact_original("payments.json", as_bytes(synthetic())))
    keys_auth = stored["item"][1]["auth"]["apikey"]
    assert {"key": "key", "value": "X-Api-Key"} in keys_auth and {"key": "in", "value": "header"} in keys_auth
    assert stored["variable"][0] == {"key": "baseUrl", "value": "https://api.pay.test"}
    create = stored["item"][0]["item"][0]["item"][0]["request"]
    assert create["header"][0] == {"key": "Content-Type", "value": "application/json"}
    assert create["url"]["raw"].startswith("{{baseUrl}}/{{version}}/charges/:chargeId?api_key={{")
    assert json.loads(create["body"]["raw"])["amount"] == 100
    assert stored["item"][-2]["request"]["header"].startswith("Accept: application/json\nX-Api-Key: {{")
    assert stored["item"][-1]["request"]["body"]["raw"] == UNTOUCHED_BODY
    assert stored["info"]["description"] == "Use Bearer {{ACCESS_TOKEN}} to try it."


def test_redacting_twice_changes_nothing():
    once = redact_original("payments.json", as_bytes(synthetic()))
    assert redact_original("payments.json", once) == once


def test_wrapped_collection_is_redacted_too():
    original = as_bytes({"collection": synthetic()})
    stored = redact_original("wrapped.json", original)
    assert all(secret not in stored.decode() for secret in SECRETS + EXTRA_SECRETS)
    assert parse_bytes("wrapped.json", stored) == parse_bytes("wrapped.json", original)


def test_real_wise_collection_parses_the_same_after_redaction():
    path = data_dir("postman") / "wise_all_endpoints.json"
    original = path.read_bytes()
    stored = redact_original(path.name, original)
    assert parse_bytes(path.name, stored) == parse_bytes(path.name, original)
    assert stored == original  # the export holds only {{variables}}, so nothing needed rewriting


def test_real_wise_collection_with_a_token_added_loses_it():
    path = data_dir("postman") / "wise_all_endpoints.json"
    raw = json.loads(path.read_bytes())
    raw["auth"] = {"type": "bearer", "bearer": [{"key": "token", "value": BEARER}]}
    raw["variable"] = [*raw.get("variable", []), {"key": "apiToken", "value": OAUTH_TOKEN}]
    original = as_bytes(raw)
    stored = redact_original(path.name, original)
    assert BEARER not in stored.decode() and OAUTH_TOKEN not in stored.decode()
    before, after = parse_bytes(path.name, original), parse_bytes(path.name, stored)
    assert after == before and len(after.operations) == 66


OPENAPI = b"openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents: {schemas: {Cart: {properties: {item: {type: string}}}}}\n"


@pytest.mark.parametrize("name,data", [
    ("api.yaml", OPENAPI),
    ("api.json", json.dumps({"openapi": "3.0.0", "info": {"title": "T", "version": "1"}, "paths": {},
                             "x-example": {"item": ["a"], "token": BEARER}}).encode()),
    ("guide.md", f"# Guide\n\nSend `Authorization: Bearer {BEARER}`.\n".encode()),
    ("schema.graphql", b"type Query { item: String }\n"),
    ("broken.json", b'{"info": {"name": "x"}, "item": [,]}'),
    ("junk.bin", bytes(range(256)) * 8),
])
def test_other_formats_are_returned_as_sent(name, data):
    assert redact_original(name, data) is data


def test_archive_is_returned_as_sent():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("collection.json", as_bytes(synthetic()))
    data = buf.getvalue()
    assert redact_original("bundle.zip", data) is data


def test_collection_without_secrets_is_returned_as_sent():
    data = as_bytes({"info": {"name": "Open", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
                     "item": [{"name": "Ping", "request": {"method": "GET", "url": "https://open.test/ping?limit=10"}}]})
    assert redact_original("open.json", data) is data


def test_real_openapi_spec_is_not_loaded_or_changed():
    path = data_dir("specs") / "stripe_spec3_2022-04.json"
    data = path.read_bytes()
    assert redact_original(path.name, data) is data
