"""Library, Explorer, Settings and conversation management, each through AppTest on a temp data dir."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from src.core.config import load_settings
from src.rag.conversations import ConversationStore
from tests.app.conftest import ask, texts, upload
from tests.app.specs import PAYLOAD, hostile_spec, twilio_frontline
from tests.generation.fake_servers import start_openai_server


def _ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _tokens(text: str) -> tuple[int, int]:
    """Return the prompt and completion token counts shown under one answer."""
    match = re.search(r"([\d,]+) prompt \+ ([\d,]+) completion tokens", text)
    assert match, text
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


def test_library_lists_reindexes_downloads_and_deletes_with_confirmation(new_app):
    at = upload(new_app(), twilio_frontline())
    at.switch_page("pages/library.py").run()
    _ok(at)
    assert at.subheader[0].value == "Twilio - Frontline · 1.0.0"
    assert "**2** operations · **2** schemas · **6** chunks · `openapi-3.0`" in texts(at)
    assert "source file twilio\\_frontline\\_v1.json" in texts(at) and "indexed 20" in texts(at)
    assert at.download_button(key="download_twilio-frontline@1.0.0").label == "Download original"

    at.button(key="reindex_twilio-frontline@1.0.0").click().run()
    _ok(at)
    assert "Re-indexed **Twilio - Frontline** 1.0.0: 2 operations, 0 chunks re-embedded." in texts(at)

    at.button(key="remove_twilio-frontline@1.0.0").click().run()
    assert "Delete **Twilio - Frontline** 1.0.0 and all its chunks?" in texts(at)
    at.button(key="remove_no_twilio-frontline@1.0.0").click().run()
    assert at.subheader[0].value == "Twilio - Frontline · 1.0.0"  # cancel keeps it
    at.button(key="remove_twilio-frontline@1.0.0").click().run()
    at.button(key="remove_yes_twilio-frontline@1.0.0").click().run()
    _ok(at)
    assert "The library is empty" in texts(at)


def test_explorer_shows_operation_tables_auth_pointer_and_code(new_app):
    at = upload(new_app(), twilio_frontline(), hostile_spec())
    at.switch_page("pages/explorer.py").run()
    _ok(at)
    at.selectbox(key="explorer_api").set_value("twilio-frontline@1.0.0").run()
    at.text_input(key="explorer_query").set_value("update user").run()
    _ok(at)
    op_box = next(box for box in at.selectbox if box.label == "Operation")
    assert op_box.options[0].startswith("POST /v1/Users/{Sid}") and op_box.value == "POST /v1/Users/{Sid}"
    params = at.dataframe[0].value
    assert "Sid" in set(params["Name"]) and "path" in set(params["In"])
    assert any("#/paths/~1v1~1Users~1{Sid}/post" == c.value for c in at.code)
    assert {t.label for t in at.tabs} >= {"Parameters", "Request body", "Responses", "Auth", "Code", "curl"}
    assert any("curl -X POST" in c.value and "/v1/Users/" in c.value for c in at.code)
    body_fields = at.dataframe[1].value  # request body as a table, not a raw dict
    assert {"Field", "Type", "Required"} <= set(body_fields.columns)

    at.selectbox(key="explorer_api").set_value("hostile-pets-script-alert-1-script@1.0.0").run()
    at.text_input(key="explorer_query").set_value("").run()
    next(box for box in at.selectbox if box.label == "Operation").set_value("POST /pets").run()
    _ok(at)
    rendered = texts(at)
    assert f"Adds a pet to the store. {PAYLOAD}" in rendered and "click me" in rendered  # shown, inert
    assert "<script>" not in rendered and "onerror" not in rendered and "javascript:" not in rendered


def test_settings_persist_and_route_answers_through_the_chosen_provider(new_app, monkeypatch):
    reply = "Update the user with POST /v1/Users/{Sid} [#/paths/~1v1~1Users~1{Sid}/post]. [x](javascript:alert(1))"
    base_url, server = start_openai_server("healthy", reply=reply, delay_s=0.0)
    monkeypatch.setenv("APIASSIST_LLM_BASE_URL", base_url)
    try:
        at = upload(new_app(), twilio_frontline())
        at.switch_page("pages/settings.py").run()
        _ok(at)
        assert "**ChromaDB**" in texts(at) and "**Embedding model**" in texts(at)
        at.selectbox[0].set_value("openai")
        at.text_input[0].set_value("test-model")
        at.slider[1].set_value(3)
        at.button[0].click().run()  # the form's submit button
        _ok(at)
        owner = at.session_state["owner"]
        saved = ConversationStore(load_settings().data_dir).load_settings(owner)
        assert saved["provider"] == "openai" and saved["model"] == "test-model" and saved["top_k"] == 3

        at.switch_page("pages/chat.py").run()
        at = ask(at, "How do I update a frontline user?")
        _ok(at)
        reply_block = at.chat_message[1]
        assert "POST /v1/Users/{Sid}" in reply_block.markdown[0].value
        assert "javascript:" not in reply_block.markdown[0].value  # sanitised while streaming
        assert "prompt +" in texts(reply_block) and "completion tokens" in texts(reply_block)
        request = server.requests[-1].body
        assert request["model"] == "test-model"
        assert len(reply_block.dataframe[0].value) <= 3  # the session's top-k
        first = _tokens(texts(reply_block))
        assert f"Conversation total: {first[0]:,} prompt + {first[1]:,} completion tokens" in texts(at)

        at = ask(at, "And how do I delete one?")
        _ok(at)
        second = _tokens(texts(at.chat_message[3]))
        sent = [m["content"] for m in server.requests[-1].body["messages"]]
        assert "How do I update a frontline user?" in sent  # the earlier turn reaches the model
        total = f"Conversation total: {first[0] + second[0]:,} prompt + {first[1] + second[1]:,} completion tokens"
        assert total in texts(at) and "cost unknown" in texts(at)  # test-model has no price

        again = new_app(sid=at.session_state["sid"])
        again.switch_page("pages/settings.py").run()
        assert again.text_input[0].value == "test-model"  # remembered after a reload
    finally:
        server.close()


def test_conversations_new_switch_rename_delete(new_app):
    at = upload(new_app(), twilio_frontline())
    at = ask(at, "How do I update a frontline user?")
    first = at.session_state["conversation"]
    at.button(key="new_conversation").click().run()
    assert at.chat_message.len == 0 and at.title[0].value == "Ask your APIs"
    at = ask(at, "How do I fetch a frontline user?")
    second = at.session_state["conversation"]
    assert second != first
    at.button(key=f"conv_{first}").click().run()
    assert at.session_state["conversation"] == first
    assert "update a frontline user" in texts(at.chat_message[0])

    at.text_input(key=f"title_{first}").set_value("Frontline updates")
    at.button(key=f"rename_{first}").click().run()
    assert at.title[0].value == "Frontline updates"
    at.button(key=f"delete_{first}").click().run()
    at.button(key=f"confirm_{first}").click().run()
    _ok(at)
    labels = [b.label for b in at.sidebar.button]
    assert "Frontline updates" not in labels and "How do I fetch a frontline user?" in labels


def test_uploads_of_archives_and_broken_files_report_one_line_each(new_app):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        name, data = twilio_frontline()
        zf.writestr(f"specs/{name}", data)
    at = upload(new_app(), ("frontline.zip", buf.getvalue()), ("notes.json", b"{ this is not json"))
    assert not at.exception
    assert any("Twilio - Frontline" in s.value and "2 operations" in s.value for s in at.sidebar.success)
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and errors[0].count(".") <= 3 and "Traceback" not in errors[0]
    assert "notes.json" in errors[0]


def test_explorer_opens_the_api_named_in_the_link(new_app):
    at = upload(new_app(), hostile_spec(), twilio_frontline())
    at.query_params["api"] = "twilio-frontline@1.0.0"
    at.switch_page("pages/explorer.py").run()
    _ok(at)
    assert at.selectbox(key="explorer_api").value == "twilio-frontline@1.0.0"


@pytest.mark.parametrize("page", ["pages/library.py", "pages/explorer.py", "pages/insights.py", "pages/settings.py"])
def test_every_page_renders_on_an_empty_library(new_app, page):
    at = new_app()
    at.switch_page(page).run()
    _ok(at)
    assert at.title[0].value in {"Library", "Explorer", "Insights", "Settings"}
