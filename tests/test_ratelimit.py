"""Token bucket and per-session limiter: burst, steady refill, friendly message, sessions kept apart."""

from __future__ import annotations

import pytest

from src.core.errors import RateLimited
from src.core.ratelimit import RateLimiter, TokenBucket


class Clock:
    """A hand-advanced clock, so refill is tested without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_burst_then_refuses_with_wait_time():
    clock = Clock()
    bucket = TokenBucket(per_minute=6, burst=3, clock=clock)
    assert [bucket.acquire().allowed for _ in range(3)] == [True, True, True]
    refused = bucket.acquire()
    assert not refused.allowed
    assert refused.retry_after_s == pytest.approx(10.0)  # 6/min = one token every 10 s
    assert "wait 10 seconds" in refused.message()


def test_bucket_refills_at_the_configured_rate_and_caps_at_burst():
    clock = Clock()
    bucket = TokenBucket(per_minute=60, burst=2, clock=clock)
    bucket.acquire(), bucket.acquire()
    clock.now += 1.0
    assert bucket.acquire().allowed
    assert not bucket.acquire().allowed
    clock.now += 3600
    assert bucket.tokens == pytest.approx(2.0)


def test_limiter_keeps_sessions_apart_and_require_raises_friendly_error():
    clock = Clock()
    limiter = RateLimiter(per_minute=1, burst=1, clock=clock)
    limiter.require("a")
    with pytest.raises(RateLimited, match="asking faster"):
        limiter.require("a")
    assert limiter.check("b").allowed  # another session still has its own bucket


def test_limiter_forgets_idle_buckets_only_after_they_would_be_full():
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=5, clock=clock)
    for _ in range(5):
        limiter.check("a")
    assert not limiter.check("a").allowed
    clock.now += 120
    assert all(limiter.check("a").allowed for _ in range(5))


def test_invalid_configuration_is_refused():
    with pytest.raises(ValueError):
        TokenBucket(per_minute=0, burst=1)
