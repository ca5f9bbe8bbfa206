"""CircuitBreaker and retry helpers of src.core.resilience, driven by plain callables."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from dataclasses import replace

import pytest

from src.core.errors import CircuitOpen, ProviderError, ProviderTimeout
from src.core.resilience import (
    BreakerState,
    CircuitBreaker,
    RetryPolicy,
    guarded_call,
    guarded_stream,
    retry_stream,
)
from tests.generation.conftest import PlannedWaits

FAST = RetryPolicy(attempts=3, backoff_s=0.01, backoff_max_s=0.02, jitter_s=0.0, retry_after_cap_s=0.3)


class Clock:
    """A manual clock handed to the breaker (time is a constructor argument, not a patch)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def failing(errors: list[BaseException], calls: list[int]):
    """Return a callable that raises the next error (or returns 'ok' when none is left)."""
    def call() -> str:
        calls.append(len(calls) + 1)
        if errors:
            raise errors.pop(0)
        return "ok"
    return call


def test_breaker_opens_after_threshold_rejects_then_probes_once_and_closes() -> None:
    clock = Clock()
    breaker = CircuitBreaker("llm", failure_threshold=2, reset_s=10, clock=clock)
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen, match="paused after repeated failures"):
        breaker.before_call()
    clock.now += 10
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.before_call()  # the single probe
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # a second caller while the probe is in flight
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.snapshot()["consecutive_failures"] == 0


def test_failed_probe_reopens_for_a_full_cool_down() -> None:
    clock = Clock()
    breaker = CircuitBreaker("llm", failure_threshold=1, reset_s=5, clock=clock)
    breaker.before_call()
    breaker.record_failure()
    clock.now += 5
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert breaker.snapshot()["retry_in_s"] == pytest.approx(5.0)
    clock.now += 4.9
    with pytest.raises(CircuitOpen):
        breaker.before_call()


def test_half_open_admits_exactly_one_probe_across_threads() -> None:
    clock = Clock()
    breaker = CircuitBreaker("llm", failure_threshold=1, reset_s=1, clock=clock)
    breaker.before_call()
    breaker.record_failure()
    clock.now += 1
    admitted: list[int] = []
    barrier = threading.Barrier(16)

    def contender(i: int) -> None:
        barrier.wait()
        try:
            breaker.before_call()
            admitted.append(i)
        except CircuitOpen:
            pass

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 1


def test_snapshot_reports_state_for_health_panels() -> None:
    breaker = CircuitBreaker("primary", failure_threshold=3, reset_s=30)
    snap = breaker.snapshot()
    assert snap == {"state": "closed", "consecutive_failures": 0, "failure_threshold": 3, "reset_s": 30,
                    "retry_in_s": 0.0}


def test_retries_only_retryable_errors() -> None:
    calls: list[int] = []
    fn = failing([ProviderError("a 500", retryable=True), ProviderTimeout("slow")], calls)
    assert guarded_call(CircuitBreaker("x"), FAST, fn) == "ok"
    assert len(calls) == 3

    calls.clear()
    fn = failing([ProviderError("a 401", retryable=False)], calls)
    with pytest.raises(ProviderError, match="a 401"):
        guarded_call(CircuitBreaker("x"), FAST, fn)
    assert len(calls) == 1


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    planned = PlannedWaits()
    policy = replace(FAST, sleep=planned)
    calls: list[int] = []
    fn = failing([ProviderError("429", retryable=True, retry_after=0.2)], calls)
    assert guarded_call(CircuitBreaker("x"), policy, fn) == "ok"
    assert planned.waits == [pytest.approx(0.2)]  # the server's 0.2 s beats the 0.01 s backoff

    planned.waits.clear()
    calls.clear()
    fn = failing([ProviderError("429", retryable=True, retry_after=60)], calls)
    assert guarded_call(CircuitBreaker("x"), policy, fn) == "ok"
    assert planned.waits == [pytest.approx(0.3)]  # capped at 0.3 s, not 60 s
    assert calls == [1, 2]


def test_backoff_grows_exponentially_up_to_its_maximum() -> None:
    planned = PlannedWaits()
    policy = RetryPolicy(attempts=6, backoff_s=0.1, backoff_max_s=1.0, jitter_s=0.05, retry_after_cap_s=0.0,
                         sleep=planned)
    calls: list[int] = []
    fn = failing([ProviderError("500", retryable=True)] * 5, calls)
    assert guarded_call(CircuitBreaker("x"), policy, fn) == "ok"
    assert len(calls) == 6 and len(planned.waits) == 5
    for i, wait in enumerate(planned.waits, start=1):
        exponential = 0.1 * 2 ** (i - 1)
        assert min(exponential, 1.0) <= wait <= min(exponential + 0.05, 1.0)
    assert planned.waits[-1] == pytest.approx(1.0)  # 1.6 s wanted, held at the maximum


def test_the_default_policy_sleeps_for_real() -> None:
    assert RetryPolicy().sleep is time.sleep
    assert RetryPolicy().retrying().sleep is time.sleep


def test_a_retried_call_counts_as_one_breaker_failure() -> None:
    breaker = CircuitBreaker("x", failure_threshold=2, reset_s=60)
    calls: list[int] = []
    fn = failing([ProviderError("500", retryable=True)] * 3, calls)
    with pytest.raises(ProviderError):
        guarded_call(breaker, FAST, fn)
    assert len(calls) == 3
    assert breaker.snapshot()["consecutive_failures"] == 1
    assert breaker.state is BreakerState.CLOSED


def _stream(opened: list[int], fail_before_first: int, fail_after: bool) -> Generator[str, None, str]:
    opened.append(1)
    if len(opened) <= fail_before_first:
        raise ProviderError("connection refused", retryable=True)
    yield "Hello"
    if fail_after:
        raise ProviderError("connection dropped", retryable=True)
    yield " world"
    return "usage"


def test_stream_is_retried_before_its_first_item_and_returns_its_value() -> None:
    opened: list[int] = []
    gen = retry_stream(lambda: _stream(opened, 2, False), FAST)
    items = []
    with pytest.raises(StopIteration) as done:
        while True:
            items.append(next(gen))
    assert items == ["Hello", " world"]
    assert done.value.value == "usage"
    assert len(opened) == 3


def test_a_stream_waits_between_openings_as_planned() -> None:
    planned = PlannedWaits()
    opened: list[int] = []
    items = list(retry_stream(lambda: _stream(opened, 2, False), replace(FAST, sleep=planned)))
    assert items == ["Hello", " world"]
    assert planned.waits == [pytest.approx(0.01), pytest.approx(0.02)]  # b0, then 2 b0 = the maximum


def test_stream_is_never_retried_after_its_first_item() -> None:
    opened: list[int] = []
    breaker = CircuitBreaker("x", failure_threshold=5)
    received = []
    with pytest.raises(ProviderError, match="dropped"):
        for item in guarded_stream(breaker, FAST, lambda: _stream(opened, 0, True)):
            received.append(item)
    assert received == ["Hello"]
    assert len(opened) == 1
    assert breaker.snapshot()["consecutive_failures"] == 1


def test_open_breaker_rejects_a_stream_without_opening_it() -> None:
    breaker = CircuitBreaker("x", failure_threshold=1, reset_s=60)
    breaker.record_failure()
    opened: list[int] = []
    with pytest.raises(CircuitOpen):
        list(guarded_stream(breaker, FAST, lambda: _stream(opened, 0, False)))
    assert opened == []


def test_worst_case_matches_the_documented_formula() -> None:
    policy = RetryPolicy(attempts=3, backoff_s=0.5, backoff_max_s=4.0, jitter_s=0.5, retry_after_cap_s=5.0)
    # 3 attempts x (5 s connect + 5 s total) + 2 waits, each max(min(b0*2^(i-1)+j, b_max), cap) = 5 s
    assert policy.worst_case_s(10.0) == pytest.approx(40.0)
    assert policy.worst_case_s(10.0) < 60
    no_cap = RetryPolicy(attempts=3, backoff_s=0.5, backoff_max_s=1.2, jitter_s=0.5, retry_after_cap_s=0.0)
    assert no_cap.max_backoff_total() == pytest.approx(1.0 + 1.2)
