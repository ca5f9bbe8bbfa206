"""Fixtures for tests against the real llama.cpp server: the server itself and a small indexed library."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import shared
from tests.llm.llama_server import LlamaServer, start_llama_server, wait_until_idle

SPEC = ("specs", "twilio", "twilio_accounts_v1.json")  # 20 operations: prompts stay small on a busy CPU


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory) -> Iterator[LlamaServer]:
    """Start one llama.cpp server with SmolLM2-135M for the session; stop it at the end."""
    server = start_llama_server(tmp_path_factory.mktemp("llama") / "server.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def idle_server(llama_server: LlamaServer) -> LlamaServer:
    """The session server, once it has finished whatever an earlier test left it computing."""
    wait_until_idle(llama_server)
    return llama_server


@pytest.fixture(scope="session")
def llm_library(tmp_path_factory) -> Path:
    """Index the Twilio Accounts spec once through the CLI; return the data dir."""
    from app.cli import main

    data = tmp_path_factory.mktemp("llm-library")
    assert main(["--data-dir", str(data), "index", str(shared(*SPEC))]) == 0
    return data
