"""The optional LLM choice among the ranker's top candidates, against a real OpenAI-compatible server on loopback."""

from __future__ import annotations

import json

import pytest

from src.rag.ranking.llm_choice import LlmChooser, parse_choice
from src.rag.types import ChunkKind, Hit
from tests.generation.conftest import config_for, fast_settings, router_for
from tests.generation.fake_servers import start_openai_server


def _hit(key: str, title: str) -> Hit:
    method, path = key.split(" ", 1)
    return Hit(id=f"t@1:op:{key}", api="t@1", kind=ChunkKind.OPERATION, title=f"{key} — {title}", source="#/x",
               score=0.9, method=method, path=path)


HITS = [_hit("GET /me/following", "Get followed artists"), _hit("GET /me/top/{type}", "Get the user's top items"),
        _hit("GET /artists/{id}", "Get an artist")]


@pytest.fixture
def server():
    servers = []

    def start(mode="healthy", reply='{"choice": 2}'):
        url, srv = start_openai_server(mode, reply=reply)
        servers.append(srv)
        return url, srv

    yield start
    for srv in servers:
        srv.close()


def test_the_llm_choice_comes_first_and_is_asked_once_per_question(server):
    url, srv = server()
    chooser = LlmChooser(router_for(config_for(url)))
    first = chooser.reorder("get the current user's top artists", HITS)
    assert [h.path for h in first] == ["/me/top/{type}", "/me/following", "/artists/{id}"]
    prompt = srv.requests[0].body["messages"][-1]["content"]
    assert "1. GET /me/following — Get followed artists" in prompt and "3. GET /artists/{id}" in prompt
    assert chooser.reorder("get the current user's top artists", HITS) == first
    assert len(srv.requests) == 1  # the second ask is served from the cache


@pytest.mark.parametrize("mode,reply", [("error500", '{"choice": 2}'), ("healthy", "the second one, probably"),
                                        ("healthy", '{"choice": 9}'), ("healthy", '{"choice": 0}')])
def test_a_failed_or_unusable_choice_keeps_the_learned_order(server, mode, reply):
    url, _ = server(mode, reply)
    chooser = LlmChooser(router_for(config_for(url)))
    assert chooser.reorder("get the current user's top artists", HITS) == HITS


def test_an_open_breaker_costs_no_call(server):
    url, srv = server("error500")
    settings = fast_settings(breaker_failure_threshold=1, breaker_reset_s=60)
    chooser = LlmChooser(router_for(config_for(url, settings=settings), settings=settings))
    chooser.reorder("first question", HITS)
    asked = len(srv.requests)
    assert chooser.reorder("another question", HITS) == HITS
    assert len(srv.requests) == asked


def test_parse_choice_reads_the_json_reply():
    assert parse_choice('Sure: {"choice": 3}', 3) == 3
    assert parse_choice(json.dumps({"choice": "2"}), 3) is None


def test_the_assistant_puts_the_llm_choice_first_in_the_answer_and_its_sources(tmp_path, server):
    from src.core.config import Settings
    from src.rag.service import Assistant
    from tests.test_ranking import projects_spec

    url, srv = server(reply='{"choice": 2}')
    base = dict(data_dir=tmp_path / "data", llm_provider="openai", llm_base_url=url, llm_model="m",
                llm_max_retries=0, llm_first_token_timeout_s=2.0)
    assistant = Assistant(Settings(**base, llm_chooses_endpoint=True))
    assert assistant.index_upload("tracker.json", projects_spec()).ok
    learned = [h for h in assistant.search("get the project with id 8841") if h.fits]
    answer = assistant.ask("get the project with id 8841")
    assert (answer.sources[0].method, answer.sources[0].path) == (learned[1].method, learned[1].path)
    assert any("Candidates:" in m["content"] for r in srv.requests for m in r.body["messages"])
