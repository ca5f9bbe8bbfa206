"""The chained scripts of a planned answer: one per language, the Python one run against a loopback stand-in
API (calls in order, each fed by the last). Every language's chain is run in tests/codegen/test_chains_live.py.
"""

from __future__ import annotations

from src.rag.codegen import CHAIN_LABEL, SUPPORTED_LANGUAGES, arrange_samples
from tests.codegen.runners import run_python

# A created playlist whose id needs percent-encoding in the next path, and the user a lookup finds.
PLAYLIST = {"id": "pl 1/x", "name": "Road trip", "uri": "tune:playlist:1"}
ME = {"id": "user 7", "display_name": "Ana"}


def _run_chain(code: str, base_url: str, tmp_path) -> None:
    run_python(code, tmp_path, {"API_TOKEN": "tok_chain", "API_BASE_URL": base_url})


def _chain(answer, language: str = "python") -> str:
    scripts = [c.code for c in answer.code if c.label.startswith(CHAIN_LABEL) and c.language == language]
    assert len(scripts) == 1, [c.label for c in answer.code]
    return scripts[0]


def test_chain_passes_the_created_id_on_percent_encoded(music, stand_in_api, tmp_path):
    assistant, _ = music
    answer = assistant.ask("create a playlist called 'Road trip', then add tracks to it")
    stand_in_api.replies[:] = [PLAYLIST]
    _run_chain(_chain(answer), stand_in_api.base_url + "/v1", tmp_path)
    calls = [(r.method, r.path) for r in stand_in_api.received]
    assert calls[0][0] == "POST" and calls[0][1].startswith("/v1/users/") and calls[0][1].endswith("/playlists")
    assert calls[1] == ("POST", "/v1/playlists/pl%201%2Fx/tracks")
    first, second = stand_in_api.received
    assert first.json()["name"] == "Road trip" and "id" not in first.json()  # read-only fields never sent
    assert isinstance(second.json()["uris"], list)
    assert all(r.headers["authorization"] == "Bearer tok_chain" for r in stand_in_api.received)


def test_chain_looks_up_first_and_feeds_the_lookup(music, stand_in_api, tmp_path):
    assistant, _ = music
    answer = assistant.ask("I don't know my user id. create a playlist 'Gym' for me")
    stand_in_api.replies[:] = [ME]
    _run_chain(_chain(answer), stand_in_api.base_url + "/v1", tmp_path)
    assert [(r.method, r.path) for r in stand_in_api.received] == [
        ("GET", "/v1/me"), ("POST", "/v1/users/user%207/playlists")]
    assert stand_in_api.received[1].json()["name"] == "Gym"


def test_each_step_also_has_its_own_samples(music):
    assistant, _ = music
    answer = assistant.ask("skip to the next track and set the volume to 60")
    labels = [c.label for c in answer.code]
    assert any(lbl.startswith("Step 1:") for lbl in labels) and any(lbl.startswith("Step 2:") for lbl in labels)
    assert "volume_percent" in _chain(answer) and "60" in _chain(answer)


def test_every_language_gets_the_chain_and_the_language_choice_keeps_it(music):
    assistant, _ = music
    answer = assistant.ask("create a playlist called 'Road trip', then add tracks to it")
    chains = [c for c in answer.code if c.label.startswith(CHAIN_LABEL)]
    assert [c.language for c in chains] == list(SUPPORTED_LANGUAGES)
    assert all("/tracks" in c.code and "API_BASE_URL" in c.code for c in chains)
    kept = arrange_samples(answer.code, ["go", "ruby"])
    assert [c.language for c in kept if c.label.startswith(CHAIN_LABEL)] == ["go", "ruby"]
    assert kept[-1].label == CHAIN_LABEL + ": Ruby (Net::HTTP)"  # the chains come after the steps


def test_bodies_the_chain_sends_validate_against_the_request_schemas(music, stand_in_api, tmp_path):
    from tests.planning.music_spec import music_spec_bytes
    from tests.planning.raw_schemas import RawSpec, body_validator

    assistant, _ = music
    answer = assistant.ask("create a playlist called 'Road trip', then add tracks to it")
    stand_in_api.replies[:] = [PLAYLIST]
    _run_chain(_chain(answer), stand_in_api.base_url + "/v1", tmp_path)
    spec_file = tmp_path / "tune.json"
    spec_file.write_bytes(music_spec_bytes())
    raw = RawSpec(spec_file)
    for step, received in zip(answer.plan, stand_in_api.received, strict=True):
        validator = body_validator(raw, step.pointer, "application/json")
        assert validator is not None
        assert not list(validator.iter_errors(received.json())), (step.key, received.json())
