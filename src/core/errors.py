"""One error tree for the whole application; every message tells the user what to do."""

from __future__ import annotations


class AppError(Exception):
    """Base of every error we raise on purpose; `str(err)` is one user-facing sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputRejected(AppError):
    """A question, upload or file name that cannot be accepted as given."""


class SpecError(AppError):
    """A specification that cannot be parsed or used."""


class StoreError(AppError):
    """The vector store or the library catalogue failed."""


class NotFound(AppError):
    """A named API, conversation or chunk does not exist."""


class ProviderError(AppError):
    """An LLM provider failed; `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class ProviderTimeout(ProviderError):
    """An LLM provider did not answer in time."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


class CircuitOpen(ProviderError):
    """A provider's circuit breaker is open; calls are rejected without trying."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class RateLimited(AppError):
    """A session asked too often; the message says when to try again."""


def causes(exc: BaseException) -> list[BaseException]:
    """Return the exception and its causes, outermost first (libraries wrap transport errors in their own types)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
