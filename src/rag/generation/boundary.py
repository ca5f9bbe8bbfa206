"""The edge between our code and vendor HTTP clients: error translation into one-sentence ProviderErrors.

The deadlines themselves live in :mod:`src.rag.generation.deadlines`.
"""

from __future__ import annotations

import email.utils
import ssl
from datetime import datetime, timezone
from functools import cache
from typing import Any

import httpx
from pydantic import ValidationError

from src.core.errors import ProviderError, ProviderTimeout, causes
from src.rag.generation.base import ProviderConfig
from src.rag.generation.deadlines import Phase, StreamWatchdog

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


def _is_timeout(chain: list[BaseException]) -> bool:
    return any(isinstance(e, _HTTPX_TIMEOUTS) or "Timeout" in type(e).__name__ for e in chain)


def _is_connection(chain: list[BaseException]) -> bool:
    return any(isinstance(e, (*_HTTPX_TRANSPORT, OSError)) or "Connection" in type(e).__name__ for e in chain)


def deadline_error(config: ProviderConfig, watchdog: StreamWatchdog) -> ProviderTimeout:
    """Return the timeout error for the deadline an attempt ran into, in one sentence."""
    where, phase = config.where, watchdog.phase()
    if phase is Phase.FIRST_TOKEN:
        return ProviderTimeout(f"{where} did not start answering within {config.first_token_timeout_s:g} s; "
                               "try again or raise APIASSIST_LLM_FIRST_TOKEN_TIMEOUT_S.")
    if phase is Phase.IDLE:
        return ProviderTimeout(f"{where} stopped sending for {config.idle_timeout_s:g} s mid-answer; try again "
                               "or raise APIASSIST_LLM_IDLE_TIMEOUT_S.")
    waited = max(0.0, watchdog.bound - watchdog.started)
    return ProviderTimeout(f"{where} did not answer within the {waited:.3g} s left of the wait bound; try "
                           "again or raise APIASSIST_LLM_MAX_WAIT_S.")


def translate_error(exc: BaseException, config: ProviderConfig, watchdog: StreamWatchdog,
                    emitted: bool) -> ProviderError:
    """Turn any vendor or transport exception into one ProviderError with a one-sentence message."""
    where, chain = config.where, causes(exc)
    if watchdog.expired is not None:
        return deadline_error(config, watchdog)
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
        return deadline_error(config, watchdog)
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
