"""Goal choice per action on the crafted music API: verb, supplied identifiers, resource named, referents."""

from __future__ import annotations

from src.rag.planning.given import given_values
from src.rag.planning.goals import open_inputs, pick_goal, resource_candidates, topic_words, with_referent

CREATE = "POST /users/{user_id}/playlists"
ADD = "POST /playlists/{playlist_id}/tracks"
REMOVE = "DELETE /playlists/{playlist_id}/tracks"


def _graph(music):
    assistant, api = music
    return assistant.dataflow(api)


def test_an_identifier_an_earlier_goal_returns_or_the_user_typed_is_no_longer_open(music):
    graph = _graph(music)
    alone = open_inputs(graph, ADD, [], [])
    assert open_inputs(graph, ADD, [], [CREATE]) == alone - 1
    assert open_inputs(graph, ADD, given_values("add tracks to playlist pl_77"), []) == alone - 1


def test_the_call_that_can_do_the_verb_and_takes_what_the_plan_has_wins(music):
    graph = _graph(music)
    candidates = [REMOVE, "GET /me/playlists", ADD]  # the ranker's order, the right call last
    assert pick_goal("add tracks to it", candidates, graph, [], [CREATE], set()) == ADD
    assert pick_goal("remove the tracks again", candidates, graph, [], [CREATE], set()) == REMOVE


def test_calls_on_the_resource_named_join_the_candidates(music):
    found = resource_candidates("add tracks to the playlist", _graph(music))
    assert ADD in found and REMOVE not in found  # "add" cannot be a DELETE


def test_a_pronoun_stands_for_the_previous_goals_resources():
    assert with_referent("add tracks to it", CREATE) == "add tracks to user playlist"
    assert with_referent("add tracks to it", "") == "add tracks to it"
    assert topic_words("drain node worker-3: stop new pods, evict them") >= {"drain", "node"}
