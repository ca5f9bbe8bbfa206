"""The edge between our code and vendor HTTP clients: a per-attempt deadline and error translation.

No ``signal.alarm`` (it only works in the main thread and Streamlit runs sessions in threads):
the deadline is enforced by a timer that shuts the attempt's socket down, which wakes a blocked
read at once, plus an elapsed-time check between stream chunks.
"""

from __future__ import annotations

import email.utils
import socket
import ssl
import threading
import time
from datetime import datetime, timezone
from functools import cache
from typing import Any

import httpx
from pydantic import ValidationError

from src.core.errors import ProviderError, ProviderTimeout
from src.rag.generation.base import ProviderConfig

try:  # openai>=3 is built on httpx2, an API-identical fork of httpx.
    import httpx2

    _HTTPX_TIMEOUTS: tuple[type[BaseException], ...] = (httpx.TimeoutException, httpx2.TimeoutException)
    _HTTPX_TRANSPORT: tuple[type[BaseException], ...] = (httpx.TransportError, httpx2.TransportError)
except ImportError:  # pragma: no cover - depends on the installed openai major version
    _HTTPX_TIMEOUTS, _HTTPX_TRANSPORT = (httpx.TimeoutException,), (httpx.TransportError,)

_CONTEXT_WORDS = ("context length", "context_length", "context window", "maximum context", "too many tokens",
                  "prompt is too long", "tokens exceed", "input is too long")


@cache
def shared_ssl_context() -> ssl.SSLContext:
    """Return one TLS context for every client (building one per client costs ~25 ms)."""
    return httpx.create_ssl_context()


def parse_retry_after(value: str | None) -> float | None:
    """Parse a Retry-After header (seconds or HTTP date) into seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class AttemptWatchdog:
    """Cut one attempt off at its total deadline by shutting its socket down from a timer."""

    def __init__(self, total_s: float) -> None:
        self.total_s = total_s
        self.expired = False
        self.retry_after: float | None = None
        self._deadline = float("inf")
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(total_s, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> AttemptWatchdog:
        self._deadline = time.monotonic() + self.total_s
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()
        self._timer.join()

    def on_response(self, response: Any) -> None:
        """Event hook: remember the socket and any Retry-After of a response as it arrives."""
        self.retry_after = parse_retry_after(response.headers.get("retry-after"))
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def check(self) -> None:
        """Raise ProviderTimeout once the deadline has passed (called between chunks)."""
        if time.monotonic() >= self._deadline:
            self.expired = True
            raise ProviderTimeout(f"The answer took longer than {self.total_s:g} s.")

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to cut


def _status_of(exc: BaseException) -> int:
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", 0) if response is not None else 0


def error_for_status(status: int, detail: str, retry_after: float | None,
                     config: ProviderConfig) -> ProviderError:
    """Map an HTTP status from a provider to a one-sentence ProviderError."""
    where = config.where
    if status == 429:
        return ProviderError(f"{where} is rate-limiting requests; wait a moment and ask again.",
                             retryable=True, retry_after=retry_after)
    if status >= 500 or status == 408:
        return ProviderError(f"{where} returned a server error (HTTP {status}); try again later.",
                             retryable=True, retry_after=retry_after)
    if status in (401, 403):
        return ProviderError(f"{where} rejected the credentials (HTTP {status}); check the configured API "
                             "key.")
    if status == 404:
        return ProviderError(f"{where} does not know model '{config.model}' (HTTP 404); check the model name "
                             "and base URL.")
    if any(word in detail.lower() for word in _CONTEXT_WORDS):
        return context_too_long(config)
    return ProviderError(f"{where} refused the request (HTTP {status}); check the model name and settings.")


def context_too_long(config: ProviderConfig) -> ProviderError:
    """Return the error for a prompt that exceeds the model's context window."""
    return ProviderError(f"{config.where} cannot fit the question and the retrieved spec into model "
                         f"'{config.model}'; ask a shorter question or start a new conversation.")


def _chain(exc: BaseException) -> list[BaseException]:
    """Return the exception and its causes (SDKs wrap transport errors in their own types)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _is_timeout(chain: list[BaseException]) -> bool:
    return any(isinstance(e, _HTTPX_TIMEOUTS) or "Timeout" in type(e).__name__ for e in chain)


def _is_connection(chain: list[BaseException]) -> bool:
    return any(isinstance(e, (*_HTTPX_TRANSPORT, OSError)) or "Connection" in type(e).__name__ for e in chain)


def translate_error(exc: BaseException, config: ProviderConfig, watchdog: AttemptWatchdog,
                    emitted: bool) -> ProviderError:
    """Turn any vendor or transport exception into one ProviderError with a one-sentence message."""
    where, chain = config.where, _chain(exc)
    if watchdog.expired:
        return ProviderTimeout(f"{where} did not finish answering within {config.timeout_s:g} s; try again "
                               "or raise the timeout.")
    if isinstance(exc, ProviderError):
        return exc
    status = _status_of(exc)
    if status > 0:
        return error_for_status(status, str(exc), watchdog.retry_after, config)
    if any(type(e).__name__.endswith("ContextOverflowError") for e in chain):
        return context_too_long(config)
    if any("ConnectTimeout" in type(e).__name__ for e in chain):
        return ProviderTimeout(f"{where} could not be reached within {config.connect_timeout_s:g} s; check "
                               "that the server is running and the base URL is right.")
    if _is_timeout(chain):
        return ProviderTimeout(f"{where} did not respond within {config.timeout_s:g} s; try again or raise "
                               "the timeout.")
    if _is_connection(chain):
        if emitted:
            return ProviderError(f"{where} closed the connection mid-answer; ask again to get a complete "
                                 "answer.", retryable=True)
        return ProviderError(f"{where} could not be reached; check that the server is running and the base "
                             "URL is right.", retryable=True)
    if isinstance(exc, (ValueError, ValidationError, KeyError, TypeError, AttributeError)):
        return ProviderError(f"{where} sent a malformed response; check that the base URL points at a "
                             f"{config.kind.value}-compatible server.")
    if status < 0:  # an error reported inside an otherwise healthy stream
        return ProviderError(f"{where} reported an error while answering; check the server's logs.")
    return ProviderError(f"{where} failed unexpectedly ({type(exc).__name__}); check the server's logs.")
