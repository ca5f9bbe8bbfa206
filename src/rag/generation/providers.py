"""LLM providers on langchain-core chat models: OpenAI-compatible servers and Ollama.

Each attempt builds its own chat model around its own HTTP client, so the attempt's watchdog
sees exactly its sockets and nothing outlives the attempt (no pooled connection, no thread).
The vendor clients' built-in retries are off: our retry policy is the only one.

An attempt that ran into a deadline is cancelled (its stream and socket closed) before anything
else happens; it is then retryable only if the server is free again. A single-slot server such
as llama-cpp-python keeps computing an abandoned prompt, and a retry sent then would only queue
behind it, so :func:`src.rag.generation.server_info.server_is_free` asks first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx

from src.core.errors import ProviderError, ProviderTimeout
from src.core.logging import get_logger
from src.rag.generation.base import ChatMessage, ProviderConfig, ProviderKind, Role, TextStream
from src.rag.generation.boundary import shared_ssl_context, translate_error
from src.rag.generation.deadlines import Phase, StreamWatchdog
from src.rag.generation.server_info import server_is_free
from src.rag.types import Usage

log = get_logger(__name__)
# Local servers (llama.cpp, vLLM, LM Studio) accept any key, but the SDK refuses to start without one.
_PLACEHOLDER_KEY = "not-needed"
_OPENAI_HOST = "api.openai.com"


def _to_langchain(messages: Sequence[ChatMessage]) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {Role.SYSTEM: SystemMessage, Role.USER: HumanMessage, Role.ASSISTANT: AIMessage}
    return [kinds[m.role](content=m.content) for m in messages]


def _usage_of(chunk: Any) -> Usage | None:
    meta = getattr(chunk, "usage_metadata", None)
    if not meta:
        return None
    return Usage(prompt_tokens=int(meta.get("input_tokens") or 0),
                 completion_tokens=int(meta.get("output_tokens") or 0))


class LangChainProvider:
    """Base adapter: stream a langchain-core chat model and translate every failure at the boundary."""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.name = config.label

    def _open(self, watchdog: StreamWatchdog) -> tuple[Any, Callable[[], None]]:
        """Build a chat model for one attempt; return it with the function that releases its client."""
        raise NotImplementedError

    def stream(self, messages: Sequence[ChatMessage], deadline: float | None = None) -> TextStream:
        """Stream the answer as text deltas and return the usage the server reported, if any."""
        cfg = self.config
        watchdog = StreamWatchdog(cfg.first_token_timeout_s, cfg.idle_timeout_s, deadline)
        emitted, usage = False, None
        log.info("llm.attempt", provider=self.name, model=cfg.model)
        try:
            if watchdog.remaining_s() <= 0:
                raise ProviderTimeout(f"{cfg.where} was not tried: the wait bound had already passed.")
            usage = yield from self._relay(messages, watchdog)
            emitted = watchdog.first_token_at is not None
        except Exception as exc:
            emitted = watchdog.first_token_at is not None
            err = translate_error(exc, cfg, watchdog, emitted)
            if watchdog.phase() is Phase.BOUND and watchdog.remaining_s() <= 0:
                err.retryable = False  # no time is left for another attempt
            elif isinstance(err, ProviderTimeout) and not emitted:
                self._retry_only_if_free(err, watchdog)
            log.warning("llm.failed", provider=self.name, error=type(exc).__name__, retryable=err.retryable,
                        emitted=emitted, phase=watchdog.phase().value)
            raise err from exc
        if not emitted:
            raise ProviderError(f"{cfg.where} returned an empty answer; check that model "
                                f"'{cfg.model}' is loaded.")
        return usage

    def _relay(self, messages: Sequence[ChatMessage], watchdog: StreamWatchdog) -> TextStream:
        """Yield the text of one attempt's chunks under the watchdog; close everything on the way out."""
        usage, chunks = None, None
        # Building the client (and importing the SDK the first time) is not the server's time.
        model, release = self._open(watchdog)
        try:
            with watchdog:
                chunks = model.stream(_to_langchain(messages))
                for chunk in chunks:
                    text = chunk.text
                    watchdog.on_chunk(bool(text))
                    usage = _usage_of(chunk) or usage
                    if text:
                        yield text
        finally:
            if chunks is not None:
                chunks.close()  # ends the HTTP response even when the reader stopped early
            release()
        return usage

    def _retry_only_if_free(self, err: ProviderError, watchdog: StreamWatchdog) -> None:
        """After a deadline, allow a retry only when time is left and the server is no longer busy with us."""
        if watchdog.phase() is Phase.BOUND or watchdog.remaining_s() <= self.config.connect_timeout_s:
            err.retryable = False
            return
        if not server_is_free(self.config):
            err.retryable = False
            err.message = (f"{str(err).split(';')[0]} and is still busy with that request, so it was not "
                           "asked again; try again in a minute.")

class OpenAIProvider(LangChainProvider):
    """Any OpenAI-compatible chat-completions server (OpenAI, Groq, Together, vLLM, llama.cpp, LM Studio)."""

    def _open(self, watchdog: StreamWatchdog) -> tuple[Any, Callable[[], None]]:
        import openai
        from langchain_openai import ChatOpenAI

        cfg = self.config
        timeout = openai.Timeout(watchdog.read_timeout_s(), connect=cfg.connect_timeout_s)
        client = openai.DefaultHttpxClient(timeout=timeout, verify=shared_ssl_context(),
                                           event_hooks={"response": [watchdog.on_response]})
        # The SDK sends OpenAI's newer `max_completion_tokens`, which llama.cpp, llama-cpp-python and
        # other compatible servers ignore (the answer then runs to the context's end): send `max_tokens`.
        limit = ({"max_tokens": cfg.max_tokens} if _OPENAI_HOST in cfg.base_url
                 else {"extra_body": {"max_tokens": cfg.max_tokens}})
        model = ChatOpenAI(
            model=cfg.model, base_url=cfg.base_url, api_key=cfg.api_key or _PLACEHOLDER_KEY,
            timeout=timeout, max_retries=0, temperature=cfg.temperature, http_client=client,
            stream_usage=cfg.stream_usage, use_responses_api=False, **limit,
        )
        return model, client.close


class OllamaProvider(LangChainProvider):
    """A local or remote Ollama server speaking ``/api/chat``."""

    def _open(self, watchdog: StreamWatchdog) -> tuple[Any, Callable[[], None]]:
        from langchain_ollama import ChatOllama

        cfg = self.config
        transport = httpx.HTTPTransport(verify=shared_ssl_context())
        headers = {"authorization": f"Bearer {cfg.api_key}"} if cfg.api_key else {}
        model = ChatOllama(
            model=cfg.model, base_url=cfg.base_url, temperature=cfg.temperature, num_predict=cfg.max_tokens,
            client_kwargs={"timeout": httpx.Timeout(watchdog.read_timeout_s(), connect=cfg.connect_timeout_s),
                           "headers": headers, "verify": shared_ssl_context()},
            sync_client_kwargs={"transport": transport, "event_hooks": {"response": [watchdog.on_response]}},
        )
        return model, transport.close


def build_provider(config: ProviderConfig) -> LangChainProvider:
    """Return the adapter for a provider configuration."""
    if config.kind is ProviderKind.OLLAMA:
        return OllamaProvider(config)
    return OpenAIProvider(config)
