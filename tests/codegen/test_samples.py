"""What each generated sample contains: base URL, auth, parameters and body, for every request style."""

from __future__ import annotations

import ast
import subprocess

import pytest

from src.core.errors import InputRejected
from src.rag.codegen import PLACEHOLDER_BASE_URL, SUPPORTED_LANGUAGES, generate_samples
from src.rag.types import ApiSpec, AuthScheme, Operation, RequestBody, Response, SchemaField, SpecFormat
from tests.codegen import sample_specs as specs


def _codes(spec: ApiSpec, key: str) -> dict[str, str]:
    return {s.language: s.code for s in generate_samples(spec, spec.operation(key))}


def test_every_supported_language_is_generated_with_a_label():
    spec = specs.stripe_like_spec()
    samples = generate_samples(spec, spec.operation("POST /v1/refunds"))
    assert [s.language for s in samples] == list(SUPPORTED_LANGUAGES)
    assert all(s.label and s.code.endswith("\n") for s in samples)


def test_language_aliases_and_unknown_language():
    spec = specs.stripe_like_spec()
    op = spec.operation("POST /v1/refunds")
    assert [s.language for s in generate_samples(spec, op, ["py", "js", "bash", "python"])] == [
        "python", "javascript", "curl"]
    with pytest.raises(InputRejected, match="choose one of curl, python, javascript"):
        generate_samples(spec, op, ["cobol"])


def test_bearer_is_preferred_over_basic_and_path_parameters_become_named_variables():
    codes = _codes(specs.stripe_like_spec(), "POST /v1/charges/{charge}/refund")
    assert 'CHARGE = "<charge>"' in codes["python"]
    assert 'f"https://api.stripe.com/v1/charges/{CHARGE}/refund"' in codes["python"]
    assert "CHARGE='<charge>'" in codes["curl"]
    assert '"https://api.stripe.com/v1/charges/${CHARGE}/refund"' in codes["curl"]
    assert '-H "Authorization: Bearer ${API_TOKEN}"' in codes["curl"]
    assert "`https://api.stripe.com/v1/charges/${CHARGE}/refund`" in codes["javascript"]
    assert "process.env.API_TOKEN" in codes["javascript"]


def test_basic_auth_uses_requests_auth_tuple_and_curl_user():
    codes = _codes(specs.basic_auth_spec(), "DELETE /users/{user_id}")
    assert "auth=(API_USERNAME, API_PASSWORD)" in codes["python"]
    assert '-u "${API_USERNAME}:${API_PASSWORD}"' in codes["curl"]
    assert "requests.delete(" in codes["python"]


def test_spec_without_server_gets_a_placeholder_and_says_so():
    spec = ApiSpec("Bare", "1", SpecFormat.OPENAPI_30, servers=("/api/v3",),
                   operations=(Operation("GET", "/pets", summary="List pets"),))
    codes = _codes(spec, "GET /pets")
    for code in codes.values():
        assert f"{PLACEHOLDER_BASE_URL}/api/v3" in code
        assert "no absolute server URL" in code
    assert "Authorization" not in codes["python"]


def test_operation_servers_override_the_spec_servers():
    op = Operation("GET", "/files", servers=("https://files.example.net/v2/",))
    spec = ApiSpec("Two hosts", "1", SpecFormat.OPENAPI_30, servers=("https://api.example.net",), operations=(op,))
    assert '"https://files.example.net/v2/files"' in _codes(spec, "GET /files")["python"]


def test_postman_headers_and_auth_variable():
    op = Operation("POST", "/v1/transfers", headers=(("Authorization", "Bearer {{TOKEN}}"),
                                                     ("Content-Type", "application/json"), ("X-Idempotency", "abc")),
                   request_body=RequestBody("application/json", raw_example='{"quote": 1}'))
    spec = ApiSpec("Wise", "1", SpecFormat.POSTMAN, servers=("https://api.transferwise.com",), operations=(op,))
    codes = _codes(spec, "POST /v1/transfers")
    assert 'TOKEN = os.environ["TOKEN"]' in codes["python"]
    assert '"X-Idempotency": "abc"' in codes["python"]
    assert 'json={"quote": 1}' in codes["python"]
    assert codes["curl"].count("Content-Type") == 1


def test_cookie_key_multipart_and_raw_bodies():
    spec = ApiSpec("Misc", "1", SpecFormat.OPENAPI_30, servers=("https://m.example.com",), operations=(
        Operation("POST", "/upload", security=("c",), request_body=RequestBody(
            "multipart/form-data", fields=(SchemaField("title", "string", True, example="@etc/passwd"),))),
        Operation("PUT", "/note", request_body=RequestBody("text/plain", raw_example="hello")),
    ), auth_schemes=(AuthScheme("c", "apiKey", location="cookie", param_name="session"),))
    upload = _codes(spec, "POST /upload")
    assert 'cookies={"session": API_KEY}' in upload["python"]
    assert 'files={"title": [None, "@etc/passwd"]}' in upload["python"]
    assert "--form-string title=@etc/passwd" in upload["curl"]
    assert '--cookie "session=${API_KEY}"' in upload["curl"]
    note = _codes(spec, "PUT /note")
    assert 'data="hello"' in note["python"] and "--data-raw hello" in note["curl"]


def test_every_operation_of_the_stripe_spec_yields_valid_python_and_shell():
    spec, _real = specs.load_stripe_spec()
    scripts = []
    for op in spec.operations:
        codes = {s.language: s.code for s in generate_samples(spec, op, ["python", "curl"])}
        ast.parse(codes["python"], filename=op.key)
        scripts.append(codes["curl"])
    check = subprocess.run(["bash", "-n"], input="\n".join(scripts), text=True, capture_output=True, timeout=60)
    assert check.returncode == 0, check.stderr
    assert len(scripts) == len(spec.operations) >= 4


def test_graphql_input_objects_enums_and_missing_server():
    from src.rag.types import Parameter, Protocol, SchemaDef

    doc = "mutation AddComment($input: AddCommentInput!, $state: IssueState!) {\n  addComment(input: $input) { id }\n}\n"
    op = Operation("MUTATION", "addComment", protocol=Protocol.GRAPHQL, graphql_document=doc,
                   parameters=(Parameter("input", "argument", True, "AddCommentInput!"),
                               Parameter("state", "argument", True, "IssueState!")))
    spec = ApiSpec("GitHub", "1", SpecFormat.GRAPHQL, operations=(op,), schemas=(
        SchemaDef("AddCommentInput", type="input", fields=(SchemaField("body", "String!", True),
                                                            SchemaField("clientMutationId", "String"),
                                                            SchemaField("labels", "[ID!]!", True))),
        SchemaDef("IssueState", type="enum", enum=("CLOSED", "OPEN"))))
    codes = _codes(spec, "MUTATION addComment")
    python = codes["python"]
    assert 'requests.post(\n    "https://api.example.com/graphql",' in python
    assert "cannot declare authentication" in python
    assert '"variables": {"input": {"body": "<body>", "labels": ["<labels>"]}, "state": "CLOSED"}' in python
    namespace: dict = {}
    exec(compile(python.split("response = ")[0].split("import requests")[1], "sample", "exec"), namespace)
    assert namespace["QUERY"] == doc  # the document survives line splitting exactly


def test_multiline_raw_body_keeps_its_text_and_one_content_type():
    body = 'line "one"\n  line two\n'
    op = Operation("POST", "/raw", headers=(("Content-Type", "text/csv"),),
                   request_body=RequestBody("text/csv", raw_example=body), summary="GET /raw")
    spec = ApiSpec("Raw", "1", SpecFormat.POSTMAN, servers=("https://r.example.com",), operations=(op,))
    codes = _codes(spec, "POST /raw")
    assert codes["python"].startswith("# POST /raw\n")  # a request name like "GET /raw" is not repeated
    namespace: dict = {}
    exec(compile(codes["python"].split("response = ")[0].split("import requests")[1], "sample", "exec"), namespace)
    assert namespace["PAYLOAD"] == body
    for language, code in codes.items():
        # C# and PowerShell pass the media type beside the body instead of as a header line.
        assert code.lower().count("content-type") == (0 if language in {"csharp", "powershell"} else 1), language
        assert code.count("text/csv") == 1, language


def test_generate_takes_a_language_list_or_none_for_all():
    from src.rag.codegen import generate

    spec = specs.json_api_spec()
    op = spec.operation("POST /v2/stores/{storeId}/orders")
    assert [s.language for s in generate(op, spec, None)] == list(SUPPORTED_LANGUAGES)
    assert [s.language for s in generate(op, spec, ["C#", "golang", "ts", "go"])] == ["csharp", "go", "typescript"]
    assert [s.label for s in generate(op, spec, ["pwsh", "http"])] == ["PowerShell (Invoke-RestMethod)", "HTTPie"]
    with pytest.raises(InputRejected, match="Name at least one language"):
        generate(op, spec, [])


def test_arrange_samples_orders_each_step_by_preference_and_can_keep_the_rest():
    from src.rag.codegen import arrange_samples
    from src.rag.types import CodeSample

    samples = [CodeSample(lang, "", f"Step {n}: {lang}") for n in (1, 2) for lang in ("curl", "python", "go")]
    chosen = arrange_samples(samples, ["go", "curl"])
    assert [s.label for s in chosen] == ["Step 1: go", "Step 1: curl", "Step 2: go", "Step 2: curl"]
    everything = arrange_samples(samples, ["go"], keep_others=True)
    assert [s.label for s in everything] == ["Step 1: go", "Step 1: curl", "Step 1: python",
                                             "Step 2: go", "Step 2: curl", "Step 2: python"]


def test_typescript_interfaces_follow_the_schemas_and_accept_the_sample_body():
    op = Operation("POST", "/orders", request_body=RequestBody("application/json", schema_name="order-create", fields=(
        SchemaField("sku", "string", True, example="A1"), SchemaField("qty", "integer", True, example="2"),
        SchemaField("tags", "array[string]"), SchemaField("ship", "object", True),
        SchemaField("ship.city", "string", True), SchemaField("my-field", "boolean"))),
        responses=(Response("201", "Created.", "application/json", (
            SchemaField("id", "string", True), SchemaField("lines", "array[object]"),
            SchemaField("lines.sku", "string", True)), "order"),))
    spec = ApiSpec("Shop", "1", SpecFormat.OPENAPI_30, servers=("https://s.example.com",), operations=(op,))
    code = _codes(spec, "POST /orders")["typescript"]
    assert "interface OrderCreate {\n  sku: string;\n  qty: string;\n  tags?: string[];\n" in code
    assert "  ship: {\n    city: string;\n  };\n" in code and '  "my-field"?: boolean;' in code
    assert "interface Order {\n  id: string;\n  lines?: Array<{\n    sku: string;\n  }>;\n}" in code
    assert "const payload: OrderCreate = {" in code and "JSON.parse(text) as Order;" in code


def test_head_requests_expect_no_response_body():
    spec = ApiSpec("H", "1", SpecFormat.OPENAPI_30, servers=("https://h.example.com",),
                   operations=(Operation("HEAD", "/files/a"),))
    codes = _codes(spec, "HEAD /files/a")
    assert "CURLOPT_NOBODY => true" in codes["php"]
    assert "Net::HTTPGenericRequest.new('HEAD', false, false, uri.request_uri)" in codes["ruby"]
    assert "requests.head(" in codes["python"]


def test_typescript_types_graphql_variables_from_the_declared_arguments():
    code = _codes(specs.graphql_spec(), "QUERY repository")["typescript"]
    # followRenames is an argument the document does not declare, so it is no variable.
    assert "interface RepositoryVariables {\n  owner: string;\n  name: string;\n}" in code
    assert 'const variables: RepositoryVariables = {"owner": "<owner>", "name": "<name>"};' in code
