"""The offline composer: cited Markdown answers and code samples from retrieved operations, with no LLM."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from src.rag.generation.offline import compose_offline
from src.rag.types import (
    ApiSpec, AuthScheme, ChunkKind, Hit, Operation, Parameter, RequestBody, Response, SchemaField, SpecFormat,
)
from src.rag.verify import find_endpoint_mentions, known_references, verify_answer
from tests.codegen.sample_specs import load_stripe_spec, stripe_like_spec


def op_hit(spec: ApiSpec, key: str, score: float = 0.8) -> Hit:
    method, path = key.split(" ", 1)
    op = spec.operation(key)
    assert op is not None, key
    return Hit(id=f"{spec.api_id}:op:{key}", api=spec.api_id, kind=ChunkKind.OPERATION, title=op.summary or key,
               source=op.pointer, score=score, method=method, path=path)


def compose(spec: ApiSpec, question: str, *keys: str, **kwargs):
    hits = [op_hit(spec, k, 0.9 - i * 0.1) for i, k in enumerate(keys)]
    return compose_offline(question, hits, {spec.api_id: spec}, **kwargs)


def assert_verifies(answer, *specs: ApiSpec) -> None:
    keys, pointers = known_references(specs)
    assert find_endpoint_mentions(answer.text), "an answer about endpoints must name them"
    assert verify_answer(answer.text, keys, pointers) == ()


@pytest.fixture(scope="module")
def stripe() -> ApiSpec:
    return load_stripe_spec()[0]


def test_refund_answer_names_the_endpoint_cites_it_and_carries_samples(stripe):
    answer = compose(stripe, "How do I refund a charge?", "POST /v1/refunds", "POST /v1/charges/{charge}/refund")
    assert answer.provider == "offline"
    assert answer.text.startswith("### `POST /v1/refunds`")
    assert "`#/paths/~1v1~1refunds/post`" in answer.text
    assert "`#/paths/~1v1~1refunds/post/requestBody`" in answer.text
    assert "`#/components/securitySchemes/bearerAuth`" in answer.text
    assert "*refund*" in answer.text and "*charge*" in answer.text  # why it matched
    assert "`reason` (`string`, optional, one of `duplicate`" in answer.text
    assert "**Response** `200`" in answer.text
    assert "`POST /v1/charges/{charge}/refund`" in answer.text  # offered as an alternative
    codes = {s.language: s.code for s in answer.code}
    assert {"curl", "python"} <= set(codes)
    assert '"https://api.stripe.com/v1/refunds"' in codes["curl"]
    assert '"https://api.stripe.com/v1/refunds"' in codes["python"]
    assert [h.path for h in answer.sources] == ["/v1/refunds", "/v1/charges/{charge}/refund"]
    assert_verifies(answer, stripe)


def test_inline_code_puts_curl_and_python_blocks_in_the_text(stripe):
    answer = compose(stripe, "How do I refund a charge?", "POST /v1/refunds", inline_code=True)
    assert re.search(r'```bash\n# [^\n]*POST /v1/refunds\n', answer.text)
    assert 'curl -X POST "https://api.stripe.com/v1/refunds"' in answer.text
    assert "```python\n" in answer.text
    assert answer.text.count("https://api.stripe.com/v1/refunds") == 2  # curl and Python
    assert_verifies(answer, stripe)


def test_required_and_optional_parameters_are_explained():
    spec = stripe_like_spec()
    answer = compose(spec, "refund a charge by its id", "POST /v1/charges/{charge}/refund")
    assert "- `charge` (`string`, path, required) — The charge to refund." in answer.text
    list_answer = compose(spec, "list charges for a customer", "GET /v1/charges")
    assert "- `customer` (`string`, query, optional) — Only return charges for this customer." in list_answer.text
    assert "`limit` (`integer`, query, optional, default `10`)" in list_answer.text


def test_multi_step_question_becomes_numbered_steps_in_question_order():
    spec = stripe_like_spec()
    answer = compose(spec, "First create a customer, then refund their payment", "POST /v1/refunds",
                     "POST /v1/customers", "GET /v1/charges")
    text = answer.text
    assert text.startswith("This takes 2 calls, in this order: `POST /v1/customers`, then `POST /v1/refunds`.")
    assert text.index("### Step 1: `POST /v1/customers`") < text.index("### Step 2: `POST /v1/refunds`")
    assert [s.label for s in answer.code][:2] == ["Step 1: curl", "Step 1: Python (requests)"]
    assert any(s.label == "Step 2: curl" and "/v1/refunds" in s.code for s in answer.code)
    assert_verifies(answer, spec)


def test_single_question_stays_a_single_answer_even_with_many_hits():
    spec = stripe_like_spec()
    answer = compose(spec, "How do I refund a charge?", "POST /v1/refunds", "POST /v1/customers", "GET /v1/charges")
    assert "Step 1" not in answer.text and "**Other endpoints that may fit**" in answer.text


def test_no_hits_says_so_and_suggests_an_upload():
    answer = compose_offline("How do I send an SMS?", [], {})
    assert "could not find anything relevant" in answer.text and "Upload" in answer.text
    assert answer.code == () and answer.sources == () and answer.provider == "offline"


def test_low_scores_are_not_presented_as_answers():
    spec = stripe_like_spec()
    answer = compose(spec, "How do I send an SMS?", "POST /v1/customers", "GET /v1/charges", min_score=0.95)
    assert answer.text.startswith("I could not find an endpoint")
    assert "Searched: Stripe API." in answer.text and "weak" in answer.text
    assert answer.code == ()
    assert verify_answer(answer.text, *known_references([spec])) == ()


def test_documentation_hits_are_offered_when_no_operation_matches():
    doc = Hit(id="x:doc:0", api="x@1", kind=ChunkKind.DOC, title="Rate limits", source="#/docs/0", score=0.7)
    answer = compose_offline("what are the rate limits?", [doc], {})
    assert "Rate limits (source: `#/docs/0`)" in answer.text and answer.sources == (doc,)


def test_a_documentation_hit_with_nothing_to_cite_is_not_listed():
    cited = Hit(id="x:doc:0", api="x@1", kind=ChunkKind.DOC, title="Rate limits", source="#/docs/0", score=0.7)
    bare = Hit(id="x:auth:bearer", api="x@1", kind=ChunkKind.AUTH, title="Auth bearerAuth", source="", score=0.8)
    answer = compose_offline("what are the rate limits?", [bare, cited], {})
    assert "source: ``" not in answer.text and "bearerAuth" not in answer.text
    assert answer.sources == (cited,)


def test_swagger2_answers_cite_the_operation_for_the_body():
    op = Operation("POST", "/pet", summary="Add a new pet", pointer="#/paths/~1pet/post",
                   request_body=RequestBody(fields=(SchemaField("name", "string", True),)),
                   responses=(Response("200", "ok"),))
    spec = ApiSpec("Petstore", "1.0", SpecFormat.SWAGGER_20, servers=("https://petstore.swagger.io/v2",),
                   operations=(op,))
    answer = compose(spec, "add a pet", "POST /pet")
    assert "**Request body** `application/json` — source: `#/paths/~1pet/post`" in answer.text
    assert "source: `#/paths/~1pet/post/responses/200`" in answer.text
    assert "the spec declares none" in answer.text


EVIL = '<script>alert(1)</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)> <a href="javascript:x">a</a>'


def _evil_spec() -> ApiSpec:
    op = Operation(
        "POST", "/v1/<script>alert(1)</script>", summary=EVIL, description=EVIL, pointer="#/paths/evil`</code><b>",
        parameters=(Parameter("x`<img src=x onerror=alert(1)>", "query", True, description=EVIL, enum=("<i>a</i>",)),),
        request_body=RequestBody("application/json", description=EVIL, schema_name="<b>S</b>",
                                 fields=(SchemaField("f<script>", "string", True, EVIL, default="``<script>"),)),
        responses=(Response("200", EVIL, schema_name="javascript:alert(1)", fields=(SchemaField("<svg/onload=1>"),)),),
        security=("k",),
    )
    return ApiSpec(EVIL, "1<script>", SpecFormat.OPENAPI_30, servers=("https://e.example.com",), operations=(op,),
                   auth_schemes=(AuthScheme("k<script>", "apiKey", location="header", param_name="X<img>",
                                            pointer="#/components/securitySchemes/k"),))


def _live_html(markdown: str) -> str:
    # Render with raw HTML allowed (the most permissive renderer a front end could use).
    return MarkdownIt("commonmark", {"html": True}).render(markdown)


def test_spec_strings_never_become_live_html_or_links():
    spec = _evil_spec()
    key = spec.operations[0].key
    for inline in (False, True):
        html = _live_html(compose(spec, "alert script", key, inline_code=inline).text)
        assert "<script" not in html
        assert "<img" not in html and "<svg" not in html and "<i>" not in html and "<b>" not in html
        assert not re.search(r"<[^>]*\sonerror=", html)
        assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', html))


@settings(max_examples=40, deadline=None)
@given(picks=st.lists(st.integers(0, 3), min_size=1, max_size=4),
       question=st.sampled_from(["refund a charge", "create a customer then refund", "list charges", "x"]))
def test_offline_answers_verify_by_construction(picks, question):
    spec = stripe_like_spec()
    keys = [spec.operations[i].key for i in picks]
    answer = compose(spec, question, *keys)
    assert verify_answer(answer.text, *known_references([spec])) == ()
    assert {f"{h.method} {h.path}" for h in answer.sources} <= set(keys)


def test_real_spec_answers_verify_for_many_operations(stripe):
    keys = [op.key for op in stripe.operations][::7]
    for i, key in enumerate(keys):
        answer = compose(stripe, "how do I " + key.split(" ", 1)[1].replace("/", " "), key, keys[i - 1])
        assert_verifies(answer, stripe)


def test_the_composer_keeps_the_retrieval_order_whatever_the_question_verb():
    spec = stripe_like_spec()
    hits = [op_hit(spec, "GET /v1/charges", 0.61), op_hit(spec, "POST /v1/charges/{charge}/refund", 0.60),
            op_hit(spec, "POST /v1/refunds", 0.58)]
    for question in ("How do I refund a charge?", "How do I list charges?"):
        answer = compose_offline(question, hits, {spec.api_id: spec})
        assert answer.text.startswith("### `GET /v1/charges`")  # retrieval ranks; the composer renders
        assert [h.path for h in answer.sources] == ["/v1/charges", "/v1/charges/{charge}/refund", "/v1/refunds"]


def test_hits_retrieval_judged_not_to_fit_are_not_answers():
    spec = stripe_like_spec()
    unfit = [replace(op_hit(spec, "POST /v1/customers", 0.4), fits=False),
             replace(op_hit(spec, "POST /v1/refunds", 0.35), fits=False)]
    answer = compose_offline("How do I create a pet?", unfit, {spec.api_id: spec})
    assert answer.text.startswith("I could not find an endpoint")
    assert answer.code == ()
    assert "`POST /v1/customers`" in answer.text  # still shown, as a weak match
    fitting = compose_offline("How do I create a pet?", [op_hit(spec, "POST /v1/customers", 0.4)], {spec.api_id: spec})
    assert fitting.text.startswith("### `POST /v1/customers`")
    assert "closest match to your question by meaning" not in fitting.text  # it matched *create*


def test_unrelated_documentation_is_not_offered():
    doc = Hit(id="x:schema:a", api="x@1", kind=ChunkKind.SCHEMA, title="Schema email_sent", source="#/s/a",
              score=0.3, text="Email sent.", fits=False)
    answer = compose_offline("How do I send an SMS?", [doc], {})
    assert "email" not in answer.text and answer.sources == ()
