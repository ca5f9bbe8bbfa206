"""Question analysis: multi-step splitting and exact identifier detection."""

import pytest

from src.rag.query import normalize_path, plan_query, split_steps


@pytest.mark.parametrize("question,expected", [
    ("How do I refund a charge?", 1),
    ("Create a customer, then attach a payment method and finally charge them.", 3),
    ("cancel my last order and refund it", 2),
    ("List my orders. Cancel the newest one. Refund it.", 3),
])
def test_split_steps_counts(question, expected):
    assert len(split_steps(question)) == expected


def test_lone_verb_borrows_object_from_previous_step():
    steps = split_steps("cancel my last order and refund it")
    assert steps[0] == "cancel my last order" and "refund" in steps[1] and "order" in steps[1]


def test_conjunction_inside_one_step_is_not_split_into_fragments():
    assert split_steps("create and update a customer") == ["create update a customer"]


def test_plan_spots_paths_methods_and_identifiers():
    plan = plan_query("What does GET /v1/charges/{charge} return? Compare with listPaymentIntents and `Customer`.")
    assert ("GET", "/v1/charges/{charge}") in plan.method_paths
    assert "listPaymentIntents" in plan.identifiers and "Customer" in plan.identifiers


def test_normalize_path_ignores_parameter_names():
    assert normalize_path("/v1/charges/{id}/") == normalize_path("/v1/charges/{charge}")


def test_normalize_path_treats_saved_variants_of_one_endpoint_as_that_endpoint():
    assert normalize_path("/v1/accounts#post-accounts-canadian") == normalize_path("/v1/accounts") == "/v1/accounts"
    assert normalize_path("/v1/accounts?type=x#a") == "/v1/accounts"
