"""What an LLM server tells about itself: whether it is free, its context window, its token counts.

Each question is asked with a short timeout and never retried: the answers only sharpen the
prompt budget, and a server that does not know them (a hosted API, an older build) costs one
quick 404 the first time and nothing after.

Where the servers say it:

- context window: llama.cpp ``GET /props`` (``default_generation_settings.n_ctx``), Ollama
  ``POST /api/show`` (``num_ctx`` in ``parameters``, else the model's ``context_length``);
  llama-cpp-python reports none, so ``APIASSIST_LLM_CONTEXT_TOKENS`` (or 4096) applies;
- token counts: llama-cpp-python ``POST /extras/tokenize/count``, llama.cpp ``POST /tokenize``;
  Ollama has no tokenizer endpoint (its answers report counts, see usage.py).
"""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx

from src.core.logging import get_logger
from src.rag.generation.base import ProviderConfig, ProviderKind
from src.rag.generation.boundary import shared_ssl_context

log = get_logger(__name__)
PROBE_TIMEOUT_S = 1.5
DEFAULT_CONTEXT_TOKENS = 4096
_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)", re.MULTILINE)
# (path under the server root, request body builder, response reader)
_TOKENIZERS = (
    ("/extras/tokenize/count", lambda text: {"input": text}, lambda data: int(data["count"])),
    ("/tokenize", lambda text: {"content": text}, lambda data: len(data["tokens"])),
)


def _client(config: ProviderConfig, timeout_s: float) -> httpx.Client:
    headers = {"authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, config.connect_timeout_s))
    return httpx.Client(timeout=timeout, headers=headers, verify=shared_ssl_context())


def server_is_free(config: ProviderConfig, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """Tell whether the server answers a trivial request at once (a busy single-slot server cannot)."""
    url = (f"{config.base_url.rstrip('/')}/models" if config.kind is ProviderKind.OPENAI
           else f"{config.root_url}/api/version")
    try:
        with _client(config, timeout_s) as client:
            free = client.get(url).status_code < 500
    except httpx.HTTPError:
        free = False
    log.info("llm.busy_probe", provider=config.label, free=free)
    return free


class ServerFacts:
    """A provider's context window and tokenizer, asked once and remembered."""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._window: tuple[int, str] | None = None
        self._tokenizer: int | None = None  # index into _TOKENIZERS once one answered
        self._no_tokenizer = config.kind is ProviderKind.OLLAMA

    def context_window(self) -> tuple[int, str]:
        """Return (tokens, where it came from: "setting", "server" or "default")."""
        with self._lock:
            if self._window is not None:
                return self._window
            window, answered = self._discover_window()
            if answered:  # a server that was down or busy is asked again next time
                self._window = window
            log.info("llm.context_window", provider=self.config.label, window=window[0], source=window[1])
            return window

    def _discover_window(self) -> tuple[tuple[int, str], bool]:
        if self.config.context_tokens > 0:
            return (self.config.context_tokens, "setting"), True
        try:
            with _client(self.config, PROBE_TIMEOUT_S) as client:
                found = (_ollama_window(client, self.config) if self.config.kind is ProviderKind.OLLAMA
                         else _llama_cpp_window(client, self.config))
        except httpx.TransportError:
            return (DEFAULT_CONTEXT_TOKENS, "default"), False
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            found = None
        return ((found, "server") if found else (DEFAULT_CONTEXT_TOKENS, "default")), True

    def count_tokens(self, text: str) -> int | None:
        """Return the server tokenizer's count for a text, or None when it offers none or is busy."""
        if self._no_tokenizer:
            return None
        order = [self._tokenizer] if self._tokenizer is not None else range(len(_TOKENIZERS))
        try:
            with _client(self.config, PROBE_TIMEOUT_S * 2) as client:
                for index in order:
                    path, body, read = _TOKENIZERS[index]
                    response = client.post(self.config.root_url + path, json=body(text))
                    if response.status_code == 200:
                        self._tokenizer = index
                        return read(response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return None  # busy or odd: estimate this time, ask again next time
        if self._tokenizer is None:
            self._no_tokenizer = True  # every endpoint refused: the server has no tokenizer to offer
        return None


def _llama_cpp_window(client: httpx.Client, config: ProviderConfig) -> int | None:
    response = client.get(config.root_url + "/props")
    if response.status_code != 200:
        return None
    data: dict[str, Any] = response.json()
    settings = data.get("default_generation_settings") or {}
    return int(settings.get("n_ctx") or data.get("n_ctx") or 0) or None


def _ollama_window(client: httpx.Client, config: ProviderConfig) -> int | None:
    response = client.post(config.root_url + "/api/show", json={"model": config.model})
    if response.status_code != 200:
        return None
    data: dict[str, Any] = response.json()
    if match := _NUM_CTX.search(str(data.get("parameters") or "")):
        return int(match.group(1))
    trained = [int(v) for k, v in (data.get("model_info") or {}).items() if k.endswith(".context_length")]
    # Ollama runs a model with a 4096-token window unless num_ctx says otherwise.
    return min(trained[0], DEFAULT_CONTEXT_TOKENS) if trained else None
