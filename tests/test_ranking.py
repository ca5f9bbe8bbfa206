"""The learned ranker on small crafted libraries: each feature's effect, one ranking authority, nothing fits."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from src.rag.ranking.action_phrase import action_phrase
from src.rag.ranking.features import FEATURES
from src.rag.ranking.model import WEIGHTS, LinearRanker, shipped_ranker
from src.rag.ranking.signals import intent_methods, names_identifier, read_question, wants_many
from src.rag.retrieval import SearchFilters
from src.rag.search_index import action_text
from src.rag.service import Assistant

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from train_ranker import listwise_weights  # noqa: E402


def _op(op_id: str, summary: str, params: tuple[str, ...] = (), deprecated: bool = False, description: str = "") -> dict:
    op = {"operationId": op_id, "summary": summary, "tags": ["projects"], "responses": {"200": {"description": "ok"}},
          "parameters": [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params]}
    if deprecated:
        op["deprecated"] = True
    if description:
        op["description"] = description
    return op


def projects_spec() -> bytes:
    """A tracker API whose collection and item endpoints share their words, with a deprecated twin."""
    paths = {
        "/v2/projects": {"get": _op("listProjects", "List projects"), "post": _op("createProject", "Create a project")},
        "/v2/projects/{project_id}": {"get": _op("getProject", "Get a project", ("project_id",)),
                                      "delete": _op("deleteProject", "Delete a project", ("project_id",)),
                                      "patch": _op("updateProject", "Update a project", ("project_id",))},
        "/v2/projects/{project_id}/archive": {"post": _op("archiveProject", "Archive a project", ("project_id",))},
        "/v1/project_archive": {"post": _op("legacyArchiveProject", "Archive a project", deprecated=True)},
        "/v2/projects/{project_id}/members": {"get": _op("listMembers", "List the members of a project", ("project_id",))},
        "/v2/tasks": {"get": _op("listTasks", "List tasks"), "post": _op("createTask", "Create a task")},
    }
    doc = {"openapi": "3.0.3", "info": {"title": "Tracker API", "version": "2.0"},
           "servers": [{"url": "https://tracker.example.com"}], "paths": paths}
    return json.dumps(doc).encode()


@pytest.fixture(scope="module")
def tracker(tmp_path_factory):
    from src.core.config import Settings

    assistant = Assistant(Settings(data_dir=tmp_path_factory.mktemp("tracker"), llm_provider="offline"))
    report = assistant.index_upload("tracker.json", projects_spec())
    assert report.ok, report.error
    return assistant


def keys(hits) -> list[str]:
    return [f"{h.method} {h.path}" for h in hits if h.method]


def features_of(assistant: Assistant, question: str) -> dict[str, dict[str, float]]:
    index, found = assistant.retriever.features(question, assistant.library.version())
    return {f"{index.metas[p]['method']} {index.metas[p]['path']}": dict(zip(FEATURES, map(float, row)))
            for p, row in zip(found.positions, found.matrix) if index.metas[p].get("method")}


def test_a_question_naming_an_id_ranks_the_item_endpoint_above_the_collection(tracker):
    ranked = keys(tracker.search("get the project with id 8841", top_k=10))
    assert ranked[0] == "GET /v2/projects/{project_id}"
    assert ranked.index("GET /v2/projects/{project_id}") < ranked.index("GET /v2/projects")


def test_identifier_features_mark_the_item_endpoint_only_when_the_question_names_one(tracker):
    named = features_of(tracker, "get the project with id 8841")
    assert named["GET /v2/projects/{project_id}"]["ident_item"] == 1.0
    assert named["GET /v2/projects"]["ident_collection"] == 1.0
    plain = features_of(tracker, "get all the projects")
    assert plain["GET /v2/projects/{project_id}"]["ident_item"] == 0.0
    assert plain["GET /v2/projects"]["many_collection"] == 1.0 and plain["GET /v2/projects/{project_id}"]["many_item"] == 1.0
    assert features_of(tracker, "get the project with id 8841")["GET /v2/projects"]["many_collection"] == 0.0


@pytest.mark.parametrize("question", ["get the project with id 8841", "refund ch_3MmlLrLkdIwHu7ix please",
                                      "delete droplet 'web-1'", "fetch 5f0c2e8a-1b2c-4d3e-9f00-123456789abc"])
def test_concrete_identifiers_are_recognised(question):
    assert names_identifier(question)


@pytest.mark.parametrize("question", ["list my projects", "how do I set cancel_at_period_end on a subscription?"])
def test_plain_questions_name_no_identifier(question):
    assert not names_identifier(question)


def test_plurals_and_list_words_ask_for_many_objects():
    assert wants_many("get all the projects") and wants_many("list pods") and wants_many("show my invoices")
    assert not wants_many("get the project with id 8841") and not wants_many("what is the status of this process?")


def test_the_question_verb_decides_between_methods_of_one_path(tracker):
    assert intent_methods("please delete project 8841") == frozenset({"DELETE"})
    assert keys(tracker.search("delete the project 8841", top_k=3))[0] == "DELETE /v2/projects/{project_id}"
    found = features_of(tracker, "delete the project 8841")
    assert found["DELETE /v2/projects/{project_id}"]["verb_agrees"] == 1.0
    assert found["GET /v2/projects/{project_id}"]["verb_conflicts"] == 1.0


def test_being_deprecated_lowers_an_operations_score(tracker):
    index, found = tracker.retriever.features("archive a project", tracker.library.version())
    row = next(r for p, r in zip(found.positions, found.matrix) if index.metas[p]["path"] == "/v1/project_archive")
    assert row[FEATURES.index("deprecated")] == 1.0
    current = row.copy()
    current[FEATURES.index("deprecated")] = 0.0
    model = shipped_ranker()
    assert model.scores(row[None, :])[0] < model.scores(current[None, :])[0]


def test_path_coverage_counts_the_question_nouns_the_path_names(tracker):
    found = features_of(tracker, "list the members of a project")
    assert found["GET /v2/projects/{project_id}/members"]["cover_path"] == 1.0
    assert found["GET /v2/tasks"]["cover_path"] == 0.0
    assert read_question("list the members of a project").nouns == ("member", "project")


def test_the_answers_first_endpoint_is_the_first_source_and_the_first_search_hit(tracker):
    for question in ("get the project with id 8841", "create a task", "list projects"):
        answer = tracker.ask(question)
        first_hit = keys(tracker.search(question))[0]
        assert answer.text.startswith(f"### `{first_hit}`")
        assert f"{answer.sources[0].method} {answer.sources[0].path}" == first_hit
        scores = [h.score for h in answer.sources if h.method]
        assert scores[0] == max(scores)  # the Sources table never scores an alternative higher


def test_hits_carry_the_reasons_for_their_rank(tracker):
    best = tracker.search("get the project with id 8841", top_k=1)[0]
    assert best.reasons and all(isinstance(r, str) and r for r in best.reasons)
    assert "Why it ranks here:" in tracker.ask("get the project with id 8841").text


def test_a_question_no_indexed_api_can_answer_gets_nothing_fits(tracker):
    answer = tracker.ask("book a flight from Paris to Tokyo next Tuesday")
    assert answer.text.startswith("I could not find an endpoint")
    assert answer.code == ()
    assert not any(h.fits for h in tracker.search("book a flight from Paris to Tokyo next Tuesday"))


def test_scoping_to_one_api_keeps_the_ranking_inside_it(tracker):
    assert tracker.search("list projects", filters=SearchFilters(apis=("nope@1",))) == []


def test_shipped_weights_are_small_and_match_the_features():
    assert WEIGHTS.stat().st_size < 1_000_000
    model = shipped_ranker()
    assert len(model.coef) == len(FEATURES) and 0.0 < model.nothing_fits_below < 1.0
    stale = json.loads(WEIGHTS.read_text()) | {"features": list(FEATURES[:-1])}
    with pytest.raises(ValueError, match="train_ranker"):
        LinearRanker.from_json(stale)


def test_reasons_name_the_features_that_raised_the_score():
    model = LinearRanker(np.zeros(len(FEATURES)), np.ones(len(FEATURES)), np.eye(len(FEATURES))[FEATURES.index("ident_item")],
                         0.0, 0.5)
    row = np.zeros(len(FEATURES))
    row[FEATURES.index("ident_item")] = 1.0
    assert model.reasons(row) == ("it acts on the one object you named",)


@pytest.mark.parametrize(("method", "path", "phrase"), [
    ("POST", "/v1/customers/{customer}/sources", "create source of customers"),
    ("GET", "/api/v1/namespaces/{namespace}/pods", "list pods of namespaces"),
    ("GET", "/v2/projects/{project_id}", "get project"),
    ("POST", "/v1/charges/{charge}/capture", "capture the charges"),
    ("DELETE", "/guilds/{guild_id}/members/{user_id}", "delete member of guilds"),
    ("POST", "/2010-04-01/Accounts/{AccountSid}/Messages.json", "create message of accounts"),
    ("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings", "create rolebinding of namespaces"),
    ("GET", "/", ""),
])
def test_action_phrases_read_the_verb_and_resource_from_method_and_path(method, path, phrase):
    assert action_phrase(method, path) == phrase


def test_each_operation_is_embedded_by_its_action_phrase_too(tracker):
    index = tracker.retriever.search_index.get(tracker.library.version())
    pos = next(p for p, m in enumerate(index.metas) if m.get("method") == "DELETE")
    phrase = tracker.embedder.embed([action_text(index.metas[pos])])[0]
    assert action_text(index.metas[pos]) == "delete project"
    assert np.allclose(index.actions[pos], phrase, atol=1e-5)
    assert not np.allclose(index.actions[pos], index.vectors[pos], atol=1e-3)


def test_a_verb_and_resource_question_matches_the_action_phrase_best(tracker):
    found = features_of(tracker, "remove a project")
    best = max(found, key=lambda k: found[k]["action_dense"])
    assert best == "DELETE /v2/projects/{project_id}"
    assert found[best]["action_gap"] == 0.0 and found["GET /v2/projects"]["action_gap"] < 0.0


def weather_spec() -> bytes:
    """A second API with nothing in common with the tracker."""
    paths = {"/forecasts": {"get": _op("listForecasts", "List the weather forecasts for a city")},
             "/alerts": {"get": _op("listAlerts", "List severe weather alerts")}}
    doc = {"openapi": "3.0.3", "info": {"title": "Weather API", "version": "1.0"}, "paths": paths}
    return json.dumps(doc).encode()


def test_the_api_vote_favours_the_api_whose_operations_fit_the_question(tmp_path):
    from src.core.config import Settings

    assistant = Assistant(Settings(data_dir=tmp_path, llm_provider="offline"))
    assert assistant.index_upload("tracker.json", projects_spec()).ok
    assert assistant.index_upload("weather.json", weather_spec()).ok
    found = features_of(assistant, "what's the weather forecast for Paris tomorrow?")
    assert found["GET /forecasts"]["api_vote"] > found["GET /v2/projects"]["api_vote"]
    assert found["GET /forecasts"]["api_vote"] == found["GET /alerts"]["api_vote"]  # one vote per API
    index, _ = assistant.retriever.features("list projects", assistant.library.version())
    tracker_api = next(m["api"] for m in index.metas if m.get("path") == "/v2/projects")
    _, alone = assistant.retriever.features("list projects", assistant.library.version(), SearchFilters(apis=(tracker_api,)))
    assert np.allclose(alone.column("api_vote"), 0.0, atol=1e-5)  # scoped to one API, the vote decides nothing


def test_listwise_training_puts_the_right_candidate_first():
    rng = np.random.default_rng(7)
    matrices, labels = [], []
    for _ in range(40):  # feature 0 marks the right answer, feature 1 is noise that is large on wrong ones
        x = rng.normal(size=(12, 2))
        right = rng.integers(12)
        x[right, 0] += 3.0
        matrices.append(x)
        labels.append(np.eye(12)[right])
    weights = listwise_weights(matrices, labels)
    assert weights[0] > 0 and abs(weights[1]) < weights[0] / 3
    assert sum(int(np.argmax(x @ weights) == np.argmax(y)) for x, y in zip(matrices, labels)) >= 36


def test_the_api_word_model_routes_a_question_to_the_api_that_speaks_its_words(tmp_path):
    from src.core.config import Settings

    assistant = Assistant(Settings(data_dir=tmp_path, llm_provider="offline"))
    assert assistant.index_upload("tracker.json", projects_spec()).ok
    assert assistant.index_upload("weather.json", weather_spec()).ok
    found = features_of(assistant, "severe weather alerts for Lisbon")
    assert found["GET /alerts"]["api_words"] == 0.0  # the best API's own words
    assert found["GET /v2/projects"]["api_words"] < 0.0
    assert found["GET /alerts"]["api_words"] == found["GET /forecasts"]["api_words"]  # one figure per API


def test_known_words_say_how_much_of_the_question_the_library_speaks_of(tracker):
    known = features_of(tracker, "archive a project")
    assert all(row["known_words"] == 1.0 for row in known.values())
    foreign = features_of(tracker, "book a flight to Tokyo with my project budget")
    assert 0.0 < next(iter(foreign.values()))["known_words"] < 0.5


def _judged_examples():
    """In-scope questions (the library knows their words, one candidate is right) and foreign ones."""
    from train_ranker import Example

    rng = np.random.default_rng(3)
    width, known = len(FEATURES), FEATURES.index("known_words")
    examples = []
    for n in range(120):
        x = rng.normal(size=(8, width)).astype(np.float32)
        inside = n < 60
        x[:, known] = 1.0 if inside else 0.2
        labels = np.eye(8, dtype=np.float32)[n % 8] if inside else np.zeros(8, dtype=np.float32)
        examples.append(Example(f"g{n % 3}", x, labels, inside, about_library=inside))
    return examples


def test_the_fit_judge_learns_nothing_fits_from_questions_put_to_a_library_they_are_not_about():
    from train_ranker import fit

    examples = _judged_examples()
    model = fit(examples)
    known = FEATURES.index("known_words")
    inside = np.mean([model.fit_probabilities(e.matrix).max() for e in examples if e.about_library])
    outside = np.mean([model.fit_probabilities(e.matrix).max() for e in examples if not e.about_library])
    assert model.fit_coef[known] > 0 and outside < inside / 2


def test_the_question_judge_tells_foreign_questions_apart_and_survives_its_json_form():
    from train_ranker import fit, fold_models

    examples = _judged_examples()
    models, held_out = fold_models(examples)
    assert len(held_out) == 60 and set(models) == {"g0", "g1", "g2"}
    model = LinearRanker.from_json(json.loads(json.dumps(fit(examples).to_json())))
    inside = [model.question_fits(e.matrix) for e in examples if e.about_library]
    outside = [model.question_fits(e.matrix) for e in examples if not e.about_library]
    assert min(inside) > 0.5 > max(outside)
    assert model.question_fits(examples[0].matrix) == pytest.approx(fit(examples).question_fits(examples[0].matrix), abs=1e-4)


def test_a_foreign_question_in_a_small_library_gets_nothing_fits_while_its_own_questions_fit(tracker):
    assert tracker.ask("what is the latest stock price of AAPL on NASDAQ?").text.startswith("I could not find")
    hits = tracker.search("archive a project")
    assert hits[0].fits and hits[0].path == "/v2/projects/{project_id}/archive"


def test_both_development_sets_weigh_alike_in_training_however_many_questions_each_has():
    from train_ranker import Example, set_weights

    row, label = np.zeros((2, len(FEATURES)), dtype=np.float32), np.array([1.0, 0.0], dtype=np.float32)
    examples = [Example("socbench:socbenchd_1", row, label, False)] * 6 + [Example("userstyle:stripe", row, label, True)] * 2
    weights = set_weights(examples)
    assert sum(weights[:6]) == pytest.approx(sum(weights[6:])) and weights[0] < weights[-1]
