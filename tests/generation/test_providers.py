"""OpenAI-compatible and Ollama providers against loopback servers: streaming, usage, error translation."""

from __future__ import annotations

import threading
import time

import pytest

from src.core.errors import ProviderError, ProviderTimeout
from src.rag.generation.base import ChatMessage, LLMProvider, Role
from src.rag.generation.providers import build_provider
from src.rag.types import Usage
from tests.generation.conftest import config_for, wait_until
from tests.generation.fake_servers import DEFAULT_REPLY, dead_url

MESSAGES = [ChatMessage(Role.SYSTEM, "rules"), ChatMessage(Role.USER, "How do I refund a charge?")]
PROTOCOLS = ["openai", "ollama"]


def run(provider: LLMProvider) -> tuple[list[str], Usage | None | BaseException]:
    """Drain a provider stream; return the deltas and either the returned usage or the raised error."""
    deltas: list[str] = []
    stream = provider.stream(MESSAGES)
    try:
        while True:
            deltas.append(next(stream))
    except StopIteration as done:
        return deltas, done.value
    except ProviderError as err:
        return deltas, err


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_healthy_server_streams_deltas_and_reports_usage(servers, protocol: str) -> None:
    url, server = servers(protocol)
    provider = build_provider(config_for(url, protocol))
    assert isinstance(provider, LLMProvider)
    deltas, usage = run(provider)
    assert len(deltas) > 3
    assert "".join(deltas) == DEFAULT_REPLY
    assert isinstance(usage, Usage) and usage.completion_tokens == len(deltas)
    assert usage.prompt_tokens > 0
    body = server.requests[0].body
    assert body["model"] == f"{protocol}-test-model"
    assert [m["content"] for m in body["messages"]] == ["rules", "How do I refund a charge?"]
    assert wait_until(lambda: server.completed_streams == 1)


def test_openai_usage_needs_stream_options(servers) -> None:
    url, server = servers("openai")
    deltas, usage = run(build_provider(config_for(url, "openai", stream_usage=False)))
    assert deltas and usage is None
    assert "stream_options" not in server.requests[0].body
    run(build_provider(config_for(url, "openai")))
    assert server.requests[1].body["stream_options"] == {"include_usage": True}


def test_answer_length_reaches_a_compatible_server_as_max_tokens(servers) -> None:
    url, server = servers("openai")
    run(build_provider(config_for(url, "openai", max_tokens=77)))
    body = server.requests[0].body
    assert body["max_tokens"] == 77 and "max_completion_tokens" not in body  # what llama.cpp servers read


FAULTS = [
    # mode, error type, retryable, words in the message
    ("error500", ProviderError, True, "server error (HTTP 500)"),
    ("rate_limited", ProviderError, True, "rate-limiting"),
    ("hang", ProviderTimeout, True, "did not"),
    ("malformed", ProviderError, False, "malformed response"),
    ("bad_request", ProviderError, False, "refused the request (HTTP 400)"),
    ("unauthorized", ProviderError, False, "rejected the credentials (HTTP 401)"),
    ("context_length", ProviderError, False, "cannot fit the question"),
]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(("mode", "kind", "retryable", "words"), FAULTS, ids=[f[0] for f in FAULTS])
def test_faults_become_one_sentence_provider_errors(servers, protocol, mode, kind, retryable, words) -> None:
    url, server = servers(protocol, mode)
    threads_before = threading.active_count()
    deltas, err = run(build_provider(config_for(url, protocol, first_token_timeout_s=0.6)))
    assert deltas == []
    assert isinstance(err, kind)
    assert err.retryable is retryable
    assert words in str(err)
    assert str(err).count(". ") == 0 and str(err).endswith(".")  # one sentence
    assert url.split("//")[1].split("/")[0] in str(err)  # names the server it could not use
    assert wait_until(lambda: server.open_connections == 0)
    assert wait_until(lambda: threading.active_count() <= threads_before)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_retry_after_header_is_parsed(servers, protocol: str) -> None:
    url, _ = servers(protocol, "rate_limited", retry_after="7")
    _, err = run(build_provider(config_for(url, protocol)))
    assert isinstance(err, ProviderError) and err.retry_after == 7.0


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_dead_server_is_a_retryable_connection_error(protocol: str) -> None:
    _, err = run(build_provider(config_for(dead_url("/v1" if protocol == "openai" else ""), protocol)))
    assert isinstance(err, ProviderError) and err.retryable
    assert "could not be reached" in str(err)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_stream_cut_midway_keeps_the_emitted_deltas(servers, protocol: str) -> None:
    url, server = servers(protocol, "cut")
    deltas, err = run(build_provider(config_for(url, protocol)))
    assert len(deltas) == 2
    assert isinstance(err, ProviderError) and "mid-answer" in str(err)
    assert wait_until(lambda: server.open_connections == 0)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_stream_that_falls_silent_is_cut_at_the_idle_deadline(servers, protocol: str) -> None:
    url, server = servers(protocol, "slow", delay_s=0.4)  # 12 tokens, 0.4 s apart; idle deadline 0.15 s
    deltas, err = run(build_provider(config_for(url, protocol, first_token_timeout_s=5, idle_timeout_s=0.15)))
    assert isinstance(err, ProviderTimeout) and "stopped sending for 0.15 s mid-answer" in str(err)
    assert len(deltas) == 1
    assert len(server.requests) == 1  # the provider itself never retries
    assert wait_until(lambda: server.open_connections == 0)
    assert server.completed_streams == 0  # the client hung up before the reply was complete


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_steady_stream_is_cut_at_the_wait_bound(servers, protocol: str) -> None:
    url, server = servers(protocol, "slow", delay_s=0.2)  # 12 tokens x 0.2 s = 2.4 s; bound 0.7 s
    provider = build_provider(config_for(url, protocol, first_token_timeout_s=5, idle_timeout_s=5))
    deltas: list[str] = []
    with pytest.raises(ProviderTimeout, match="left of the wait bound") as caught:
        for text in provider.stream(MESSAGES, deadline=time.monotonic() + 0.7):
            deltas.append(text)
    assert 1 <= len(deltas) < 12
    assert not caught.value.retryable  # no time is left for another attempt
    assert wait_until(lambda: server.open_connections == 0)
    assert server.completed_streams == 0


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_first_token_deadline_is_retryable_when_the_server_is_free(servers, protocol: str) -> None:
    url, server = servers(protocol, "hang")
    _, err = run(build_provider(config_for(url, protocol, first_token_timeout_s=0.4)))
    assert isinstance(err, ProviderTimeout) and "did not start answering within 0.4 s" in str(err)
    assert err.retryable  # the probe after the cancelled attempt was answered at once
    assert server.probes  # ... and it was asked before deciding
    assert wait_until(lambda: server.open_connections == 0)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_slow_but_timely_server_completes(servers, protocol: str) -> None:
    url, _ = servers(protocol, "slow", delay_s=0.03)
    deltas, usage = run(build_provider(config_for(url, protocol, first_token_timeout_s=2.0, idle_timeout_s=2.0)))
    assert "".join(deltas) == DEFAULT_REPLY and isinstance(usage, Usage)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_api_key_is_sent_as_bearer_token_and_never_shown(servers, protocol: str) -> None:
    url, server = servers(protocol)
    config = config_for(url, protocol, api_key="sk-test-SECRET-4242")
    run(build_provider(config))
    assert server.requests[0].headers.get("authorization") == "Bearer sk-test-SECRET-4242"
    assert "SECRET-4242" not in repr(config)
