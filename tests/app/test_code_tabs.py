"""Code tabs: preferred languages first, the rest one click away, the choice remembered; Explorer shows all."""

from __future__ import annotations

from src.core.config import load_settings
from src.rag.codegen import SUPPORTED_LANGUAGES
from src.rag.conversations import ConversationStore
from tests.app.conftest import ask, open_lazy, upload
from tests.app.specs import twilio_frontline

QUESTION = "How do I update a frontline user?"


def _ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _answer_id(at) -> int:
    """Return the id of this session's first answer (its widgets are keyed by it)."""
    store = ConversationStore(load_settings().data_dir)
    conv = store.list(at.session_state["owner"])[0]
    return next(m.id for m in store.messages(conv.id) if m.role == "assistant")


def _labels(block) -> list[str]:
    return [t.label for t in block.tabs]


def test_chat_shows_preferred_languages_first_and_remembers_a_new_choice(new_app):
    at = ask(upload(new_app(), twilio_frontline()), QUESTION)
    _ok(at)
    reply = at.chat_message[1]
    more_tab = f"More languages ({len(SUPPORTED_LANGUAGES) - 3})"
    assert _labels(reply) == ["curl", "Python \\(requests\\)", "JavaScript \\(fetch\\)", more_tab]
    assert len(reply.code) == 1 and "curl " in reply.code[0].value and not reply.radio  # only the open tab is drawn
    at = open_lazy(at, f"code_{_answer_id(at)}", more_tab)
    more = at.chat_message[1].radio[0]
    assert more.options == ["TypeScript (fetch)", "Go (net/http)", "Java (HttpClient)", "C# (HttpClient)",
                            "PHP (curl)", "Ruby (Net::HTTP)", "PowerShell (Invoke-RestMethod)", "HTTPie"]
    more.set_value("go").run()
    _ok(at)
    assert any("package main" in c.value and "net/http" in c.value for c in at.chat_message[1].code)

    at.chat_message[1].multiselect[0].set_value(["go", "java"]).run()
    _ok(at)
    assert _labels(at.chat_message[1])[:3] == ["Go \\(net/http\\)", "Java \\(HttpClient\\)",
                                               f"More languages ({len(SUPPORTED_LANGUAGES) - 2})"]
    # A new tab of the same session (same sid) finds the choice saved.
    again = ask(new_app(at.session_state["sid"]), QUESTION)
    _ok(again)
    assert _labels(again.chat_message[1])[:2] == ["Go \\(net/http\\)", "Java \\(HttpClient\\)"]


def test_explorer_shows_every_language_in_its_own_tab(new_app):
    at = upload(new_app(), twilio_frontline())
    at.switch_page("pages/explorer.py").run()
    at.selectbox(key="explorer_api").set_value("twilio-frontline@1.0.0").run()
    _ok(at)
    shown = next(b for b in at.selectbox if b.label == "Operation").value
    at = open_lazy(at, f"op_tabs_{shown}", "Code")
    _ok(at)
    labels = _labels(at)
    start = labels.index("curl")
    languages = [label for label in labels[start:] if label != "Try it"]  # the operation's next tab
    assert len(languages) == len(SUPPORTED_LANGUAGES) and "HTTPie" in languages
    codes = "\n".join(c.value for c in at.code)
    for marker in ("curl -X", "requests.", "fetch(", "package main", "HttpClient.newHttpClient", "new HttpClient {",
                   "curl_init", "Net::HTTP", "Invoke-RestMethod", "http --ignore-stdin"):
        assert marker in codes, marker


def test_multi_step_answers_stack_their_steps_inside_each_language_tab():
    from streamlit.testing.v1 import AppTest

    def page():
        from app.views.code_tabs import render_code
        from src.rag.types import CodeSample

        render_code([CodeSample(lang, f"{lang} step {n}", f"Step {n}: {label}") for n in (1, 2)
                     for lang, label in (("curl", "curl"), ("go", "Go (net/http)"))],
                    key="steps", preferred=["go"])

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Go \\(net/http\\)", "More languages (1)"]
    go_tab = at.tabs[0]
    assert [c.value for c in go_tab.caption] == ["Step 1", "Step 2"]
    assert [c.value for c in go_tab.code] == ["go step 1", "go step 2"]
    assert not at.tabs[1].code  # drawn once opened
    at = open_lazy(at, "steps", "More languages (1)")
    assert [c.value for c in at.tabs[1].code] == ["curl step 1", "curl step 2"]
