"""Strings from a spec can never break out of the literals they are placed in (Python, shell, JavaScript)."""

from __future__ import annotations

import ast
import json
import subprocess
from urllib.parse import parse_qs

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from src.rag.codegen import generate_samples
from src.rag.codegen.wire import path_text
from src.rag.types import ApiSpec, AuthScheme, Operation, Parameter, RequestBody, SchemaField, SpecFormat
from tests.codegen.runners import SECRETS, run_node, run_python

NASTY = 'x"); __import__("os").system("touch pwned"); ("\n$(touch pwned)`touch pwned`\'${IFS}\\{}'
# Any character except surrogates, which no source file can hold.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=25)
SHELL_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=25)


def _spec(path_literal: str, summary: str, qname: str, qvalue: str, fname: str, fvalue: str) -> ApiSpec:
    op = Operation(
        "POST", f"/v1/{path_literal}/{{item}}", summary=summary,
        parameters=(Parameter("item", "path", True, example=fvalue), Parameter(qname, "query", True, example=qvalue)),
        request_body=RequestBody("application/json", fields=(SchemaField(fname, "string", True, example=fvalue),)),
        security=("k",),
    )
    return ApiSpec("Nasty", "1", SpecFormat.OPENAPI_30, servers=("https://api.example.com",), operations=(op,),
                   auth_schemes=(AuthScheme("k", "apiKey", location="header", param_name='X-Key"\n'),))


def _code(spec: ApiSpec, language: str, base_url: str | None = None) -> str:
    return generate_samples(spec, spec.operations[0], [language], base_url=base_url)[0].code


@settings(max_examples=60, deadline=None)
@given(path=TEXT, summary=TEXT, qname=TEXT, qvalue=TEXT, fname=TEXT, fvalue=TEXT)
def test_python_sample_keeps_every_spec_string_inside_its_literal(path, summary, qname, qvalue, fname, fvalue):
    code = _code(_spec(path, summary, qname, qvalue, fname, fvalue), "python")
    tree = ast.parse(code)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert names <= {"os", "requests", "API_KEY", "ITEM", "response", "print"}
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert calls == {"requests.post", "print"}
    url = next(n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr))
    literal = "".join(v.value for v in url.values if isinstance(v, ast.Constant))
    assert literal == f"https://api.example.com/v1/{path_text(path)}/"
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert {qname, qvalue, fname, fvalue} <= constants


_FAKE_CURL = "curl() { printf '%s\\0' \"$@\"; }\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=SHELL_TEXT, qname=TEXT, qvalue=TEXT, fname=TEXT, fvalue=SHELL_TEXT)
def test_curl_sample_passes_spec_strings_as_exact_arguments(tmp_path, path, qname, qvalue, fname, fvalue):
    code = _code(_spec(path, NASTY, qname, qvalue, fname, fvalue), "curl")
    proc = subprocess.run(["bash", "-c", _FAKE_CURL + code], capture_output=True, cwd=tmp_path, timeout=30,
                          env={"PATH": "/usr/bin:/bin", "API_KEY": "k1"})
    assert proc.returncode == 0, proc.stderr
    args = proc.stdout.decode().split("\0")[:-1]
    url = next(a for a in args if a.startswith("https://"))
    # Path text arrives percent-encoded where a URL cannot hold it as written, the path-parameter value
    # verbatim; the query string follows, encoded.
    prefix = "https://api.example.com/v1/" + path_text(path) + "/" + fvalue + "?"
    assert url.startswith(prefix)
    assert parse_qs(url[len(prefix):], keep_blank_values=True) == {qname: [qvalue]}
    body = args[args.index("--data-raw") + 1]
    assert json.loads(body) == {fname: fvalue}
    assert 'X-Key: k1' in args
    assert not any(tmp_path.iterdir()), "the sample must not run anything but curl"


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_nasty_spec_sample_runs_and_reaches_the_api_unharmed(stand_in_api, tmp_path, language):
    spec = _spec("a b", NASTY, "q" + NASTY, NASTY, "f" + NASTY, "v1")
    code = _code(spec, language, base_url=stand_in_api.base_url)
    (run_python if language == "python" else run_node)(code, tmp_path)
    got = stand_in_api.only()
    assert got.path == "/v1/a%20b/v1"
    assert got.query == {"q" + NASTY: [NASTY]}
    assert json.loads(got.body) == {"f" + NASTY: "v1"}
    assert got.headers["x-key"] == SECRETS["API_KEY"]
    assert not (tmp_path / "pwned").exists()
