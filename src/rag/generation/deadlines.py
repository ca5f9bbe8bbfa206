"""Deadlines that fit streaming: time to first token, silence between chunks, and a hard bound.

A CPU-hosted model reads the whole prompt before its first token (a minute is normal for a long
prompt) and then writes steadily, so one total timeout either kills a working model or waits far
too long for a dead one. An attempt therefore has three clocks:

- **first token**: from sending the request to the first piece of answer text;
- **idle**: once text flows, the longest silence between two chunks;
- **bound**: an absolute ``time.monotonic()`` instant set by the router for the whole answer,
  which no attempt outlives (so retries cannot stretch the user's wait past it).

No ``signal.alarm`` (it only works in the main thread and Streamlit runs sessions in threads):
a timer thread shuts the attempt's socket down, which wakes a blocked read at once. Servers that
send their response headers only with the first token (llama-cpp-python does) have no socket to
cut before then; the HTTP client's read timeout, set to the first-token deadline, covers that
phase (see :meth:`StreamWatchdog.read_timeout_s`).
"""

from __future__ import annotations

import enum
import socket
import threading
import time
from typing import Any

from src.core.errors import ProviderTimeout


class Phase(str, enum.Enum):
    """Which deadline an attempt is running against."""

    FIRST_TOKEN = "first_token"
    IDLE = "idle"
    BOUND = "bound"


class StreamWatchdog:
    """Enforce one attempt's first-token, idle and hard deadlines by cutting its socket."""

    def __init__(self, first_token_s: float, idle_s: float, bound: float | None = None) -> None:
        self.first_token_s = first_token_s
        self.idle_s = idle_s
        self.bound = bound if bound is not None else float("inf")
        self.expired: Phase | None = None
        self.retry_after: float | None = None
        self.started = time.monotonic()
        self.first_token_at: float | None = None
        self._deadline, self._phase = self._next_deadline(self.started)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._watch, name="llm-watchdog", daemon=True)

    def __enter__(self) -> StreamWatchdog:
        self.started = time.monotonic()
        self._deadline, self._phase = self._next_deadline(self.started)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def read_timeout_s(self) -> float:
        """Return the HTTP read timeout: the first-token deadline, never past the hard bound."""
        return max(0.05, min(self.first_token_s, self.bound - time.monotonic()))

    def remaining_s(self) -> float:
        """Return the seconds left before the hard bound."""
        return self.bound - time.monotonic()

    def on_response(self, response: Any) -> None:
        """Event hook: remember the socket and any Retry-After of a response as it arrives."""
        from src.rag.generation.boundary import parse_retry_after

        self.retry_after = parse_retry_after(response.headers.get("retry-after"))
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def on_chunk(self, has_text: bool) -> None:
        """Record a received chunk: text starts (or restarts) the idle clock; raise if a deadline passed."""
        now = time.monotonic()
        self.check(now)
        if has_text:
            with self._lock:
                if self.first_token_at is None:
                    self.first_token_at = now
                self._deadline, self._phase = self._next_deadline(now)

    def check(self, now: float | None = None) -> None:
        """Raise ProviderTimeout once the current deadline has passed."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self.expired is None and now >= self._deadline:
                self.expired = self._phase
        if self.expired is not None:
            raise ProviderTimeout(f"The {self.expired.value} deadline passed.")

    def phase(self) -> Phase:
        """Return the phase whose deadline applies now (the one a timeout belongs to)."""
        return self.expired or self._phase

    def _next_deadline(self, now: float) -> tuple[float, Phase]:
        span, phase = ((self.first_token_s, Phase.FIRST_TOKEN) if self.first_token_at is None
                       else (self.idle_s, Phase.IDLE))
        if now + span >= self.bound:
            return self.bound, Phase.BOUND
        return now + span, phase

    def _watch(self) -> None:
        while True:
            with self._lock:
                wait = self._deadline - time.monotonic()
            if wait <= 0:
                break
            if self._stop.wait(min(wait, 3600.0)):
                return
        with self._lock:
            self.expired = self._phase
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to cut
