"""Example values: spec examples and defaults first, then the first enum value, then typed placeholders."""

from __future__ import annotations

from src.rag.codegen.values import base_type, body_value, form_pairs, sample_value
from src.rag.types import RequestBody, SchemaField


def test_base_type_reads_the_notations_parsers_produce():
    assert base_type("array<string>") == "array"
    assert base_type("[String!]!") == "array"
    assert base_type("Int!") == "integer"
    assert base_type("object|string") == "object"
    assert base_type("string|null") == "string"
    assert base_type("number") == "number"
    assert base_type("Boolean") == "boolean"


def test_sample_value_priority():
    assert sample_value("n", "integer", ("5",), default=3, example=7) == 7
    assert sample_value("n", "integer", ("5",), default=3) == 3
    assert sample_value("n", "integer", ("5", "6")) == 5
    assert sample_value("when", "string(date-time)") == "2024-01-01T00:00:00Z"
    assert sample_value("tags", "array<integer>") == [1]
    assert sample_value("charge", "string") == "<charge>"
    assert sample_value("flag", "boolean") is True


def test_body_uses_required_fields_and_nests_dotted_children():
    body = RequestBody(fields=(
        SchemaField("name", "string", True, example="Rex"),
        SchemaField("owner", "object", True),
        SchemaField("owner.email", "string(email)", True),
        SchemaField("owner.phone", "string"),
        SchemaField("tags", "array<object>", True),
        SchemaField("tags.label", "string", True, enum=("a", "b")),
        SchemaField("nickname", "string"),
        SchemaField("legacy", "string", True, deprecated=True),
    ))
    assert body_value(body) == {"name": "Rex", "owner": {"email": "user@example.com"}, "tags": [{"label": "a"}]}


def test_body_without_required_fields_shows_a_few_scalar_fields_and_uses_the_example_for_them():
    fields = (SchemaField("amount", "integer"), SchemaField("expand", "array<string>"), SchemaField("charge", "string"),
              SchemaField("reason", "string", enum=("duplicate",), example="duplicate"), SchemaField("x", "string"))
    assert body_value(RequestBody(fields=fields, example={"reason": "duplicate", "amount": 500})) == {
        "reason": "duplicate", "amount": 500, "charge": "<charge>"}
    # example keys the schema does not declare are not sent: only declared fields can be checked
    assert body_value(RequestBody(fields=fields, example={"a": 1, "b": 2})) == {
        "reason": "duplicate", "amount": 1, "charge": "<charge>"}
    full = {"a": 1, "b": 2, "c": 3}
    assert body_value(RequestBody(example=full)) == full
    assert body_value(RequestBody(example=[1, 2])) == [1, 2]


def test_body_never_sends_read_only_fields_and_puts_required_first():
    fields = (SchemaField("gid", "string", True, read_only=True), SchemaField("notes", "string"),
              SchemaField("name", "string", True), SchemaField("created_at", "string", read_only=True),
              SchemaField("workspace", "string", True, example="12345"))
    example = {"gid": "1", "created_at": "2024", "notes": "n", "name": "Bug", "workspace": "12345",
               **{f"extra{i}": i for i in range(40)}}
    assert list(body_value(RequestBody(fields=fields, example=example))) == ["name", "workspace"]


def test_body_takes_the_users_values_and_valid_enum_values():
    fields = (SchemaField("name", "string", True), SchemaField("public", "boolean"),
              SchemaField("kind", "string", True, enum=("a", "b"), example="zzz"))
    body = body_value(RequestBody(fields=fields), {"name": "Love Mariah", "public": False})
    assert body == {"name": "Love Mariah", "kind": "a", "public": False}


def test_field_names_with_dots_are_not_split_unless_the_prefix_is_a_field():
    body = RequestBody(fields=(SchemaField("a.b", "string", True, example="x"),))
    assert body_value(body) == {"a.b": "x"}


def test_form_pairs_flatten_like_form_apis_expect():
    assert form_pairs({"amount": 5, "metadata": {"k": "v"}, "expand": ["a", "b"], "ok": True,
                       "items": [{"price": "p1"}]}) == [
        ("amount", 5), ("metadata[k]", "v"), ("expand[]", "a"), ("expand[]", "b"), ("ok", "true"),
        ("items[0][price]", "p1")]
