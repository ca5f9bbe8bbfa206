"""Sniffing: prose that merely looks like JSON or YAML is read as Markdown; a file meant as a spec keeps its syntax error."""

from __future__ import annotations

import pytest

from src.core.errors import SpecError
from src.rag.parsing import parse_bytes
from src.rag.types import SpecFormat
from tests.parsing.test_loading_safety import one_sentence

BADGE = """[![build](https://ci.example.test/badge.svg)](https://ci.example.test)

# Things API

List things with `GET /v1/things`.
"""

BASE_URL = """{{baseUrl}}/v1 is the base URL of every request.

## Create a thing

POST /v1/things creates a thing.
"""

KEYED_PROSE = """Endpoint: GET /v1/things
Note: use the token from your dashboard
Auth: send it as a Bearer header
"""

# The second line has two ': ', which YAML refuses; as prose it is fine.
KEYED_PROSE_NOT_YAML = """Endpoint: DELETE /v1/things/{id}
Note: the token must be fresh: one hour at most
"""

FENCED_SPEC = """Here is a fragment of our spec:

```yaml
openapi: 3.0.0
info: {title: broken
```

Endpoint: GET /v1/fragments
Version: 2
"""


@pytest.mark.parametrize("name,text,endpoint", [
    ("README.md", BADGE, "GET /v1/things"),
    ("guide.md", BASE_URL, "POST /v1/things"),
    ("notes.md", KEYED_PROSE, "GET /v1/things"),
    ("notes.txt", KEYED_PROSE_NOT_YAML, "DELETE /v1/things/{id}"),
    ("fragment.md", FENCED_SPEC, "GET /v1/fragments"),
    ("wiki.md", "[[_TOC_]]\n\n# Wiki\n\nGET /v1/pages\n", "GET /v1/pages"),
    ("front.md", "---\ntitle: Orders\nlayout: api\n---\n", None),
])
def test_prose_that_looks_like_json_or_yaml_is_markdown(name, text, endpoint):
    spec = parse_bytes(name, text.encode())
    assert spec.format == SpecFormat.MARKDOWN
    assert [o.key for o in spec.operations] == ([endpoint] if endpoint else [])
    assert spec.docs and any(text.strip().splitlines()[0] in d.text for d in spec.docs)


def test_badge_readme_keeps_its_heading_as_title():
    assert parse_bytes("README.md", BADGE.encode()).title == "Things API"


@pytest.mark.parametrize("name,text,start", [
    ("spec.md", '{"openapi": "3.0.0",\n  "info": {"title": "x" "version": "1"}}', "spec.md: JSON syntax error at line 2, column "),
    ("api.json", "{{baseUrl}}/v1/things\n", "api.json: JSON syntax error at line 1, column 2:"),
    ("notes.txt", "openapi: 3.0.0\ninfo:\n  title: x\n bad: indent\n", "notes.txt: YAML syntax error at line "),
    ("notes.md", "# openapi spec\nswagger: '2.0'\npaths: [unclosed\n", "notes.md: YAML syntax error at line "),
])
def test_a_file_meant_as_a_spec_keeps_its_syntax_error(name, text, start):
    with pytest.raises(SpecError) as err:
        parse_bytes(name, text.encode())
    assert str(err.value).startswith(start) and one_sentence(str(err.value))


@pytest.mark.parametrize("name,text", [
    ("config.yaml", "title: Orders\nowner: team-a\n"),
    ("data.json", '[{"id": 1}]'),
])
def test_json_or_yaml_named_as_such_but_not_a_spec_is_refused(name, text):
    with pytest.raises(SpecError) as err:
        parse_bytes(name, text.encode())
    assert "is not a spec this app reads" in str(err.value) and one_sentence(str(err.value))


def test_binary_junk_named_markdown_is_still_refused():
    with pytest.raises(SpecError) as err:
        parse_bytes("README.md", b"[![" + bytes(range(256)) * 20)
    assert str(err.value).startswith("README.md: the file is binary data") and one_sentence(str(err.value))


def test_real_spec_shapes_are_unchanged():
    spec = parse_bytes("mini.yaml", b"openapi: 3.0.0\ninfo: {title: Mini, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {200: {description: ok}}\n")
    assert spec.format == SpecFormat.OPENAPI_30 and [o.key for o in spec.operations] == ["GET /a"]
    flow = parse_bytes("mini.json", b'{\n  "swagger": "2.0", "info": {"title": "M", "version": "1"}, "paths": {}}')
    assert flow.format == SpecFormat.SWAGGER_20
