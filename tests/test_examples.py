"""Example questions come from the API's own operations, spread over its areas, auth first."""

from __future__ import annotations

from src.rag.examples import example_questions, question_for
from src.rag.types import ApiSpec, AuthScheme, Operation, SpecFormat


def test_examples_cover_distinct_tags_and_start_with_auth():
    spec = ApiSpec(title="Pet <b>Store</b>", version="1", format=SpecFormat.OPENAPI_30,
                   auth_schemes=(AuthScheme("key", "apiKey"),), operations=(
        Operation("GET", "/pets", summary="List pets", tags=("pets",)),
        Operation("POST", "/pets", summary="Create a pet", tags=("pets",)),
        Operation("GET", "/stores/{id}", summary="Find a store by id", tags=("stores",)),
        Operation("DELETE", "/old", summary="Remove old things", tags=("legacy",), deprecated=True),
        Operation("GET", "/users", tags=("users",)),
    ))
    qs = example_questions(spec, limit=4)
    assert qs[0] == "How do I authenticate with Pet Store to call GET /pets?"  # auth asked about a real call
    assert "How do I list pets?" in qs and "How do I find a store by id?" in qs
    assert "How do I create a pet?" not in qs  # one per area before a second from the same tag
    assert "How do I call GET /users?" in qs
    assert not any("old" in q for q in qs)  # deprecated operations are not suggested


def test_question_phrasing_for_non_verb_summaries_is_capped():
    op = Operation("GET", "/v1/balance", summary="The balance object. " + "x" * 300)
    q = question_for(op)
    assert q.startswith("How do I use GET /v1/balance (The balance object.") and len(q) <= 120


def test_method_only_summaries_and_acronyms_read_naturally():
    assert question_for(Operation("GET", "/health", summary="GET /health")) == "How do I call GET /health?"
    assert question_for(Operation("POST", "/auth/token", summary="pOST /auth/token")) == "How do I call POST /auth/token?"
    assert question_for(Operation("POST", "/sms", summary="Send SMS")) == "How do I send SMS?"
    assert question_for(Operation("POST", "/o", summary="OAuth token exchange")).startswith("How do I use POST /o")


def test_third_person_summaries_become_questions():
    assert question_for(Operation("GET", "/a", summary="Retrieves authorize uri")) == "How do I retrieve authorize uri?"
    assert question_for(Operation("POST", "/b", summary="Fetches a user")) == "How do I fetch a user?"


def test_display_titles_fall_back_to_the_file_and_humanise_file_stems():
    from src.rag.api_names import fallback_title
    from src.rag.library import ApiInfo

    def info(title, source):
        return ApiInfo("x", title, "1", "openapi-3.0", 1, 0, 1, source, "", 0.0)

    assert fallback_title(info("API", "acme-billing.openapi.yaml")) == "Acme Billing"
    assert fallback_title(info("swapi_schema", "swapi_schema.graphql")) == "Swapi Schema"
    assert fallback_title(info("Stripe API", "stripe.json")) == "Stripe API"


def test_a_rename_is_seen_by_every_process_and_an_unchanged_name_changes_nothing(tmp_path):
    from src.rag.api_names import ApiNames

    app, server = ApiNames(tmp_path), ApiNames(tmp_path)  # two processes sharing one data dir
    start = server.version
    app.rename("tw-api@0", "Wise")
    assert server.version == start + 1 and server.all() == {"tw-api@0": "Wise"}
    app.rename("tw-api@0", "  Wise ")  # the same name: cached answers stay valid
    assert server.version == start + 1
    app.rename("tw-api@0", "")
    assert server.version == start + 2 and server.all() == {}
