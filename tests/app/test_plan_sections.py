"""The plan in the chat and the data flow in the Explorer, through AppTest on a temp data dir."""

from __future__ import annotations

from tests.app.conftest import ask, texts, upload
from tests.planning.music_spec import music_spec_bytes


def test_chat_shows_numbered_steps_and_explorer_shows_where_inputs_come_from(new_app):
    at = upload(new_app(), ("tune.json", music_spec_bytes()))
    at = ask(at, "create a playlist called 'Road trip', then add tracks to it")
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "Plan: 2 calls, in this order" in shown and "from step 1's" in shown
    plan = next(df.value for df in at.dataframe if "Takes" in df.value.columns)
    assert list(plan["Call"]) == ["POST /users/{user_id}/playlists", "POST /playlists/{playlist_id}/tracks"]

    at.switch_page("pages/explorer.py").run()
    at.text_input(key="explorer_query").set_value("add tracks to a playlist").run()
    next(box for box in at.selectbox if box.label == "Operation").set_value("POST /playlists/{playlist_id}/tracks").run()
    assert not at.exception, [e.value for e in at.exception]
    flow = texts(at)
    assert "To call this you need" in flow and "which comes from `POST /users/{user_id}/playlists` → `id`" in flow
