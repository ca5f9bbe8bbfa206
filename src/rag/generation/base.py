"""Shared types of the generation package: messages, provider configuration, the LLMProvider seam."""

from __future__ import annotations

import enum
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

from src.rag.types import Usage

# A provider stream yields text deltas and returns the provider-reported usage (None when absent).
TextStream = Generator[str, None, Usage | None]


class Role(str, enum.Enum):
    """Who speaks a chat message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


@dataclass(frozen=True)
class ChatMessage:
    """One message of a prompt, independent of any vendor SDK."""

    role: Role
    content: str


class ProviderKind(str, enum.Enum):
    """Which wire protocol a provider speaks."""

    OPENAI = "openai"
    OLLAMA = "ollama"


def display_url(url: str) -> str:
    """Return a URL safe to show and log: no user info, query or fragment (they may carry keys)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", "")) or url.split("?")[0]


@dataclass(frozen=True)
class ProviderConfig:
    """Everything needed to call one LLM server; the key itself is never shown in a repr."""

    kind: ProviderKind
    base_url: str
    model: str
    name: str = ""
    api_key: str = field(default="", repr=False)
    api_key_env: str = ""
    connect_timeout_s: float = 5.0
    first_token_timeout_s: float = 180.0
    idle_timeout_s: float = 30.0
    context_tokens: int = 0  # 0 = ask the server for its context window
    max_retries: int = 2
    temperature: float = 0.1
    max_tokens: int = 1024
    stream_usage: bool = True

    @property
    def label(self) -> str:
        """Return the short name used in health panels and logs."""
        return self.name or f"{self.kind.value}:{self.model}"

    @property
    def where(self) -> str:
        """Return the sentence subject naming this provider, e.g. ``The LLM at http://host/v1``."""
        return f"The LLM at {display_url(self.base_url)}"

    @property
    def root_url(self) -> str:
        """Return the server root (the base URL without a trailing ``/v1``), where extra endpoints live."""
        url = self.base_url.rstrip("/")
        return url[:-3] if url.endswith("/v1") else url


@runtime_checkable
class LLMProvider(Protocol):
    """A chat model behind our own seam: text deltas out, vendor objects never escape."""

    name: str
    config: ProviderConfig

    def stream(self, messages: Sequence[ChatMessage], deadline: float | None = None) -> TextStream:
        """Stream the answer as text deltas; return the reported usage; raise only ProviderError.

        ``deadline`` is a ``time.monotonic()`` instant the attempt must not outlive.
        """
        ...

