"""A question about authentication itself is answered from the security schemes of the API it names."""

from __future__ import annotations

import json

import pytest

from src.rag.types import ChunkKind


def _spec(title: str, scheme: dict, paths: dict) -> bytes:
    return json.dumps({
        "openapi": "3.0.3", "info": {"title": title, "version": "1.0"},
        "servers": [{"url": "https://api.example.com"}],
        "components": {"securitySchemes": {"main": scheme}}, "security": [{"main": []}],
        "paths": paths,
    }).encode()


PETS = {
    "/pets": {"get": {"operationId": "listPets", "summary": "List pets", "responses": {"200": {"description": "ok"}}}},
    "/oauth/token": {"post": {"operationId": "issueToken", "summary": "Exchange client credentials for a token",
                              "responses": {"200": {"description": "ok"}}}},
    "/oauth/revoke": {"post": {"operationId": "revokeToken", "summary": "Revoke a token",
                               "responses": {"200": {"description": "ok"}}}},
    "/user/login": {"get": {"operationId": "loginUser", "summary": "Log a user in to the pet store",
                            "responses": {"200": {"description": "ok"}}}},
}
WEATHER = {
    "/forecasts/{city}": {"get": {
        "operationId": "getForecast", "summary": "Get the forecast for a city",
        "parameters": [{"name": "city", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}}}},
    "/keys": {"post": {"operationId": "createKey", "summary": "Create an access key for a station",
                       "responses": {"201": {"description": "ok"}}}},
}


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """Return an Assistant holding a bearer-token API and an API-key API, and their ids."""
    from src.core.config import Settings
    from src.rag.service import Assistant

    assistant = Assistant(Settings(data_dir=tmp_path_factory.mktemp("auth") / "data", llm_provider="offline"))
    pets = assistant.index_upload("pets.json", _spec("Pet Store", {"type": "http", "scheme": "bearer"}, PETS))
    weather = assistant.index_upload("weather.json", _spec(
        "Weather Hub", {"type": "apiKey", "in": "header", "name": "X-Api-Key", "description": "Your station key."},
        WEATHER))
    assert pets.ok and weather.ok, (pets.error, weather.error)
    return assistant, pets.api, weather.api


def test_the_named_api_s_scheme_answers_an_auth_question(team):
    assistant, _, weather = team
    answer = assistant.ask("How do I authenticate with Weather Hub?")
    assert [(h.api, h.kind) for h in answer.sources] == [(weather, ChunkKind.AUTH)]
    assert "API key in the header `X-Api-Key`" in answer.text
    assert "`#/components/securitySchemes/main`" in answer.text
    assert "Pet Store" not in answer.text
    assert answer.plan == ()  # no calls to make: the answer is what every call sends


def test_the_token_call_is_named_beside_the_scheme(team):
    assistant, pets, _ = team
    answer = assistant.ask("what auth does the pet store api use?")
    assert [(h.api, h.kind, h.method, h.path) for h in answer.sources] == [
        (pets, ChunkKind.AUTH, None, None), (pets, ChunkKind.OPERATION, "POST", "/oauth/token")]  # the token call
    assert "`Authorization: Bearer <token>`" in answer.text
    assert "`POST /oauth/token`" in answer.text
    assert "`GET /pets`" not in answer.text and "/oauth/revoke" not in answer.text  # revoking hands out nothing


def test_every_spelling_of_oauth_is_an_auth_question(team):
    assistant, pets, _ = team
    answer = assistant.ask("how do I get an OAuth 2.0 access token for the pet store?")
    assert [(h.kind, h.method, h.path) for h in answer.sources] == [
        (ChunkKind.AUTH, None, None), (ChunkKind.OPERATION, "POST", "/oauth/token")]


def test_no_api_named_lists_each_api_s_scheme(team):
    assistant, pets, weather = team
    answer = assistant.ask("how do I authenticate?")
    assert {h.api for h in answer.sources} == {pets, weather}
    assert "How to authenticate with Pet Store" in answer.text and "How to authenticate with Weather Hub" in answer.text


def test_a_name_a_user_gave_an_api_names_it_in_questions(team):
    assistant, _, weather = team
    before = assistant.ask("how do I authenticate with Skyline?")
    assert before.sources[0].kind == ChunkKind.OPERATION  # "Skyline" names nothing: an ordinary endpoint answer
    assistant.names.rename(weather, "Skyline Forecasts")
    try:
        answer = assistant.ask("how do I authenticate with Skyline?")  # the same words, not the cached answer
        assert [(h.api, h.kind) for h in answer.sources] == [(weather, ChunkKind.AUTH)]
        index = assistant.search_index.get(assistant.library.version())
        titles = assistant.retriever.api_titles(index)
        assert titles[index.fields.api_ids.index(weather)] >= {"skyline", "weather", "hub"}
    finally:
        assistant.names.rename(weather, "")
    assert assistant.ask("how do I authenticate with Skyline?").sources[0].kind == ChunkKind.OPERATION


def test_an_auth_question_about_an_endpoint_gets_the_endpoint(team):
    assistant, pets, _ = team
    answer = assistant.ask("How do I authenticate with Pet Store to call GET /pets?")
    first = answer.sources[0]
    assert (first.api, first.method, first.path) == (pets, "GET", "/pets")
    assert "`Authorization: Bearer <token>`" in answer.text  # the endpoint answer still says how to authenticate


def test_a_call_that_makes_keys_is_not_an_auth_question(team):
    assistant, _, weather = team
    first = assistant.ask("create an API key for my weather station").sources[0]
    assert (first.api, first.method, first.path) == (weather, "POST", "/keys")


def test_logging_in_is_a_call_not_an_auth_question(team):
    answer = team[0].ask("how do I log a user in to the pet store?")
    assert answer.sources[0].kind == ChunkKind.OPERATION and "How to authenticate with" not in answer.text
    assert "GET /user/login" in [f"{h.method} {h.path}" for h in answer.sources]


def test_only_a_literal_token_segment_of_a_post_makes_a_token_call():
    from src.rag.auth_questions import issues_tokens

    assert issues_tokens("POST", "/oauth/token#post-auth-token-client-credentials")
    assert not issues_tokens("POST", "/interactions/{id}/{interaction_token}/callback")  # a value passed in
    assert not issues_tokens("GET", "/oauth2/@me")
    assert not issues_tokens("POST", "/oauth/revoke")
    assert not issues_tokens("POST", "/v1/tokens")  # Stripe's card tokens are not credentials


def test_an_api_key_scheme_without_a_name_is_still_explained():
    from src.rag.generation.offline_sections import how_to_send
    from src.rag.types import AuthScheme

    assert how_to_send(AuthScheme("key", "apiKey", location="header")) == "API key (in a header)"

