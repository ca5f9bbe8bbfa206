"""What servers tell about themselves: context windows, tokenizers, and the busy probe."""

from __future__ import annotations

from src.rag.generation.server_info import DEFAULT_CONTEXT_TOKENS, ServerFacts, server_is_free
from tests.generation.conftest import HITS, OFFLINE, QUESTION, config_for, router_for
from tests.generation.fake_servers import dead_url


def words(body: dict) -> dict:
    """A llama.cpp-style /tokenize reply: one token per word."""
    return {"tokens": list(range(len(str(body.get("content", "")).split())))}


def test_llama_cpp_reports_its_window_and_counts_tokens(servers) -> None:
    facts = {"/props": lambda _: {"default_generation_settings": {"n_ctx": 2048}}, "/tokenize": words}
    url, server = servers("openai", facts=facts)
    info = ServerFacts(config_for(url, context_tokens=0))
    assert info.context_window() == (2048, "server")
    assert info.count_tokens("one two three") == 3
    assert info.count_tokens("four five") == 2
    assert server.probes.count("/extras/tokenize/count") == 1  # tried once, then the working one is kept


def test_a_configured_window_wins_and_costs_no_request(servers) -> None:
    url, server = servers("openai")
    assert ServerFacts(config_for(url, context_tokens=1234)).context_window() == (1234, "setting")
    assert server.probes == []


def test_a_server_that_says_nothing_gets_the_default_window_and_estimates(servers) -> None:
    url, _ = servers("openai")
    info = ServerFacts(config_for(url, context_tokens=0))
    assert info.context_window() == (DEFAULT_CONTEXT_TOKENS, "default")
    assert info.count_tokens("one two") is None


def test_ollama_reports_num_ctx_through_api_show(servers) -> None:
    url, server = servers("ollama", facts={"/api/show": lambda body: {"parameters": "stop x\nnum_ctx 3000"}})
    assert ServerFacts(config_for(url, "ollama", context_tokens=0)).context_window() == (3000, "server")
    assert "/api/show" in server.probes


def test_ollama_model_length_is_capped_at_its_runtime_default(servers) -> None:
    url, _ = servers("ollama", facts={"/api/show": lambda _: {"model_info": {"llama.context_length": 131072}}})
    assert ServerFacts(config_for(url, "ollama", context_tokens=0)).context_window() == (4096, "server")


def test_an_unreachable_server_is_not_free() -> None:
    assert not server_is_free(config_for(dead_url()))


def test_prompt_counted_by_the_server_tokenizer_shows_as_exact(servers) -> None:
    url, _ = servers("openai", facts={"/tokenize": words})
    events = list(router_for(config_for(url, stream_usage=False)).stream(QUESTION, HITS, OFFLINE))
    reading = events[0]
    assert reading.stage == "reading" and "about" not in reading.message
    answer = events[-1].answer
    assert answer.usage.counted_by == "server tokenizer" and not answer.usage.estimated


def test_a_server_down_at_first_is_asked_again_later() -> None:
    url = dead_url()
    info = ServerFacts(config_for(url, context_tokens=0))
    assert info.context_window() == (DEFAULT_CONTEXT_TOKENS, "default")
    assert info._window is None  # not remembered: the next question asks again
