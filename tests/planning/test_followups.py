"""Offline follow-ups: resolved against the previous question and the endpoints its answer named, no LLM."""

from __future__ import annotations

import json
from pathlib import Path

from src.rag.generation.condense import condense_heuristic
from src.rag.planning.followup import resolve_follow_up

PLAYLIST = [("user", "how do I add items to a playlist?"),
            ("assistant", "Use `POST /playlists/{playlist_id}/tracks` with the track URIs.")]


def test_undo_asks_the_previous_question_with_the_opposite_action():
    resolved = resolve_follow_up("remove them again", *(t[1] for t in PLAYLIST))
    # the previous answer's endpoint names the resource; the same path with DELETE is what "remove" means
    assert resolved.startswith("how do I remove items from a playlist? (")
    assert "DELETE /playlists/{playlist_id}/tracks" in resolved


def test_language_switch_asks_the_previous_question_again():
    assert condense_heuristic("now in Python", PLAYLIST) == "how do I add items to a playlist?"


def test_other_resource_takes_the_place_of_the_previous_operations_resource():
    history = [("user", "How do I list charges?"), ("assistant", "### `GET /v1/charges` — List all charges")]
    assert condense_heuristic("and for refunds?", history) == "How do I list refunds? (GET /v1/refunds)"


def test_a_new_question_is_left_alone():
    assert resolve_follow_up("How do I create a customer with an email address?", *(t[1] for t in PLAYLIST)) == ""
    assert condense_heuristic("List all webhooks of the billing API", PLAYLIST) == "List all webhooks of the billing API"


def test_follow_up_through_the_assistant_uses_the_previous_turn(music):
    assistant, _ = music
    first = assistant.ask("how do I add tracks to a playlist?")
    assert first.plan[0].key == "POST /playlists/{playlist_id}/tracks"
    history = [("user", "how do I add tracks to a playlist?"), ("assistant", first.text)]
    assert assistant.ask("remove them again", history=history).plan[0].key == "DELETE /playlists/{playlist_id}/tracks"
    again = assistant.ask("now in Python", history=history)
    assert again.plan[0].key == "POST /playlists/{playlist_id}/tracks"
    assert any(c.language == "python" for c in again.code)


def test_the_scripted_dialogues_are_well_formed():
    dialogues = json.loads((Path(__file__).parents[1] / "data" / "followups.json").read_text())
    assert len(dialogues) >= 30 and len({d["id"] for d in dialogues}) == len(dialogues)
    assert all(len(d["turns"]) == 2 and d["expect"] and d["spec"] for d in dialogues)
