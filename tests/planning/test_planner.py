"""The planner on the crafted music API: goals in the order asked, producers only where a value is missing."""

from __future__ import annotations

from src.rag.planning.storage import FLOW_JSON


def _plan(music, question):
    assistant, _ = music
    return assistant.ask(question).plan


def test_graph_is_stored_beside_the_originals_and_rebuilt_on_reindex(music):
    assistant, api = music
    stored = assistant.originals.folder(api) / FLOW_JSON
    assert stored.exists()
    stored.unlink()
    assert assistant.reindex(api).ok
    assert stored.exists()
    assert "POST /playlists/{playlist_id}/tracks" in assistant.dataflow(api).operations


def test_two_actions_give_two_steps_in_the_order_asked(music):
    plan = _plan(music, "skip to the next track and set the volume to 60")
    assert [s.key for s in plan] == ["POST /me/player/next", "PUT /me/player/volume"]
    volume = {i.name: i for i in plan[1].inputs}["volume_percent"]
    assert (volume.source, volume.value) == ("question", 60)


def test_later_step_takes_the_id_the_earlier_step_returns(music):
    plan = _plan(music, "create a playlist called 'Road trip', then add tracks to it")
    assert [s.key for s in plan] == ["POST /users/{user_id}/playlists", "POST /playlists/{playlist_id}/tracks"]
    playlist = {i.name: i for i in plan[1].inputs}["playlist_id"]
    assert (playlist.source, playlist.step, playlist.field) == ("step", 1, "id")
    name = {i.name: i for i in plan[0].inputs}["name"]
    assert (name.source, name.value) == ("question", "Road trip")


def test_missing_identifier_is_looked_up_first_when_the_user_says_so(music):
    plan = _plan(music, "I don't know my user id. create a playlist 'Gym' for me")
    assert [s.key for s in plan] == ["GET /me", "POST /users/{user_id}/playlists"]
    user = {i.name: i for i in plan[1].inputs}["user_id"]
    assert (user.source, user.step, user.field) == ("step", 1, "id")


def test_one_call_question_gets_one_step_never_padding(music):
    plan = _plan(music, "set the player volume to 30")
    assert [s.key for s in plan] == ["PUT /me/player/volume"]
    assert {i.name: i.source for i in plan[0].inputs} == {"volume_percent": "question"}


def test_given_ids_fill_inputs_directly(music):
    plan = _plan(music, "add tracks to playlist pl_77 and then skip to the next track")
    add = {i.name: i for i in plan[0].inputs}
    assert plan[0].key == "POST /playlists/{playlist_id}/tracks"
    assert (add["playlist_id"].source, add["playlist_id"].value) == ("question", "pl_77")


def test_plan_is_in_the_json_answer(music):
    assistant, api = music
    answer = assistant.ask("skip to the next track and set the volume to 60")
    data = answer.to_json()["plan"]
    assert [(s["method"], s["path"]) for s in data] == [("POST", "/me/player/next"), ("PUT", "/me/player/volume")]
    assert data[1]["api"] == api and data[1]["pointer"].startswith("#/paths/")
    assert data[1]["inputs"]["volume_percent"] == {"from": "question", "value": 60}
    assert "1. `POST /me/player/next`" in answer.text and "Plan: 2 calls" in answer.text


def test_no_operation_gives_an_empty_plan(tmp_path):
    from src.core.config import Settings
    from src.rag.service import Assistant

    empty = Assistant(Settings(data_dir=tmp_path / "data", llm_provider="offline"))
    assert empty.ask("skip to the next track").to_json()["plan"] == []


def test_cli_ask_json_prints_the_plan(tmp_path):
    import json
    import os
    import subprocess
    import sys

    from tests.planning.music_spec import music_spec_bytes

    spec = tmp_path / "tune.json"
    spec.write_bytes(music_spec_bytes())
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "APIASSIST_DATA_DIR": str(tmp_path / "data")}
    run = lambda *args: subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, capture_output=True,
                                       text=True, timeout=300)
    assert run("index", str(spec)).returncode == 0
    out = run("ask", "skip to the next track and set the volume to 60", "--json")
    assert out.returncode == 0, out.stderr[-500:]
    plan = json.loads(out.stdout)["plan"]
    assert [(s["method"], s["path"]) for s in plan] == [("POST", "/me/player/next"), ("PUT", "/me/player/volume")]
    assert plan[1]["inputs"] == {"volume_percent": {"from": "question", "value": 60}}
