"""Generated samples, run for real against a stand-in API on loopback, send exactly the request the spec describes."""

from __future__ import annotations

import ast
import base64

import pytest

from src.rag.codegen import build_request, generate_samples
from tests.codegen import sample_specs as specs
from tests.codegen.runners import SECRETS, run_curl, run_node, run_python

RUNNERS = {"python": run_python, "curl": run_curl, "javascript": run_node}


def _sample(spec, key, language, base_url=None):
    op = spec.operation(key)
    assert op is not None, f"{key} missing from {spec.title}"
    (sample,) = generate_samples(spec, op, [language], base_url=base_url)
    return sample.code


@pytest.fixture(scope="module")
def stripe():
    return specs.load_stripe_spec()


def test_stripe_refund_samples_use_the_real_base_url(stripe):
    spec, _real = stripe
    op = spec.operation("POST /v1/refunds")
    codes = {s.language: s.code for s in generate_samples(spec, op)}
    assert '"https://api.stripe.com/v1/refunds"' in codes["curl"]
    assert 'requests.post(\n    "https://api.stripe.com/v1/refunds",' in codes["python"]
    assert 'new URL("https://api.stripe.com/v1/refunds")' in codes["javascript"]
    ast.parse(codes["python"])
    assert 'os.environ["API_TOKEN"]' in codes["python"]


@pytest.mark.parametrize("language", ["python", "curl", "javascript"])
def test_stripe_refund_sends_form_body_with_bearer_token(stripe, stand_in_api, tmp_path, language):
    spec, real = stripe
    code = _sample(spec, "POST /v1/refunds", language, base_url=stand_in_api.base_url)
    output = RUNNERS[language](code, tmp_path)
    got = stand_in_api.only()
    assert (got.method, got.path) == ("POST", "/v1/refunds")
    assert got.headers["authorization"] == f"Bearer {SECRETS['API_TOKEN']}"
    assert got.headers["content-type"].startswith("application/x-www-form-urlencoded")
    form = got.form()
    expected = {k: [str(v)] for k, v in build_request(spec, spec.operation("POST /v1/refunds")).form}
    assert form == expected
    # Stripe marks no refund field required, so the sample shows the first scalar fields and the enum example.
    assert form == {"amount": ["1"], "charge": ["<charge>"], "reason": ["duplicate"]}, f"real spec: {real}"
    assert '{"ok": true}' in output, "the sample must print the response"


@pytest.mark.parametrize("language", ["python", "curl", "javascript"])
def test_json_api_sends_path_query_header_key_and_json_body(stand_in_api, tmp_path, language):
    spec = specs.json_api_spec()
    code = _sample(spec, "POST /v2/stores/{storeId}/orders", language, base_url=stand_in_api.base_url + "/api")
    RUNNERS[language](code, tmp_path)
    got = stand_in_api.only()
    assert (got.method, got.path) == ("POST", "/api/v2/stores/42/orders")
    assert "STORE_ID" in code
    assert got.query == {"dryRun": ["false"]}
    assert got.headers["x-api-key"] == SECRETS["API_KEY"]
    assert got.headers["x-request-id"] == "req-1"
    assert "authorization" not in got.headers
    assert got.headers["content-type"].startswith("application/json")
    assert got.json() == {
        "sku": "SKU-1",
        "quantity": 2,
        "shipping": "standard",
        "customer": {"email": "user@example.com"},
    }


@pytest.mark.parametrize("language", ["python", "curl", "javascript"])
def test_graphql_query_posts_document_and_variables(stand_in_api, tmp_path, language):
    spec = specs.graphql_spec()
    code = _sample(spec, "QUERY repository", language, base_url=stand_in_api.base_url + "/graphql")
    RUNNERS[language](code, tmp_path)
    got = stand_in_api.only()
    assert (got.method, got.path) == ("POST", "/graphql")
    assert got.headers["authorization"] == f"Bearer {SECRETS['API_TOKEN']}"
    body = got.json()
    assert body["query"] == spec.operations[0].graphql_document
    assert body["variables"] == {"owner": "<owner>", "name": "<name>"}


@pytest.mark.parametrize("language", ["python", "curl", "javascript"])
def test_query_api_key_and_required_query_params(stand_in_api, tmp_path, language):
    spec = specs.query_key_spec()
    code = _sample(spec, "GET /data/forecast", language, base_url=stand_in_api.base_url)
    RUNNERS[language](code, tmp_path)
    got = stand_in_api.only()
    assert (got.method, got.path) == ("GET", "/data/forecast")
    assert got.query == {"city": ["Oslo"], "units": ["metric"], "appid": [SECRETS["API_KEY"]]}
    assert got.body == b""


@pytest.mark.parametrize("language", ["python", "curl", "javascript"])
def test_basic_auth_delete_with_path_parameter(stand_in_api, tmp_path, language):
    spec = specs.basic_auth_spec()
    code = _sample(spec, "DELETE /users/{user_id}", language, base_url=stand_in_api.base_url)
    RUNNERS[language](code, tmp_path)
    got = stand_in_api.only()
    assert (got.method, got.path) == ("DELETE", "/users/u-7")
    token = base64.b64encode(f"{SECRETS['API_USERNAME']}:{SECRETS['API_PASSWORD']}".encode()).decode()
    assert got.headers["authorization"] == f"Basic {token}"


@pytest.mark.parametrize("language", ["python", "curl", "javascript"])
def test_get_with_a_declared_body_sends_no_body(stand_in_api, tmp_path, language):
    from src.rag.types import ApiSpec, Operation, RequestBody, SpecFormat

    # Stripe declares empty form bodies on its GET operations; fetch would refuse to send one.
    op = Operation("GET", "/v1/balance", request_body=RequestBody("application/x-www-form-urlencoded"))
    spec = ApiSpec("B", "1", SpecFormat.OPENAPI_30, servers=("https://x.example.com",), operations=(op,))
    RUNNERS[language](_sample(spec, "GET /v1/balance", language, base_url=stand_in_api.base_url), tmp_path)
    got = stand_in_api.only()
    assert (got.method, got.path, got.body) == ("GET", "/v1/balance", b"")
