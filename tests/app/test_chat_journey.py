"""The whole chat journey in AppTest: upload, list, ask, sources and code, feedback, insights, export, reload."""

from __future__ import annotations

from src.core.config import load_settings
from src.rag.conversations import ConversationStore
from src.rag.transcript import export_markdown
from tests.app.conftest import ask, open_sources, texts, upload
from tests.app.specs import hostile_spec, twilio_frontline

QUESTION = "How do I update a frontline user?"
COMMENT = "Missing the request body example"


def _no_errors(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _upload_two(at):
    at = upload(at, twilio_frontline(), hostile_spec())
    _no_errors(at)
    reports = " ".join(s.value for s in at.sidebar.success)
    assert "Twilio - Frontline" in reports and "2 operations" in reports
    assert "Hostile Pets \\<script\\>" in reports  # the title is shown, escaped
    library = texts(at.sidebar)
    assert "Twilio - Frontline" in library and "Hostile Pets" in library
    assert any(b.label.startswith("How do I") for b in at.button)  # example questions for the new API
    return at


def _ask_and_check(at):
    at = ask(at, QUESTION)
    _no_errors(at)
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    reply = at.chat_message[1]
    assert "/v1/Users/{Sid}" in texts(reply)
    assert any(e.label.startswith("Sources") for e in reply.expander)
    assert not reply.dataframe  # the table is drawn only once its expander is opened
    at = open_sources(at)
    reply = at.chat_message[1]
    sources = reply.dataframe[0].value
    assert "POST" in set(sources["Method"]) and any(p.startswith("#/paths/") for p in sources["Pointer"])
    assert {t.label for t in reply.tabs} >= {"curl", "Python \\(requests\\)", "JavaScript \\(fetch\\)"}
    assert any("frontline-api.twilio.com" in c.value for c in reply.code)
    assert at.title[0].value == QUESTION  # the new conversation is titled by its first question
    assert any(b.label.startswith(QUESTION + " · ") for b in at.sidebar.button)  # listed with its date
    return at


def _thumbs_down_and_export(at, data_dir):
    at.feedback[0].set_value(0)
    at = at.run()
    at.text_input(key=[t.key for t in at.text_input if t.key.startswith("fbc_")][0]).set_value(COMMENT).run()
    _no_errors(at)
    store = ConversationStore(data_dir)
    conv = store.list(at.session_state["owner"])[0]
    answer_msg = store.messages(conv.id)[1]
    assert answer_msg.feedback.rating == 0 and answer_msg.feedback.comment == COMMENT
    assert at.download_button(key="export").label == "Export as Markdown"
    exported = export_markdown(conv, store.messages(conv.id))  # exactly what the button serves
    assert f"## Question\n\n{QUESTION}" in exported and "/v1/Users/{Sid}" in exported
    assert f"not helpful: {COMMENT}" in exported
    return at


def test_upload_ask_feedback_insights_export_reload(new_app, data_dir):
    at = new_app()
    _no_errors(at)
    assert at.title[0].value == "Ask your APIs"
    at = _thumbs_down_and_export(_ask_and_check(_upload_two(at)), data_dir)

    at.switch_page("pages/insights.py").run()
    _no_errors(at)
    flagged = at.dataframe[0].value
    assert list(flagged["Question"]) == [QUESTION] and list(flagged["Comment"]) == [COMMENT]

    again = new_app(sid=at.session_state["sid"])  # a reload: new session, same URL
    _no_errors(again)
    assert [m.name for m in again.chat_message] == ["user", "assistant"]
    assert QUESTION in texts(again.chat_message[0])
    assert again.feedback[0].value == 0
    assert [t.value for t in again.text_input if t.key.startswith("fbc_")] == [COMMENT]


def test_question_with_ref_and_ampersand_is_answered(new_app):
    at = upload(new_app(), twilio_frontline())
    at = ask(at, "How do I fetch a user with $ref and ?limit=10&offset=0 && more?")
    _no_errors(at)
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert "$ref" in at.chat_message[0].markdown[0].value.replace("\\", "")
    assert at.chat_message[1].expander  # answered with sources, not rejected


def test_another_session_does_not_see_my_conversations(new_app):
    at = upload(new_app(), twilio_frontline())
    at = ask(at, QUESTION)
    other = new_app()
    assert other.session_state["sid"] != at.session_state["sid"]
    assert other.chat_message.len == 0
    assert not any(b.label.startswith(QUESTION) for b in other.sidebar.button)


def test_signed_in_user_owns_conversations_across_sessions(new_app, data_dir):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import MAIN, TIMEOUT

    def signed_in() -> AppTest:
        at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
        at.user = {"is_logged_in": True, "email": "dev@example.com", "name": "Dev"}
        return at.run()

    at = upload(signed_in(), twilio_frontline())
    at = ask(at, QUESTION)
    assert at.session_state["owner"] == "user:dev@example.com"
    assert "Signed in as Dev" in texts(at.sidebar)
    later = signed_in()  # another device, no sid in the URL
    assert [m.name for m in later.chat_message] == ["user", "assistant"]


def test_rate_limit_answers_with_a_friendly_message(new_app, monkeypatch):
    monkeypatch.setenv("APIASSIST_RATE_LIMIT_BURST", "1")
    monkeypatch.setenv("APIASSIST_RATE_LIMIT_PER_MINUTE", "1")
    at = upload(new_app(), twilio_frontline())
    at = ask(at, QUESTION)
    at = ask(at, "How do I fetch a frontline user?")
    _no_errors(at)
    assert any("asking faster than this server allows" in i.value for i in at.info)
    store = ConversationStore(load_settings().data_dir)
    conv = store.list(at.session_state["owner"])[0]
    assert [m.role for m in store.messages(conv.id)] == ["user", "assistant"]  # the refused question was not stored
