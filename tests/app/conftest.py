"""AppTest fixtures: the real app on a temp data dir, with the offline composer and the bundled model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

MAIN = Path(__file__).resolve().parents[2] / "app" / "main.py"
TIMEOUT = 180  # the first question loads the embedding model on a busy 2-core machine


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """Point the app at a fresh data dir through the environment, as a deployment would."""
    path = tmp_path / "data"
    monkeypatch.setenv("APIASSIST_DATA_DIR", str(path))
    monkeypatch.setenv("APIASSIST_LLM_PROVIDER", "offline")
    monkeypatch.setenv("APIASSIST_RATE_LIMIT_BURST", "50")
    return path


@pytest.fixture
def new_app(data_dir) -> Callable[..., AppTest]:
    """Return a factory of fresh app sessions (a new browser tab) on the same data dir."""
    def make(sid: str | None = None) -> AppTest:
        at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
        if sid:
            at.query_params["sid"] = sid
        return at.run()
    return make


def upload(at: AppTest, *files: tuple[str, bytes], wait: bool = True) -> AppTest:
    """Drop files on the sidebar uploader, as a user would, run the app, and (by default) let indexing finish."""
    uploader = at.sidebar.file_uploader[0]
    for name, data in files:
        uploader.upload(name, data, "application/json")
    at = at.run()
    return finish_indexing(at) if wait else at


def finish_indexing(at: AppTest) -> AppTest:
    """Wait for the background indexer (as a user watching the progress bar would), then rerun the page."""
    from app import state

    assert state.jobs().wait(TIMEOUT), "indexing did not finish in time"
    return at.run()


def ask(at: AppTest, question: str) -> AppTest:
    """Type a question in the chat input and run the app."""
    at.chat_input[0].set_value(question)
    return at.run()


def open_lazy(at: AppTest, key: str, value: object = True) -> AppTest:
    """Open a keyed expander (``True``) or pick a keyed tab (its label) that draws its content only once open."""
    at.session_state[key] = value
    return at.run()


def open_sources(at: AppTest) -> AppTest:
    """Open the Sources table under every answer of this session's conversations, as a click on each would."""
    from src.core.config import load_settings
    from src.rag.conversations import ConversationStore

    store = ConversationStore(load_settings().data_dir)
    for conv in store.list(at.session_state["owner"]):
        for message in store.messages(conv.id):
            if message.role == "assistant":
                at.session_state[f"sources_{message.id}"] = True
    return at.run()


def texts(at_or_block) -> str:
    """Return every markdown, caption, title, info, success, warning and error text, joined."""
    kinds = ("markdown", "caption", "title", "subheader", "info", "success", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at_or_block, kind))
