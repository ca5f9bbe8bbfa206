"""Hostile or broken input is refused with one clear sentence: bombs, nesting, size, junk, syntax errors."""

from __future__ import annotations

import json

import pytest

from src.core.config import Settings
from src.core.errors import InputRejected, SpecError
from src.rag.parsing import inspect_bytes, parse_bytes, parse_path

YAML_BOMB = """openapi: 3.0.0
info: {title: bomb, version: "1"}
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
paths: {}
"""


def one_sentence(message: str) -> bool:
    """Tell whether a message is a single line ending with a full stop."""
    return "\n" not in message and message.endswith(".") and len(message) < 600


def test_yaml_alias_bomb_is_refused():
    with pytest.raises(SpecError) as err:
        parse_bytes("bomb.yaml", YAML_BOMB.encode())
    assert "bomb.yaml" in str(err.value) and "alias" in str(err.value) and one_sentence(str(err.value))


def test_recursive_yaml_alias_is_refused():
    doc = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: &p {x: *p}\n"
    with pytest.raises(SpecError) as err:
        parse_bytes("loop.yaml", doc.encode())
    assert one_sentence(str(err.value))


@pytest.mark.parametrize("kind", ["json", "yaml"])
def test_200_level_nesting_is_refused(kind):
    inner = "[" * 200 + "]" * 200
    doc = '{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}, "x-deep": %s}' % inner
    data = doc.encode() if kind == "json" else ("openapi: 3.0.0\nx-deep: " + inner + "\n").encode()
    with pytest.raises(SpecError) as err:
        parse_bytes(f"deep.{kind}", data)
    assert "nested" in str(err.value) and one_sentence(str(err.value))


def test_50_mb_upload_is_refused_by_size_before_parsing():
    junk = b"\x00" * (50 * 1024 * 1024)  # would be a binary-data error if it were ever read
    with pytest.raises(InputRejected) as err:
        parse_bytes("huge.json", junk)
    assert "MB" in str(err.value) and "limit" in str(err.value)


def test_50_mb_file_on_disk_is_refused_by_size(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(InputRejected):
        parse_path(path)


def test_binary_junk_named_yaml_gets_one_sentence():
    junk = bytes(range(256)) * 40
    with pytest.raises(SpecError) as err:
        parse_bytes("petstore.yaml", junk)
    assert str(err.value).startswith("petstore.yaml: the file is binary data") and one_sentence(str(err.value))


def test_yaml_syntax_error_names_line_and_column():
    doc = "openapi: 3.0.0\ninfo:\n  title: Pets\n  version: '1'\npaths:\n  /pets:\nbroken line here\n  get: {}\n"
    with pytest.raises(SpecError) as err:
        parse_bytes("petstore.yaml", doc.encode())
    message = str(err.value)
    assert message.startswith("petstore.yaml: YAML syntax error at line ") and ", column " in message
    assert one_sentence(message)


def test_missing_colon_is_reported_where_the_key_starts():
    doc = "openapi: 3.0.0\ninfo:\n  title: Pets\n  version: '1'\npaths:\n  /pets:\nget\n  post: {}\n"
    with pytest.raises(SpecError) as err:
        parse_bytes("petstore.yaml", doc.encode())
    assert str(err.value).startswith("petstore.yaml: YAML syntax error at line 7, column 1: a mapping key is missing ':'")


def test_json_syntax_error_names_line_and_column():
    doc = '{\n  "openapi": "3.0.0",\n  "info": {"title": "x" "version": "1"}\n}'
    with pytest.raises(SpecError) as err:
        parse_bytes("spec.json", doc.encode())
    assert str(err.value).startswith("spec.json: JSON syntax error at line 3, column 25:")


def test_json_that_is_not_a_spec_names_the_pointer():
    with pytest.raises(SpecError) as err:
        parse_bytes("data.json", json.dumps({"hello": "world"}).encode())
    assert "at #" in str(err.value) and one_sentence(str(err.value))


def test_yaml_unknown_tags_and_equals_scalar_are_read_as_strings():
    doc = ("openapi: 3.0.0\ninfo: {title: Tagged, version: 2022-11-15}\npaths:\n  /things:\n    get:\n"
           "      summary: !custom list things\n      x-flag: =\n      responses: {200: {description: ok}}\n")
    spec = parse_bytes("tagged.yaml", doc.encode())
    op = spec.operation("GET /things")
    assert op.summary == "list things" and spec.version == "2022-11-15"
    assert op.responses[0].status == "200"


def test_inspect_never_raises_and_reports_the_sentence():
    report = inspect_bytes("junk.yaml", b"\x00\x01\x02binary")
    assert not report.ok and report.error.startswith("junk.yaml:")
    assert report.to_inspect_json()["error"] == report.error


def test_empty_file_is_refused():
    with pytest.raises(SpecError) as err:
        parse_bytes("empty.yaml", b"   \n")
    assert "empty" in str(err.value)


def test_settings_limit_is_respected():
    with pytest.raises(InputRejected):
        parse_bytes("small.json", b"{}" * 1000, settings=Settings(max_upload_mb=0.001))
