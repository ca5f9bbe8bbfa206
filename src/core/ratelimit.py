"""Per-session token-bucket rate limiting: a steady rate with a small burst, friendly when exhausted."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache

from src.core.errors import RateLimited


@dataclass(frozen=True)
class Decision:
    """The outcome of one request against a bucket: allowed, or how long to wait."""

    allowed: bool
    retry_after_s: float = 0.0
    remaining: float = 0.0

    def message(self) -> str:
        """Return the one friendly sentence shown when the request is not allowed."""
        wait = max(1, math.ceil(self.retry_after_s))
        unit = "second" if wait == 1 else "seconds"
        return f"You are asking faster than this server allows; wait {wait} {unit} and ask again."


class TokenBucket:
    """A bucket of `burst` tokens refilled at `per_minute / 60` tokens per second."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be positive and burst at least 1")
        self.rate = per_minute / 60.0
        self.capacity = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self, cost: float = 1.0) -> Decision:
        """Take `cost` tokens if available; otherwise say how long until they will be."""
        with self._lock:
            self._refill()
            if self._tokens >= cost:
                self._tokens -= cost
                return Decision(True, 0.0, self._tokens)
            return Decision(False, (cost - self._tokens) / self.rate, self._tokens)

    @property
    def tokens(self) -> float:
        """Return the tokens available now."""
        with self._lock:
            self._refill()
            return self._tokens


class RateLimiter:
    """One bucket per session key; idle buckets are forgotten after they would have refilled anyway."""

    def __init__(self, per_minute: float, burst: int, *, max_sessions: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self._clock = clock
        # A bucket idle for burst/rate seconds is full again, so dropping it changes nothing.
        idle_s = max(60.0, burst / (per_minute / 60.0))
        self._buckets: TTLCache[str, TokenBucket] = TTLCache(maxsize=max_sessions, ttl=idle_s, timer=clock)
        self._lock = threading.Lock()

    def _bucket(self, key: str) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = TokenBucket(self.per_minute, self.burst, self._clock)
            self._buckets[key] = bucket  # re-insert refreshes the idle timer
            return bucket

    def check(self, key: str, cost: float = 1.0) -> Decision:
        """Spend `cost` tokens of this session's bucket and return the decision."""
        return self._bucket(key).acquire(cost)

    def require(self, key: str, cost: float = 1.0) -> None:
        """Spend tokens or raise `RateLimited` with the friendly sentence."""
        decision = self.check(key, cost)
        if not decision.allowed:
            raise RateLimited(decision.message())
