"""Bounds on what a spec may expand to (string bytes included), on operations, schemas and the normalised size;
valid YAML that libyaml refuses; text in Latin-1, UTF-16 and UTF-32."""

from __future__ import annotations

import json

import pytest

from src.core.config import Settings
from src.core.errors import SpecError
from src.rag.parsing import inspect_bytes, parse_bytes
from src.rag.parsing.limits import measure
from tests.parsing.hostile_specs import many_operations_spec, yaml_bomb
from tests.parsing.test_loading_safety import one_sentence


def test_the_11_kb_yaml_bomb_is_refused_by_its_expanded_size():
    text = yaml_bomb()
    assert 10_000 < len(text) < 12_000
    with pytest.raises(SpecError) as err:
        parse_bytes("bomb.yaml", text.encode())
    message = str(err.value)
    assert one_sentence(message) and message.startswith("bomb.yaml:")
    assert "APIASSIST_MAX_SPEC_EXPANDED_MB" in message and "1,050 MB" in message and "alias" in message


def test_inspect_refuses_the_bomb_too():
    report = inspect_bytes("bomb.yaml", yaml_bomb(100).encode())
    assert not report.ok and "APIASSIST_MAX_SPEC_EXPANDED_MB" in report.error and one_sentence(report.error)


def test_the_expanded_size_counts_aliased_strings_in_full_without_building_them():
    values, size, depth = measure("x", {"a": ["x" * 1000] * 50})
    assert size >= 50 * 1000 and values == 1 + 1 + 1 + 50 and depth == 2


def test_the_bound_is_a_setting_and_a_modest_alias_use_passes():
    text = yaml_bomb(1).replace('"' + "A" * 10_000 + '"', '"' + "A" * 100 + '"')  # 1 MB expanded
    spec = parse_bytes("anchors.yaml", text.encode())
    assert spec.title == "Bomb" and len(spec.operations) == 1
    with pytest.raises(SpecError) as err:
        parse_bytes("anchors.yaml", text.encode(), settings=Settings(max_spec_expanded_mb=0.5))
    assert "over the 0.5 MB limit" in str(err.value) and "APIASSIST_MAX_SPEC_EXPANDED_MB" in str(err.value)


def test_a_million_operations_are_refused_before_parsing():
    data = many_operations_spec(1_000_000)
    assert 20_000_000 < len(data) < 25 * 1024 * 1024  # under the upload limit
    report = inspect_bytes("many.json", data)
    assert not report.ok and one_sentence(report.error)
    assert "1,000,000 operations" in report.error and "APIASSIST_MAX_SPEC_OPERATIONS" in report.error


def test_operation_and_schema_limits_are_settings():
    small = many_operations_spec(30)
    assert len(parse_bytes("ops.json", small).operations) == 30
    with pytest.raises(SpecError) as err:
        parse_bytes("ops.json", small, settings=Settings(max_spec_operations=29))
    assert "30 operations, over the limit of 29" in str(err.value)
    doc = {"openapi": "3.0.0", "info": {"title": "S", "version": "1"}, "paths": {},
           "components": {"schemas": {f"S{i}": {"type": "object"} for i in range(12)}}}
    with pytest.raises(SpecError) as err:
        parse_bytes("schemas.json", json.dumps(doc).encode(), settings=Settings(max_spec_schemas=10))
    assert "12 schemas" in str(err.value) and "APIASSIST_MAX_SPEC_SCHEMAS" in str(err.value)
    swagger = {"swagger": "2.0", "info": {"title": "S", "version": "1"}, "paths": {},
               "definitions": {f"D{i}": {"type": "object"} for i in range(12)}}
    with pytest.raises(SpecError):
        parse_bytes("defs.json", json.dumps(swagger).encode(), settings=Settings(max_spec_schemas=10))


def test_postman_requests_count_as_operations():
    items = [{"name": f"r{i}", "request": {"method": "GET", "url": f"https://x.io/{i}"}} for i in range(5)]
    doc = {"info": {"name": "P", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
           "item": [{"name": "folder", "item": items}]}
    with pytest.raises(SpecError) as err:
        parse_bytes("p.json", json.dumps(doc).encode(), settings=Settings(max_spec_operations=4))
    assert "APIASSIST_MAX_SPEC_OPERATIONS" in str(err.value)


def test_the_normalised_spec_size_is_bounded():
    # $ref resolution can make the normalised form far larger than the file: the stored size is what is bounded
    schema = {"type": "object", "properties": {f"p{i}": {"type": "string", "description": "d" * 200} for i in range(40)}}
    paths = {f"/r{i}": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Big"}}}},
                                 "responses": {"200": {"description": "ok"}}}} for i in range(40)}
    doc = {"openapi": "3.0.0", "info": {"title": "Refs", "version": "1"}, "paths": paths,
           "components": {"schemas": {"Big": schema}}}
    data = json.dumps(doc).encode()
    assert len(parse_bytes("refs.json", data).operations) == 40
    with pytest.raises(SpecError) as err:
        parse_bytes("refs.json", data, settings=Settings(max_normalized_spec_mb=0.1))
    assert "APIASSIST_MAX_NORMALIZED_SPEC_MB" in str(err.value) and one_sentence(str(err.value))


TAB_SPEC = """openapi: 3.0.0
info:
  title: Payments
  version: "2024-01"
  description: |-
    \tIndented with a tab, as a real provider's published spec has it.
    Second line.
paths:
  /charges:
    get:
      summary: List charges
      description: |-
        \tTabbed first line
      responses: {'200': {description: ok}}
"""


def test_a_tab_inside_a_block_scalar_parses():
    import yaml

    with pytest.raises(yaml.YAMLError, match="tab"):
        yaml.load(TAB_SPEC, Loader=yaml.CSafeLoader)  # libyaml refuses it; YAML allows it
    spec = parse_bytes("payments.yaml", TAB_SPEC.encode())
    assert spec.title == "Payments" and spec.version == "2024-01"
    assert spec.description == "Indented with a tab, as a real provider's published spec has it.\nSecond line."
    assert [op.key for op in spec.operations] == ["GET /charges"]


def test_the_yaml_fallback_has_the_same_bounds():
    bomb = yaml_bomb().replace("paths:", "x-note: |-\n  \ttab\npaths:")
    with pytest.raises(SpecError) as err:
        parse_bytes("bomb.yaml", bomb.encode())
    assert "APIASSIST_MAX_SPEC_EXPANDED_MB" in str(err.value)


def test_yaml_that_no_loader_reads_keeps_the_first_error():
    with pytest.raises(SpecError) as err:
        parse_bytes("broken.yaml", b"openapi: 3.0.0\ninfo: [unclosed\n")
    assert "line" in str(err.value) and one_sentence(str(err.value))


def test_latin1_file_with_an_accent_near_the_top_is_text():
    text = "openapi: 3.0.0\ninfo:\n  title: Café API\n  version: '1'\npaths:\n  /menu:\n    get:\n      summary: Menú\n" \
           "      responses: {'200': {description: ok}}\n"
    spec = parse_bytes("cafe.yaml", text.encode("latin-1"))
    assert spec.title == "Café API" and spec.operations[0].summary == "Menú"
    prose = parse_bytes("notes.md", "# Über die API\n\nDie Schnittstelle liefert Daten.\n".encode("latin-1"))
    assert prose.title == "Über die API" and "Die Schnittstelle" in prose.docs[0].text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_byte_order_marks_pick_the_encoding(encoding):
    doc = '{"openapi": "3.0.0", "info": {"title": "Größe", "version": "1"}, "paths": {}}'
    assert parse_bytes(f"bom-{encoding}.json", doc.encode(encoding)).title == "Größe"


def test_binary_data_is_still_refused():
    with pytest.raises(SpecError, match="binary"):
        parse_bytes("blob.yaml", bytes(range(256)) * 40)


def test_a_collection_over_the_default_limit_is_still_redacted_when_the_limit_is_raised(monkeypatch):
    from src.rag.parsing import redact_original

    secret = "sk_live_51HxQpLmNoPqRsTuVwXyZ0123456789abcdef"
    items = [{"name": f"r{i}", "request": {"method": "GET", "url": f"https://api.pay.test/v1/r{i}"}} for i in range(20_001)]
    items[0]["request"]["header"] = [{"key": "Authorization", "value": f"Bearer {secret}"}]
    doc = {"info": {"name": "Big", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
           "item": items}
    data = json.dumps(doc).encode()
    with pytest.raises(SpecError, match="APIASSIST_MAX_SPEC_OPERATIONS"):
        parse_bytes("big.postman_collection.json", data)  # the default limit refuses it
    monkeypatch.setenv("APIASSIST_MAX_SPEC_OPERATIONS", "30000")
    assert len(parse_bytes("big.postman_collection.json", data, settings=Settings()).operations) == 20_001
    stored = redact_original("big.postman_collection.json", data)
    assert secret.encode() not in stored and b"r20000" in stored
