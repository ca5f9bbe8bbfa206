"""Operations every language's sample is run for, and the check that the stand-in API got exactly that request."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from src.rag.codegen import build_request
from src.rag.codegen.auth import AuthKind
from src.rag.codegen.request import BodyKind, RequestModel
from src.rag.codegen.wire import UPLOAD_NAME, query_pairs
from src.rag.types import ApiSpec, AuthScheme, Operation, Parameter, RequestBody, SchemaField, SpecFormat
from tests.codegen import sample_specs as specs
from tests.codegen.conftest import Received
from tests.codegen.runners import SECRETS

SPECS_DIR = specs.DATA_DIR / "specs"
GRAPHQL_DIR = specs.DATA_DIR / "graphql"
# Hostile text for every language's string syntax: quotes, interpolation, escapes, comment and tag ends.
NASTY = ('x"); system("touch pwned"); ("\n$(touch pwned)`touch pwned`\'${IFS}\\{}#{`touch pwned`}'
         "\\u0022\u2019); touch pwned #?><?php touch(\"pwned\"); */ @\"\"\" $env:HOME")


@dataclass(frozen=True)
class Scenario:
    """One operation of one spec, sent to the stand-in API under ``prefix``."""

    name: str
    load: Callable[[], ApiSpec]
    key: str
    prefix: str = ""

    def spec(self) -> ApiSpec:
        """Return the spec (parsed once per session for the shared ones)."""
        return self.load()

    def operation(self) -> Operation:
        """Return the operation, failing clearly when the spec no longer has it."""
        op = self.spec().operation(self.key)
        assert op is not None, f"{self.key} missing from {self.spec().title}"
        return op

    def model(self, base_url: str) -> RequestModel:
        """Return the request the sample is expected to send."""
        return build_request(self.spec(), self.operation(), base_url + self.prefix)


@cache
def _parsed(path: Path) -> ApiSpec:
    from src.rag.parsing import parse_path

    return parse_path(path)


def _shared(name: str) -> Callable[[], ApiSpec]:
    return lambda: _parsed(SPECS_DIR / name)


def misc_spec() -> ApiSpec:
    """Return an API with a cookie key, a multipart upload, a raw text body and hostile strings."""
    nasty = Operation(
        "POST", "/v1/a b/{item}", summary=NASTY, security=("k",),
        parameters=(Parameter("item", "path", True, example="v1"), Parameter("q" + NASTY, "query", True, example=NASTY),
                    Parameter("X-Note", "header", True, example=NASTY)),
        request_body=RequestBody("application/json", fields=(
            SchemaField("f" + NASTY, "string", True, example=NASTY), SchemaField("n", "integer", True, example=3))),
    )
    return ApiSpec("Misc", "1", SpecFormat.OPENAPI_30, servers=("https://m.example.com",), operations=(
        Operation("POST", "/upload", security=("c",), request_body=RequestBody("multipart/form-data", fields=(
            SchemaField("title", "string", True, example="@etc/passwd"),
            SchemaField("note", "string", True, example="=two words")))),
        Operation("PUT", "/note", request_body=RequestBody("text/plain", raw_example="hello\nworld \"quoted\"")),
        nasty,
    ), auth_schemes=(AuthScheme("c", "apiKey", location="cookie", param_name="session"),
                     AuthScheme("k", "apiKey", location="header", param_name="X-Key")))


SCENARIOS = (
    Scenario("stripe-refund-form", _shared("stripe_spec3_2022-04.json"), "POST /v1/refunds"),
    Scenario("stripe-get-charge-path", _shared("stripe_spec3_2022-04.json"), "GET /v1/charges/{charge}"),
    Scenario("openai-embeddings-json", _shared("openai_openapi.yaml"), "POST /embeddings"),
    Scenario("openai-transcription-multipart", _shared("openai_openapi.yaml"), "POST /audio/transcriptions"),
    Scenario("discord-message-header-key", _shared("discord_openapi.json"), "POST /channels/{channel_id}/messages"),
    Scenario("twilio-message-basic-form", _shared("twilio/twilio_api_v2010.json"),
             "POST /2010-04-01/Accounts/{AccountSid}/Messages.json"),
    Scenario("swapi-graphql", lambda: _parsed(GRAPHQL_DIR / "swapi_schema.graphql"), "QUERY film", "/graphql"),
    Scenario("graphql-bearer", specs.graphql_spec, "QUERY repository", "/graphql"),
    Scenario("json-path-query-header", specs.json_api_spec, "POST /v2/stores/{storeId}/orders", "/api"),
    Scenario("query-key", specs.query_key_spec, "GET /data/forecast"),
    Scenario("basic-delete", specs.basic_auth_spec, "DELETE /users/{user_id}"),
    Scenario("cookie-multipart", misc_spec, "POST /upload"),
    Scenario("raw-text", misc_spec, "PUT /note"),
    Scenario("hostile-strings", misc_spec, f"POST /v1/a b/{{item}}"),
)


def _expected_query(model: RequestModel) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in query_pairs(model):
        out.setdefault(name, []).append(value)
    if model.auth and model.auth.kind == AuthKind.QUERY:
        out.setdefault(model.auth.name, []).append(SECRETS[model.auth.env])
    return out


def _check_auth(got: Received, model: RequestModel) -> None:
    auth = model.auth
    if auth is None:
        return
    if auth.kind == AuthKind.BEARER:
        assert got.headers["authorization"] == f"Bearer {SECRETS[auth.env]}"
    elif auth.kind == AuthKind.BASIC:
        pair = f"{SECRETS[auth.env]}:{SECRETS[auth.env_password]}".encode()
        assert got.headers["authorization"] == "Basic " + base64.b64encode(pair).decode()
    elif auth.kind == AuthKind.HEADER:
        assert got.headers[auth.name.lower()] == SECRETS[auth.env]
    elif auth.kind == AuthKind.COOKIE:
        assert f"{auth.name}={SECRETS[auth.env]}" in [c.strip() for c in got.headers["cookie"].split(";")]


def _multipart(got: Received) -> list[tuple[str, str, str]]:
    head = f"Content-Type: {got.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + got.body)
    return [(part.get_param("name", header="content-disposition"), part.get_payload(decode=True).decode(),
             part.get_filename() or "") for part in message.iter_parts()]


def upload_file(model: RequestModel, folder: Path) -> None:
    """Write the local file the shell samples upload for a multipart file field (its placeholder text)."""
    files = set(getattr(model, "files", ()))
    for name, value in model.form if model.body_kind == BodyKind.MULTIPART else []:
        if name in files:
            (folder / UPLOAD_NAME).write_text(str(value), encoding="utf-8")


def _check_body(got: Received, model: RequestModel) -> None:
    ctype = got.headers.get("content-type", "")
    if model.body_kind == BodyKind.NONE:
        assert got.body == b""
    elif model.body_kind == BodyKind.JSON:
        assert "json" in ctype, ctype
        assert json.loads(got.body) == json.loads(json.dumps(model.body))
    elif model.body_kind == BodyKind.FORM:
        assert ctype.startswith("application/x-www-form-urlencoded"), ctype
        assert sorted(got.form().items()) == sorted(_pairs_dict(model.form).items())
    elif model.body_kind == BodyKind.MULTIPART:
        assert ctype.startswith("multipart/form-data"), ctype
        # A file field arrives as a file part named upload.bin; every other field as a plain part.
        files = set(getattr(model, "files", ()))
        expected = [(k, str(v), UPLOAD_NAME if k in files else "") for k, v in model.form]
        assert sorted(_multipart(got)) == sorted(expected)
    else:
        assert got.body.decode() == str(model.body)
        assert ctype.split(";")[0] == model.content_type, ctype


def _pairs_dict(pairs: list[tuple[str, object]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(str(value))
    return out


def assert_received(got: Received, model: RequestModel) -> None:
    """Check method, path, query, headers, auth and body of what the stand-in API received."""
    assert got.method == model.method
    base_path = urlsplit(model.base_url).path
    path = base_path + "".join(p.text or str(_path_value(model, p.var)) for p in model.path_parts)
    assert unquote(got.path) == path
    assert got.query == _expected_query(model)
    for name, value in model.headers:
        assert got.headers.get(name.lower()) == value, name
    _check_auth(got, model)
    _check_body(got, model)


def _path_value(model: RequestModel, var: str) -> object:
    from src.rag.codegen.values import form_scalar

    return form_scalar(next(v.value for v in model.path_vars if v.var == var))
