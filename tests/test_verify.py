"""Endpoint and pointer verification: what an answer names must exist in the index."""

from __future__ import annotations

from src.rag.verify import find_endpoint_mentions, known_references, verify_answer
from tests.codegen.sample_specs import graphql_spec, stripe_like_spec

KEYS = {"POST /v1/refunds", "GET /v1/charges/{charge}", "POST /v1/charges/{charge}/refund", "QUERY repository"}
POINTERS = {"#/paths/~1v1~1refunds/post", "#/components/schemas/refund"}


def test_mentions_are_found_in_order_without_duplicates_or_trailing_punctuation():
    text = (
        "Call `POST /v1/refunds`. Then GET /v1/charges/{id}/?expand=x, or (POST /v1/refunds).\n"
        "Source: #/paths/~1v1~1refunds/post. In GraphQL use QUERY repository.\n"
        "Escaped: GET /v1/charges/\\{charge\\}; prose like 'get /v1/x' or X-POST /y is not a mention."
    )
    assert find_endpoint_mentions(text) == [
        "POST /v1/refunds",
        "GET /v1/charges/{id}/?expand=x",
        "#/paths/~1v1~1refunds/post",
        "QUERY repository",
        "GET /v1/charges/{charge}",
    ]


def test_parameter_names_trailing_slashes_and_query_strings_do_not_matter():
    text = "GET /v1/charges/{id}/ and GET /v1/charges/:charge?expand[]=customer and GET /v1/charges/ch_123"
    assert verify_answer(text, KEYS, POINTERS) == ()


def test_unknown_endpoints_wrong_methods_and_unknown_pointers_are_reported():
    text = ("Use DELETE /v1/refunds or POST /v1/refunds/{id}/cancel or POST /v2/refunds, see "
            "#/paths/~1v2~1refunds/post and #/components/schemas/refund/properties/amount. MUTATION deleteRepo.")
    assert verify_answer(text, KEYS, POINTERS) == (
        "DELETE /v1/refunds", "POST /v1/refunds/{id}/cancel", "POST /v2/refunds", "#/paths/~1v2~1refunds/post",
        "MUTATION deleteRepo",
    )


def test_pointers_inside_known_objects_are_verified():
    assert verify_answer("#/paths/~1v1~1refunds/post/requestBody and #/paths/~1v1~1refunds/post/responses/200",
                         KEYS, POINTERS) == ()
    assert verify_answer("#/paths/~1v1~1refunds/postal", KEYS, POINTERS) == ("#/paths/~1v1~1refunds/postal",)


def test_known_references_collects_operations_schemes_and_pointers():
    keys, pointers = known_references([stripe_like_spec(), graphql_spec()])
    assert "POST /v1/refunds" in keys and "QUERY repository" in keys
    assert "#/paths/~1v1~1refunds/post" in pointers
    assert "#/components/securitySchemes/bearerAuth" in pointers


def test_text_without_mentions_verifies():
    assert find_endpoint_mentions("Refunds are created with the refunds endpoint.") == []
    assert verify_answer("", KEYS, POINTERS) == ()
