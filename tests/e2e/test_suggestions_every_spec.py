"""Every suggested question of every shared spec gets an answer about a real endpoint of that API.

The three session libraries together hold every spec, collection and schema under ../shared/data.
"""

from __future__ import annotations

import pytest

from src.core.config import Settings
from src.rag.retrieval import SearchFilters
from src.rag.service import Assistant
from src.rag.suggestions import suggested_questions
from tests.e2e.conftest import INDEX_TIMEOUT_S

pytestmark = pytest.mark.timeout(INDEX_TIMEOUT_S)


def _check_library(data) -> list[str]:
    """Return one line per suggestion that did not answer with an endpoint (empty = all good)."""
    helper = Assistant(Settings(data_dir=data, llm_provider="offline"))
    problems = []
    for info in helper.list_apis():
        questions = suggested_questions(helper, info.api)
        if info.operations and not questions:
            problems.append(f"{info.api}: no suggestion survived")
        for question in questions:
            answer = helper.ask(question, filters=SearchFilters(apis=(info.api,)))
            first = answer.sources[0] if answer.sources else None
            if first is None or not first.method or not first.path or first.api != info.api:
                problems.append(f"{info.api}: {question!r} answered without an endpoint")
            elif first.path not in answer.text:
                problems.append(f"{info.api}: {question!r} does not name {first.method} {first.path}")
    return problems


def test_suggestions_for_stripe_and_kubernetes(big_library):
    assert _check_library(big_library) == []


def test_suggestions_for_twilio_postman_graphql_and_an_archive(format_library):
    assert _check_library(format_library["data"]) == []


def test_suggestions_for_discord_openai_artsy_and_github(remaining_library):
    assert _check_library(remaining_library["data"]) == []
