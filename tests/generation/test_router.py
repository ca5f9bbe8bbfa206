"""GenerationRouter end to end against loopback LLM servers: streaming, retries, breaker, fallback, bound."""

from __future__ import annotations

import threading
import time

import pytest

from src.core.errors import CircuitOpen
from src.rag.generation.events import Final, Progress, TextDelta
from src.rag.generation.router import GenerationRouter
from src.rag.types import Answer
from tests.generation.conftest import (
    HITS, OFFLINE, QUESTION, config_for, fast_settings, record_waits, router_for,
    wait_until,
)
from tests.generation.fake_servers import DEFAULT_REPLY, dead_url

PROTOCOLS = ["openai", "ollama"]


def collect(router: GenerationRouter, **kwargs: object) -> tuple[list[str], Answer, float]:
    """Run one question; return the deltas, the final answer and the elapsed seconds."""
    started = time.monotonic()
    events = list(router.stream(QUESTION, HITS, OFFLINE, **kwargs))  # type: ignore[arg-type]
    elapsed = time.monotonic() - started
    events = [e for e in events if not isinstance(e, Progress)]
    assert isinstance(events[-1], Final)
    assert all(isinstance(e, TextDelta) for e in events[:-1])
    deltas = [e.text for e in events[:-1]]
    answer = events[-1].answer
    assert "".join(deltas) == answer.text  # what was streamed is exactly what is kept
    return deltas, answer, elapsed


def assert_cited(answer: Answer) -> None:
    """A cited answer carries sources, the deterministic code, and a pointer of a source in its text."""
    assert answer.sources == OFFLINE.sources
    assert answer.code == OFFLINE.code
    assert any(hit.source in answer.text for hit in answer.sources)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_healthy_provider_streams_the_llm_answer(servers, protocol: str) -> None:
    url, server = servers(protocol)
    router = router_for(config_for(url, protocol, name="primary"))
    deltas, answer, _ = collect(router)
    assert len(deltas) > 3
    assert answer.text == DEFAULT_REPLY
    assert answer.provider == "primary" and not answer.degraded
    assert answer.usage.prompt_tokens > 0 and not answer.usage.estimated
    assert answer.unverified == ()
    assert_cited(answer)
    assert len(server.requests) == 1


def test_offline_only_yields_the_offline_answer() -> None:
    router = GenerationRouter.from_settings(fast_settings(llm_provider="offline"))
    deltas, answer, _ = collect(router)
    assert deltas == [OFFLINE.text]
    assert answer == OFFLINE
    assert router.health() == [{"name": "offline", "kind": "offline", "model": "", "base_url": "",
                                "state": "closed"}]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_prompt_sent_to_the_server_carries_paths_pointers_and_ids(servers, protocol: str) -> None:
    url, server = servers(protocol)
    collect(router_for(config_for(url, protocol)))
    messages = server.requests[0].body["messages"]
    assert messages[0]["role"] == "system" and "cite" in messages[0]["content"].lower()
    user = messages[-1]["content"]
    for hit in HITS:
        assert hit.path in user and hit.source in user and hit.id in user
    assert QUESTION in user


def test_history_reaches_the_server_as_earlier_turns(servers) -> None:
    url, server = servers("openai")
    history = [("user", "How do I create a charge?"), ("assistant", "Use POST /v1/charges.")]
    collect(router_for(config_for(url)), history=history)
    roles = [m["role"] for m in server.requests[0].body["messages"]]
    assert roles == ["system", "user", "assistant", "user"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(("mode", "expected_requests"), [
    ("error500", 3), ("hang", 3), ("bad_request", 1), ("unauthorized", 1), ("context_length", 1),
    ("malformed", 1),
])
def test_only_retryable_failures_are_retried(servers, protocol: str, mode: str,
                                             expected_requests: int) -> None:
    settings = fast_settings(llm_max_retries=2, llm_first_token_timeout_s=0.4)
    url, server = servers(protocol, mode)
    _, answer, _ = collect(router_for(config_for(url, protocol, settings=settings), settings=settings))
    assert len(server.requests) == expected_requests
    assert answer.degraded and answer.provider == "offline"


def test_retries_back_off_exponentially(servers) -> None:
    settings = fast_settings(llm_max_retries=3, llm_backoff_s=0.1, llm_backoff_max_s=0.3)
    url, server = servers("openai", "error500")
    router = router_for(config_for(url, settings=settings), settings=settings)
    planned = record_waits(router)
    collect(router)
    assert len(server.requests) == 4 and len(planned.waits) == 3
    for i, wait in enumerate(planned.waits, start=1):
        exponential = 0.1 * 2 ** (i - 1)  # b0 * 2^(i-1) before the i-th retry, plus jitter up to b0
        assert min(exponential, 0.3) <= wait <= min(exponential + 0.1, 0.3)
    assert planned.waits[-1] == pytest.approx(0.3)  # 0.4 s wanted, held at b_max


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_rate_limit_retry_after_is_honoured_then_answer_arrives(servers, protocol: str) -> None:
    url, server = servers(protocol, ["rate_limited", "healthy"], retry_after="1")
    router = router_for(config_for(url, protocol))
    planned = record_waits(router)
    _, answer, _ = collect(router)
    assert answer.text == DEFAULT_REPLY and not answer.degraded
    assert [r.mode for r in server.requests] == ["rate_limited", "healthy"]
    assert planned.waits == [pytest.approx(1.0)]  # the server's 1 s, not the 0.05 s backoff


def test_a_retry_after_beyond_the_cap_is_cut_to_the_cap(servers) -> None:
    settings = fast_settings(llm_retry_after_cap_s=0.4)
    url, server = servers("openai", ["rate_limited", "healthy"], retry_after="30")
    router = router_for(config_for(url, settings=settings), settings=settings)
    planned = record_waits(router)
    _, answer, _ = collect(router)
    assert not answer.degraded and len(server.requests) == 2
    assert planned.waits == [pytest.approx(0.4)]


def test_breaker_opens_rejects_fast_half_opens_and_closes(servers) -> None:
    settings = fast_settings(breaker_failure_threshold=2, breaker_reset_s=0.6, llm_max_retries=1)
    url, server = servers("openai", "error500")
    router = router_for(config_for(url, name="flaky", settings=settings), settings=settings)
    for _ in range(2):
        collect(router)
    assert len(server.requests) == 4  # two logical failures, each retried once
    assert router.health()[0]["state"] == "open"

    with pytest.raises(CircuitOpen, match="paused after repeated failures") as rejected:
        router.slots[0].breaker.before_call()  # what the router meets while the breaker is open
    planned = record_waits(router)
    _, answer, _ = collect(router)
    assert len(server.requests) == 4  # rejected without reaching the server
    assert planned.waits == []  # and without waiting for a retry
    assert answer.degraded and answer.provider == "offline"
    assert str(rejected.value).split(";")[0] in answer.degraded_reason

    server.set_mode("healthy")
    assert wait_until(lambda: router.health()[0]["state"] == "half_open")
    _, answer, _ = collect(router)
    assert len(server.requests) == 5  # exactly one probe
    assert answer.provider == "flaky" and not answer.degraded
    assert router.health()[0]["state"] == "closed"


def test_fallback_order_is_respected(servers) -> None:
    url_b, server_b = servers("ollama")
    url_c, server_c = servers("openai")
    router = router_for(config_for(dead_url(), name="dead"), config_for(url_b, "ollama", name="second"),
                        config_for(url_c, name="third"))
    _, answer, _ = collect(router)
    assert answer.provider == "second" and not answer.degraded
    assert len(server_b.requests) == 1 and server_c.requests == []


def test_all_providers_failing_gives_the_offline_answer_with_one_sentence_reason(servers) -> None:
    url, _ = servers("openai", "unauthorized")
    dead = dead_url()
    router = router_for(config_for(dead), config_for(url, name="second"))
    deltas, answer, _ = collect(router)
    assert deltas == [OFFLINE.text]
    assert answer.degraded and answer.provider == "offline"
    reason = answer.degraded_reason
    assert reason.startswith(f"The LLM at {dead} could not be reached")
    assert "rejected the credentials" in reason
    assert reason.endswith("so this answer was composed offline from the spec.") and reason.count(". ") == 0


FAULT_MODES = ["healthy", "error500", "rate_limited", "slow", "hang", "malformed", "cut"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("mode", FAULT_MODES)
def test_every_fault_mode_yields_a_cited_answer_within_the_bound(servers, protocol: str, mode: str) -> None:
    url, server = servers(protocol, mode, delay_s=0.02, retry_after="1")
    settings = fast_settings(llm_max_wait_s=4)
    router = router_for(config_for(url, protocol, settings=settings), settings=settings)
    bound = settings.llm_max_wait_s + 1  # the documented t_close, generously
    assert router.wait_bound_s() == settings.llm_max_wait_s
    threads_before = threading.active_count()
    deltas, answer, elapsed = collect(router)
    assert elapsed <= bound
    assert deltas
    assert_cited(answer)
    if mode in ("healthy", "slow"):
        assert not answer.degraded and answer.text == DEFAULT_REPLY
    elif mode == "cut":
        assert answer.degraded and "cut off" in answer.text and "cut off" in answer.degraded_reason
    else:
        assert answer.degraded and answer.text == OFFLINE.text and answer.degraded_reason
    assert wait_until(lambda: server.open_connections == 0)
    assert wait_until(lambda: threading.active_count() <= threads_before)


def test_stream_cut_keeps_partial_text_then_the_offline_answer(servers) -> None:
    url, server = servers("openai", "cut")
    deltas, answer, _ = collect(router_for(config_for(url, name="cutter")))
    assert "".join(deltas[:2]) == "To refund "
    assert answer.text.startswith("To refund ")
    assert "*[Answer cut off: the LLM at" in answer.text
    assert answer.text.endswith(OFFLINE.text)  # the user still gets the whole offline answer
    assert answer.provider == "cutter" and answer.degraded and answer.usage.estimated
    assert answer.degraded_reason.count(". ") == 0 and "closed the connection mid-answer" in answer.degraded_reason
    assert len(server.requests) == 1  # never retried after the first token


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_reader_that_stops_early_leaves_nothing_behind(servers, protocol: str) -> None:
    url, server = servers(protocol, "slow", delay_s=0.5)  # the full answer would take 6 s
    router = router_for(config_for(url, protocol, first_token_timeout_s=10.0, idle_timeout_s=10.0))
    threads_before = threading.active_count()
    stream = router.stream(QUESTION, HITS, OFFLINE)
    assert isinstance(next(stream), Progress)  # the model is reading the prompt
    first = next(stream)
    assert isinstance(first, TextDelta)
    stream.close()  # e.g. the user left the page mid-answer
    # The client hangs up at once and the server stops on its next write: the reply is never completed.
    assert wait_until(lambda: server.open_connections == 0, timeout_s=10.0)
    assert server.completed_streams == 0
    assert wait_until(lambda: threading.active_count() <= threads_before, timeout_s=10.0)
    assert router.health()[0]["state"] == "closed"  # the provider did nothing wrong


def test_a_hanging_provider_mid_stream_is_cut_at_the_wait_bound(servers) -> None:
    url, _ = servers("ollama", "slow", delay_s=0.3)
    settings = fast_settings(llm_max_wait_s=1.0, llm_idle_timeout_s=5)
    router = router_for(config_for(url, "ollama", settings=settings), settings=settings)
    deltas, answer, elapsed = collect(router)
    assert elapsed <= settings.llm_max_wait_s + 1
    assert 1 <= len(deltas) - 1 < 12
    assert answer.degraded and "left of the wait bound" in answer.degraded_reason
    assert answer.text.endswith(OFFLINE.text)


def test_an_endpoint_absent_from_the_spec_is_listed_as_unverified(servers) -> None:
    reply = "Call DELETE /v1/imaginary first, then POST /v1/refunds [#/paths/~1v1~1refunds/post]."
    url, _ = servers("openai", reply=reply)
    _, answer, _ = collect(router_for(config_for(url)))
    assert answer.text == reply
    assert any("DELETE /v1/imaginary" in item for item in answer.unverified)
    assert not any("/v1/refunds" in item for item in answer.unverified)


def test_known_index_keys_are_used_for_verification(servers) -> None:
    url, _ = servers("openai", reply="Use GET /v1/balance to check funds.")
    known = ({"GET /v1/balance"}, set())
    _, answer, _ = collect(router_for(config_for(url)), known=known)
    assert answer.unverified == ()


@pytest.fixture
def debug_logging():
    """Log every event at DEBUG for one test, whatever an earlier test configured."""
    from src.core.logging import configure_logging

    configure_logging(level="DEBUG", force=True)
    yield
    configure_logging(level="INFO", force=True)


def test_api_key_never_appears_in_logs_or_answers(servers, capfd, caplog, debug_logging) -> None:
    caplog.set_level("DEBUG")
    secret = "sk-live-TOPSECRET-9876"
    bad_url, bad = servers("openai", "unauthorized")
    good_url, good = servers("openai")
    router = router_for(config_for(bad_url, api_key=secret), config_for(good_url, api_key=secret))
    _, answer, _ = collect(router)
    assert good.requests[0].headers["authorization"] == f"Bearer {secret}"  # the key was really used
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert "llm.attempt" in logged  # the events were logged
    assert secret not in logged
    assert secret not in repr(router.health()) and secret not in repr(answer)
    assert bad.requests and answer.provider != "offline"


def test_a_failed_condense_does_not_count_towards_the_breaker(servers) -> None:
    settings = fast_settings(breaker_failure_threshold=1)
    url, server = servers("openai", "error500")
    router = router_for(config_for(url, settings=settings), settings=settings)
    history = [("user", "How do I create a charge?"), ("assistant", "Use POST /v1/charges.")]
    assert router.condense("and refund it?", history)  # the heuristic answered instead
    assert len(server.requests) == 1
    assert router.health()[0]["state"] == "closed"  # one user request has not failed yet


def test_the_reading_progress_names_the_model_and_the_prompt_size(servers) -> None:
    url, _ = servers("openai")
    events = list(router_for(config_for(url)).stream(QUESTION, HITS, OFFLINE))
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[0].stage == "reading" and progress[0].prompt_tokens > 0
    assert progress[0].message == f"openai-test-model is reading about {progress[0].prompt_tokens:,} prompt tokens…"
    assert progress[-1].stage == "answered" and "wrote" in progress[-1].message
