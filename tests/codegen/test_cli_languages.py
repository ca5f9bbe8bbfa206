"""`apiassist ask` lists every language by default and only the chosen ones with --lang."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from src.rag.codegen import SUPPORTED_LANGUAGES

_SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Pet Shop", "version": "1.0"},
    "servers": [{"url": "https://pets.example.com/v1"}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {"/pets/{petId}/adopt": {"post": {
        "operationId": "adoptPet", "summary": "Adopt a pet",
        "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["owner"], "properties": {"owner": {"type": "string"}}}}}},
        "responses": {"200": {"description": "Adopted."}},
    }}},
}


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    data = tmp_path_factory.mktemp("cli-lang")
    spec = data / "pets.json"
    spec.write_text(json.dumps(_SPEC))
    assert main(["--data-dir", str(data), "index", str(spec)]) == 0
    return data


def _ask(capsys, library, *extra: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(library), "ask", "How do I adopt a pet?", "--json", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_lists_every_language_by_default(library, capsys):
    code, out, _ = _ask(capsys, library)
    answer = json.loads(out)
    assert code == 0
    assert [c["language"] for c in answer["code"]] == list(SUPPORTED_LANGUAGES)
    assert len(answer["code"]) >= 10
    assert all("https://pets.example.com/v1/pets/" in c["code"] for c in answer["code"])


def test_ask_lang_keeps_only_the_chosen_languages_in_that_order(library, capsys):
    code, out, _ = _ask(capsys, library, "--lang", "java, golang")
    answer = json.loads(out)
    assert code == 0
    assert [c["language"] for c in answer["code"]] == ["java", "go"]
    assert "HttpClient" in answer["code"][0]["code"] and "net/http" in answer["code"][1]["code"]


def test_ask_lang_with_an_unknown_language_says_what_to_choose(library, capsys):
    code, out, err = _ask(capsys, library, "--lang", "go,cobol")
    assert code == 1 and out == ""
    assert err.startswith("error: Code samples are not available in 'cobol': choose one of curl, python")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_terminal_answer_prints_three_languages_and_names_the_others(library, capsys):
    assert main(["--data-dir", str(library), "ask", "How do I adopt a pet?"]) == 0
    out = capsys.readouterr().out
    assert "```curl\n" in out and "```python\n" in out and "```javascript\n" in out and "```go\n" not in out
    assert "Also available: typescript, go, java, csharp, php, ruby, powershell, httpie (pick with --lang" in out
    assert main(["--data-dir", str(library), "ask", "How do I adopt a pet?", "--lang", "ruby"]) == 0
    out = capsys.readouterr().out
    assert "```ruby\n" in out and "```curl\n" not in out and "Also available" not in out
