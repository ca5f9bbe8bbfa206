"""Library, Explorer, Settings and conversation management, each through AppTest on a temp data dir."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from src.core.config import load_settings
from src.rag.conversations import ConversationStore
from tests.app.conftest import ask, open_lazy, open_sources, texts, upload
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
    assert {t.label for t in at.tabs} == {"Parameters", "Request body", "Responses", "Auth", "Code", "Try it"}
    assert len(at.dataframe) == 1 and not any("curl -X POST" in c.value for c in at.code)  # closed tabs wait

    at = open_lazy(at, "op_tabs_POST /v1/Users/{Sid}", "Request body")
    body_fields = at.dataframe[0].value  # request body as a table, not a raw dict
    assert {"Field", "Type", "Required"} <= set(body_fields.columns)
    at = open_lazy(at, "op_tabs_POST /v1/Users/{Sid}", "Code")
    assert "curl" in {t.label for t in at.tabs}
    assert any("curl -X POST" in c.value and "/v1/Users/" in c.value for c in at.code)

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
        next(b for b in at.button if b.label == "Save for this session").click().run()
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
        assert len(open_sources(at).chat_message[1].dataframe[0].value) <= 3  # the session's top-k
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
    titles = [b.label.split(" · ")[0] for b in at.sidebar.button if b.key.startswith("conv_")]
    assert titles == ["How do I fetch a frontline user?"]


def test_conversations_are_listed_with_dates_and_found_by_search(new_app):
    at = upload(new_app(), twilio_frontline())
    at = ask(at, "How do I update a frontline user?")
    at.button(key="new_conversation").click().run()
    at = ask(at, "How do I fetch a frontline user?")
    listed = [b.label for b in at.sidebar.button if b.key.startswith("conv_")]
    assert len(listed) == 2 and all(re.search(r" · :gray\[\d{4}-\d\d-\d\d \d\d:\d\d\]$", lab) for lab in listed)
    first = at.session_state["conversation"]
    at.text_input(key=f"title_{first}").set_value("Zebra notes")
    at.button(key=f"rename_{first}").click().run()
    at.text_input(key="conversation_query").set_value("zebra").run()
    found = [b.label.split(" · ")[0] for b in at.sidebar.button if b.key.startswith("conv_")]
    assert found == ["Zebra notes"]
    at.text_input(key="conversation_query").set_value("Sid").run()  # words of an answer count too
    assert len([b for b in at.sidebar.button if b.key.startswith("conv_")]) == 2
    at.text_input(key="conversation_query").set_value("no such words").run()
    assert "No conversation mentions that" in texts(at.sidebar)


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


def test_explorer_deep_link_opens_one_operation_and_the_url_follows_the_choice(new_app):
    at = upload(new_app(), hostile_spec(), twilio_frontline())
    at.query_params["api"] = "twilio-frontline@1.0.0"
    at.query_params["op"] = "POST /v1/Users/{Sid}"
    at.switch_page("pages/explorer.py").run()
    _ok(at)
    assert next(b for b in at.selectbox if b.label == "Operation").value == "POST /v1/Users/{Sid}"
    next(b for b in at.selectbox if b.label == "Operation").set_value("GET /v1/Users/{Sid}").run()
    assert at.query_params["op"] == ["GET /v1/Users/{Sid}"] or at.query_params["op"] == "GET /v1/Users/{Sid}"
    at.text_input(key="explorer_query").set_value("update user").run()  # a new search shows its top hit
    assert next(b for b in at.selectbox if b.label == "Operation").value == "POST /v1/Users/{Sid}"


def test_explorer_search_lists_only_relevant_operations(new_app):
    at = upload(new_app(), twilio_frontline())
    at.switch_page("pages/explorer.py").run()
    at.text_input(key="explorer_query").set_value("update user").run()
    ops = next(b for b in at.selectbox if b.label == "Operation").options
    assert ops[0].startswith("POST /v1/Users/{Sid}")
    assert any(c.value.startswith(f"{len(ops)} of 2 operations") for c in at.caption)


def test_explorer_schema_browser_and_plain_table_cells(new_app):
    spec = {"openapi": "3.0.3", "info": {"title": "Music", "version": "1"},
            "components": {"schemas": {"Track": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string", "description": "The [Spotify ID](/documentation/web-api) of the track."},
                "limit": {"type": "integer", "description": "Default: 20\\. Minimum: 1\\."}}}}},
            "paths": {"/tracks": {"get": {"summary": "List tracks", "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer"},
                 "description": "Default: 20\\. Minimum: 1\\."}],
                "responses": {"200": {"description": "ok"}}}}}}
    import json

    at = upload(new_app(), ("music.json", json.dumps(spec).encode()))
    at.switch_page("pages/explorer.py").run()
    _ok(at)
    params = at.dataframe[0].value
    assert list(params["Description"]) == ["Default: 20. Minimum: 1."]  # no Markdown escapes in a table
    at.segmented_control(key="explorer_view").set_value("Schemas").run()
    _ok(at)
    assert at.selectbox(key="explorer_schema").value == "Track"
    fields = at.dataframe[0].value
    assert "The Spotify ID of the track." in list(fields["Description"])  # link text, not raw Markdown


def test_explorer_try_it_mock_shows_status_headers_and_a_body_from_the_spec(new_app):
    at = upload(new_app(), twilio_frontline())
    at.switch_page("pages/explorer.py").run()
    next(b for b in at.selectbox if b.label == "Operation").set_value("GET /v1/Users/{Sid}").run()
    at = open_lazy(at, "op_tabs_GET /v1/Users/{Sid}", "Try it")
    at.button(key="tryit_op_GET /v1/Users/{Sid}_send").click().run()
    _ok(at)
    assert any("200" in m.value and "mock, composed from the spec" in m.value for m in at.markdown)
    body = next(c.value for c in at.code if c.value.lstrip().startswith("{"))
    assert '"sid": "US' in body  # the schema's pattern ^US[0-9a-fA-F]{32}$ is honoured


@pytest.mark.parametrize("page", ["pages/library.py", "pages/explorer.py", "pages/insights.py", "pages/settings.py"])
def test_every_page_renders_on_an_empty_library(new_app, page):
    at = new_app()
    at.switch_page(page).run()
    _ok(at)
    assert at.title[0].value in {"Library", "Explorer", "Insights", "Settings"}


def test_an_api_without_a_real_title_is_named_after_its_file_and_can_be_renamed(new_app):
    import json

    spec = {"openapi": "3.0.3", "info": {"title": "API", "version": "3"},
            "paths": {"/health": {"get": {"summary": "GET /health", "responses": {"200": {"description": "ok"}}}}}}
    at = upload(new_app(), ("acme-billing.json", json.dumps(spec).encode()))
    at.switch_page("pages/library.py").run()
    _ok(at)
    assert at.subheader[0].value == "Acme Billing · 3"
    api = next(b.key for b in at.button if b.key.startswith("api_rename_")).removeprefix("api_rename_")
    at.text_input(key=f"api_name_{api}").set_value("Billing (staging)")
    at.button(key=f"api_rename_{api}").click().run()
    _ok(at)
    assert at.subheader[0].value == "Billing \\(staging\\) · 3"
    at.switch_page("pages/explorer.py").run()
    assert at.selectbox(key="explorer_api").options == ["Billing (staging) 3"]


def test_openai_without_a_base_url_warns_and_never_calls_the_public_address(new_app, monkeypatch):
    monkeypatch.delenv("APIASSIST_LLM_BASE_URL", raising=False)
    at = upload(new_app(), twilio_frontline())
    at.switch_page("pages/settings.py").run()
    at.selectbox[0].set_value("openai")
    next(b for b in at.button if b.label == "Save for this session").click().run()
    _ok(at)
    assert any("Set a base URL for the OpenAI-compatible server" in w.value for w in at.warning)
    at.switch_page("pages/chat.py").run()
    at = ask(at, "How do I update a frontline user?")
    _ok(at)
    assert "Composed offline from your specs" in texts(at.chat_message[1])


def test_session_base_url_and_key_reach_the_chosen_server_and_the_key_is_not_saved(new_app, monkeypatch):
    monkeypatch.delenv("APIASSIST_LLM_BASE_URL", raising=False)
    base_url, server = start_openai_server("healthy", reply="Use POST /v1/Users/{Sid}.", delay_s=0.0)
    try:
        at = upload(new_app(), twilio_frontline())
        at.switch_page("pages/settings.py").run()
        at.selectbox[0].set_value("openai")
        at.text_input[0].set_value("test-model")
        [t for t in at.text_input if t.label == "Base URL"][0].set_value(base_url)
        [t for t in at.text_input if t.label == "API key"][0].set_value("sk-session-only")
        next(b for b in at.button if b.label == "Save for this session").click().run()
        _ok(at)
        at.switch_page("pages/chat.py").run()
        at = ask(at, "How do I update a frontline user?")
        _ok(at)
        assert server.requests and server.requests[-1].headers.get("authorization") == "Bearer sk-session-only"
        saved = ConversationStore(load_settings().data_dir).load_settings(at.session_state["owner"])
        assert saved["base_url"] == base_url and "sk-session-only" not in str(saved)
    finally:
        server.close()


def test_first_page_explains_offers_upload_in_the_main_area_and_remembers_the_browser(new_app):
    at = new_app()
    _ok(at)
    assert "Upload an API specification and ask how to do things with it" in texts(at.main)
    assert [u.label for u in at.main.file_uploader] == ["Upload your first spec"]
    cookie = [h.proto.body for h in at.get("html") if "document.cookie" in h.proto.body]
    assert len(cookie) == 1 and f"apiassist_sid={at.session_state['sid']};" in cookie[0]
    at = at.run()  # the cookie is written once per browser session, not on every rerun
    assert not [h for h in at.get("html") if "document.cookie" in h.proto.body]
    at.main.file_uploader[0].upload(*twilio_frontline(), "application/json")
    at = at.run()
    from tests.app.conftest import finish_indexing

    at = finish_indexing(at)
    assert not at.main.file_uploader  # with a library, the upload lives in the sidebar
    assert any(b.label.startswith("How do I") for b in at.main.button)  # suggestions instead


def test_a_suggested_question_is_asked_titled_and_listed_in_its_click(new_app):
    at = upload(new_app(), twilio_frontline())
    suggestion = at.button(key="example_0")
    question = suggestion.label
    at = suggestion.click().run()
    _ok(at)
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert question in texts(at.chat_message[0])
    assert at.title[0].value == question  # the new conversation is titled by the suggestion
    listed = [b.label.split(" · ")[0] for b in at.sidebar.button if b.key.startswith("conv_")]
    assert listed == [question]
    at = at.run()  # the question is asked once, not again on the next rerun
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
