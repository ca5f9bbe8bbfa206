"""Retries (tenacity) and circuit breakers around one external call each.

A call is guarded in two layers: the :class:`CircuitBreaker` decides whether the call may
happen at all, and :class:`RetryPolicy` retries it while the failure is retryable. The whole
retried call counts as one logical failure for the breaker, and a stream is never retried
once its first item has been handed to the consumer. An optional deadline (a
``time.monotonic()`` instant) stops retrying when the next attempt would start after it.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from src.core.errors import CircuitOpen, ProviderError
from src.core.logging import get_logger

T = TypeVar("T")
R = TypeVar("R")
log = get_logger(__name__)


class BreakerState(str, enum.Enum):
    """The three states of a circuit breaker."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Thread-safe breaker: opens after N consecutive failures, probes once after a cool-down."""

    def __init__(self, name: str, failure_threshold: int = 3, reset_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, subject: str = "") -> None:
        self.name = name
        self.subject = subject or f"The service {name}"
        self.failure_threshold = max(1, failure_threshold)
        self.reset_s = reset_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        """Return the current state; an open breaker whose cool-down passed reads as half-open."""
        with self._lock:
            if self._state is BreakerState.OPEN and self._cooled_down():
                return BreakerState.HALF_OPEN
            return self._state

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self.reset_s

    def before_call(self) -> None:
        """Admit a call or raise CircuitOpen; after the cool-down exactly one probe is admitted."""
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return
            if self._state is BreakerState.OPEN and self._cooled_down():
                self._state = BreakerState.HALF_OPEN
            if self._state is BreakerState.HALF_OPEN and not self._probe_in_flight:
                self._probe_in_flight = True
                log.info("breaker.half_open", breaker=self.name)
                return
            wait = max(0.0, self.reset_s - (self._clock() - self._opened_at))
        raise CircuitOpen(
            f"{self.subject} is paused after repeated failures; it will be tried again in {wait:.0f} s."
        )

    def record_success(self) -> None:
        """Close the breaker and forget past failures."""
        with self._lock:
            if self._state is not BreakerState.CLOSED:
                log.info("breaker.closed", breaker=self.name)
            self._state = BreakerState.CLOSED
            self._failures = 0
            self._probe_in_flight = False

    def record_failure(self) -> None:
        """Count one logical failure; open the breaker at the threshold or when a probe fails."""
        with self._lock:
            self._failures += 1
            was_probe = self._state is BreakerState.HALF_OPEN
            self._probe_in_flight = False
            if was_probe or self._failures >= self.failure_threshold:
                self._state = BreakerState.OPEN
                self._opened_at = self._clock()
                log.warning("breaker.opened", breaker=self.name, failures=self._failures)

    def snapshot(self) -> dict[str, Any]:
        """Return the breaker's state for health panels and ``apiassist health --json``."""
        state = self.state
        with self._lock:
            retry_in = 0.0
            if state is BreakerState.OPEN:
                retry_in = max(0.0, self.reset_s - (self._clock() - self._opened_at))
            return {
                "state": state.value,
                "consecutive_failures": self._failures,
                "failure_threshold": self.failure_threshold,
                "reset_s": self.reset_s,
                "retry_in_s": round(retry_in, 3),
            }


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and exc.retryable


class _WaitHonouringRetryAfter(wait_base):
    """Exponential backoff with jitter, stretched to the server's Retry-After up to a cap."""

    def __init__(self, backoff: wait_base, retry_after_cap_s: float) -> None:
        self.backoff = backoff
        self.cap = retry_after_cap_s

    def __call__(self, retry_state: RetryCallState) -> float:
        wait = self.backoff(retry_state)
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            wait = max(wait, min(float(retry_after), self.cap))
        return wait


class _StopAtDeadline(stop_base):
    """Stop when the next attempt would start at or after the deadline (waits are computed first)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return time.monotonic() + retry_state.upcoming_sleep >= self.deadline


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed call is retried; only retryable ProviderErrors are."""

    attempts: int = 3
    backoff_s: float = 0.5
    backoff_max_s: float = 4.0
    jitter_s: float = 0.5
    retry_after_cap_s: float = 5.0
    # Injectable so the planned waits can be observed; every caller in the app sleeps for real.
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)

    def retrying(self, name: str = "", deadline: float | None = None) -> Retrying:
        """Return a tenacity controller implementing this policy, stopping before ``deadline`` if given."""
        backoff = wait_exponential_jitter(initial=self.backoff_s, max=self.backoff_max_s,
                                          jitter=self.jitter_s)

        def _log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.info("retry.scheduled", call=name, attempt=state.attempt_number,
                     wait_s=round(state.upcoming_sleep, 3), error=type(exc).__name__)

        stop: stop_base = stop_after_attempt(max(1, self.attempts))
        if deadline is not None:
            stop = stop | _StopAtDeadline(deadline)
        return Retrying(
            stop=stop,
            wait=_WaitHonouringRetryAfter(backoff, self.retry_after_cap_s),
            retry=retry_if_exception(_is_retryable),
            before_sleep=_log_retry,
            sleep=self.sleep,
            reraise=True,
        )

    def max_backoff_total(self) -> float:
        """Return the longest total time spent sleeping between attempts."""
        total = 0.0
        for i in range(1, max(1, self.attempts)):
            backoff = min(self.backoff_s * 2 ** (i - 1) + self.jitter_s, self.backoff_max_s)
            total += max(backoff, self.retry_after_cap_s)
        return total

    def worst_case_s(self, attempt_s: float) -> float:
        """Return the bound on one guarded call: attempts x attempt_s + the backoff sum."""
        return max(1, self.attempts) * attempt_s + self.max_backoff_total()


def call_with_retry(fn: Callable[[], T], policy: RetryPolicy, name: str = "") -> T:
    """Call ``fn`` under the retry policy and return its result; the last error is re-raised."""
    return policy.retrying(name)(fn)


def retry_stream(open_stream: Callable[[], Generator[T, None, R]], policy: RetryPolicy,
                 name: str = "", deadline: float | None = None) -> Generator[T, None, R | None]:
    """Yield from a freshly opened stream, retrying only until the first item has arrived.

    A failed attempt's stream is closed before the next one opens, so attempts never overlap.
    Returns the stream's own return value (e.g. final token usage).
    """
    stream: Generator[T, None, R] | None = None
    first: T | None = None
    for attempt in policy.retrying(name, deadline):
        with attempt:
            stream = open_stream()
            try:
                first = next(stream)
            except StopIteration as done:
                return done.value
            except BaseException:
                stream.close()
                raise
    assert stream is not None
    try:
        yield first  # type: ignore[misc]
        # Past the first item nothing is retried: the consumer has already shown it.
        return (yield from stream)
    finally:
        stream.close()  # release the connection now, not whenever the garbage collector runs


def guarded_stream(breaker: CircuitBreaker, policy: RetryPolicy, open_stream: Callable[[], Generator[T, None, R]],
                   deadline: float | None = None) -> Generator[T, None, R | None]:
    """Stream through breaker and retries; the whole call (every attempt) is one success or one failure."""
    breaker.before_call()
    succeeded = False
    try:
        result = yield from retry_stream(open_stream, policy, breaker.name, deadline)
        succeeded = True
        return result
    except GeneratorExit:
        # The consumer stopped reading; the provider itself was answering fine.
        succeeded = True
        raise
    finally:
        if succeeded:
            breaker.record_success()
        else:
            breaker.record_failure()


def guarded_call(breaker: CircuitBreaker, policy: RetryPolicy, fn: Callable[[], T]) -> T:
    """Call ``fn`` through breaker and retries; all attempts together count once for the breaker."""
    breaker.before_call()
    try:
        result = call_with_retry(fn, policy, breaker.name)
    except BaseException:
        breaker.record_failure()
        raise
    breaker.record_success()
    return result

