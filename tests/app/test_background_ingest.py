"""Uploads index in the background: the page returns at once, the chat answers meanwhile, progress and
reports show on every page, and two sessions uploading at once both finish."""

from __future__ import annotations

from app import state
from tests.app.conftest import ask, finish_indexing, texts, upload
from tests.app.specs import twilio_frontline
from tests.conftest import shared


def _messaging() -> tuple[str, bytes]:
    path = shared("specs", "twilio", "twilio_messaging_v1.json")
    return path.name, path.read_bytes()


def test_two_sessions_upload_at_once_chat_meanwhile_and_both_finish(new_app):
    first = upload(new_app(), twilio_frontline())  # a library to chat with while more arrives
    alice, bob = new_app(), new_app()
    alice = upload(alice, _messaging(), wait=False)
    bob = upload(bob, ("broken.json", b'{"openapi": "3.0.0", "paths": {'), wait=False)
    assert not alice.exception and not bob.exception
    first = ask(first, "How do I update a frontline user?")  # answered while the others index
    assert "/v1/Users/{Sid}" in texts(first.chat_message[1])

    alice, bob = finish_indexing(alice), finish_indexing(bob)
    assert any("Twilio - Messaging" in s.value for s in alice.sidebar.success)
    assert not any("broken.json" in e.value for e in alice.sidebar.error)  # each sees only their own uploads
    assert any("broken.json" in e.value for e in bob.sidebar.error)
    labels = [e.label for e in alice.sidebar.expander]
    assert "Indexed 1 of 1 file(s)" in labels  # the finished report is one collapsed line

    alice.switch_page("pages/library.py").run()  # visible from any page
    assert "Indexed 1 of 1 file(s)" in [e.label for e in alice.sidebar.expander]
    alice.button(key="clear_ingest_reports").click().run()
    assert "Indexed 1 of 1 file(s)" not in [e.label for e in alice.sidebar.expander]


def test_progress_shows_on_every_page_while_a_job_runs(new_app, data_dir):
    from src.core.locking import write_lock

    at = new_app()
    name, data = _messaging()
    with write_lock(data_dir):  # another writer (a backup, another replica) holds the library: the job waits
        at = upload(at, (name, data), wait=False)
        assert state.jobs().busy(at.session_state["owner"])
        bars = [p.proto.text for p in at.get("progress")]
        assert any(name.replace("_", "\\_") in text for text in bars), bars
        at.switch_page("pages/explorer.py").run()
        assert [p.proto.text for p in at.get("progress")] and not at.exception
    at = finish_indexing(at)
    assert not at.get("progress")
    assert any("Twilio - Messaging" in s.value for s in at.sidebar.success)
