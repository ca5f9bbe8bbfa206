"""The data-flow graph: inputs and outputs per operation, producers linked by name, schema and description."""

from __future__ import annotations

from src.rag.parsing import parse_bytes
from src.rag.planning.graph import DataFlowGraph, build_graph
from tests.planning.music_spec import music_spec_bytes


def _graph() -> DataFlowGraph:
    return build_graph(parse_bytes("tune.json", music_spec_bytes()))


def _producers(graph: DataFlowGraph, key: str, name: str) -> dict[str, str]:
    return {link.producer: link.field for link in graph.producers(key, name)}


def test_inputs_are_path_params_required_query_and_required_writable_body_fields():
    graph = _graph()
    create = {i.name: i.location for i in graph.operations["POST /users/{user_id}/playlists"].inputs}
    assert create == {"user_id": "path", "name": "body"}  # id, uri, created_at are read-only
    search = {i.name for i in graph.operations["GET /search"].inputs}
    assert search == {"q", "type"}


def test_outputs_include_fields_of_array_items():
    graph = _graph()
    fields = {o.field for o in graph.operations["GET /search"].outputs}
    assert "tracks.items[].uri" in fields
    assert "items[].id" in {o.field for o in graph.operations["GET /me/playlists"].outputs}


def test_playlist_id_comes_from_a_playlist_objects_id():
    producers = _producers(_graph(), "POST /playlists/{playlist_id}/tracks", "playlist_id")
    assert producers["POST /users/{user_id}/playlists"] == "id"
    assert producers["GET /me/playlists"] == "items[].id"
    assert "GET /me" not in producers  # a user's id is not a playlist's


def test_uris_come_from_a_tracks_uri_by_description():
    producers = _producers(_graph(), "POST /playlists/{playlist_id}/tracks", "uris")
    assert producers.get("GET /search") == "tracks.items[].uri"


def test_user_id_comes_from_the_profile():
    producers = _producers(_graph(), "POST /users/{user_id}/playlists", "user_id")
    assert list(producers)[0] == "GET /me" and producers["GET /me"] == "id"


def test_plain_values_have_no_producer():
    graph = _graph()
    assert graph.producers("PUT /me/player/volume", "volume_percent") == ()
    assert graph.producers("POST /users/{user_id}/playlists", "name") == ()


def test_graph_round_trips_through_json():
    graph = _graph()
    again = DataFlowGraph.from_json(graph.to_json())
    assert again.operations == graph.operations and again.links == graph.links


def test_explorer_text_says_what_an_operation_needs_and_where_it_comes_from():
    from src.rag.generation.plan_sections import flow_markdown

    text = flow_markdown(_graph(), "POST /playlists/{playlist_id}/tracks")
    assert "To call this you need" in text
    assert "`playlist_id` (path), which comes from `POST /users/{user_id}/playlists` → `id`" in text
    assert "`uris` (body), which comes from `GET /search` → `tracks.items[].uri`" in text
    produced = flow_markdown(_graph(), "GET /me")
    assert "Its response feeds" in produced and "`user_id` of `POST /users/{user_id}/playlists`" in produced
