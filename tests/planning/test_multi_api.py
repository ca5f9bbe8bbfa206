"""A task spanning two APIs of one library: each action is planned in the API that does it, in the order asked."""

from __future__ import annotations

import json

import pytest

from tests.planning.music_spec import music_spec_bytes

SUPPORT_SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Helpdesk API", "version": "1.0"},
    "servers": [{"url": "https://api.helpdesk.example"}],
    "paths": {
        "/tickets": {"post": {
            "operationId": "createTicket", "summary": "Open a support ticket",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["subject"], "properties": {"subject": {"type": "string"}}}}}},
            "responses": {"201": {"description": "The ticket opened"}}}},
        "/tickets/{ticket_id}": {"patch": {
            "operationId": "updateTicket", "summary": "Update a support ticket",
            "parameters": [{"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The ticket"}}}},
        "/agents": {"get": {"operationId": "listAgents", "summary": "List the helpdesk agents",
                            "responses": {"200": {"description": "The agents"}}}},
    },
}


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """Return an Assistant whose library holds the Tune API and the Helpdesk API, and both API ids."""
    from src.core.config import Settings
    from src.rag.service import Assistant

    assistant = Assistant(Settings(data_dir=tmp_path_factory.mktemp("team") / "data", llm_provider="offline"))
    music = assistant.index_upload("tune.json", music_spec_bytes())
    desk = assistant.index_upload("helpdesk.json", json.dumps(SUPPORT_SPEC).encode())
    assert music.ok and desk.ok, (music.error, desk.error)
    return assistant, music.api, desk.api


def test_each_action_is_planned_in_the_api_that_does_it(team):
    assistant, music, desk = team
    plan = assistant.ask("add tracks to playlist pl_77, then open a support ticket saying the sync failed").plan
    assert [(s.api, s.key) for s in plan] == [(music, "POST /playlists/{playlist_id}/tracks"), (desk, "POST /tickets")]


def test_a_one_api_task_stays_in_its_api(team):
    assistant, music, _ = team
    plan = assistant.ask("create a playlist called 'Road trip', then add tracks to it").plan
    assert [(s.api, s.key) for s in plan] == [(music, "POST /users/{user_id}/playlists"),
                                              (music, "POST /playlists/{playlist_id}/tracks")]
