"""Build the ordered provider list from Settings and the optional fallback providers file.

Order: the primary provider from ``APIASSIST_LLM_PROVIDER`` (unless it is ``offline``), then
every entry of ``APIASSIST_LLM_PROVIDERS_FILE`` in file order; the offline composer always
answers last. The file is YAML or JSON: a list of entries, or a mapping with a ``providers``
list. Each entry::

    - name: groq                 # optional; shown in health panels (default "<kind>:<model>")
      kind: openai               # required: openai (any OpenAI-compatible server) or ollama
      base_url: https://api.groq.com/openai/v1   # default: OpenAI's or http://127.0.0.1:11434
      model: llama-3.1-8b-instant                # required
      api_key_env: GROQ_API_KEY  # name of the environment variable holding the key, never the key
      first_token_timeout_s: 20  # optional overrides of the APIASSIST_LLM_* defaults:
      idle_timeout_s: 10         #   connect_timeout_s, first_token_timeout_s, idle_timeout_s,
      connect_timeout_s: 5       #   context_tokens, max_retries, temperature, max_tokens
      max_retries: 1
      stream_usage: true         # ask for token usage in the stream (turn off for servers that refuse it)

A literal ``api_key`` in the file is refused: keys belong in the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from src.core.config import LLMProviderKind, Settings
from src.core.errors import ProviderError
from src.core.logging import get_logger
from src.rag.generation.base import ProviderConfig, ProviderKind
from src.rag.generation.files import read_structured_file

log = get_logger(__name__)
DEFAULT_BASE_URLS = {
    ProviderKind.OPENAI: "https://api.openai.com/v1",
    ProviderKind.OLLAMA: "http://127.0.0.1:11434",
}
DEFAULT_MODELS = {ProviderKind.OPENAI: "gpt-4o-mini", ProviderKind.OLLAMA: "llama3.1"}
_ENV = "APIASSIST_LLM_PROVIDERS_FILE"


class _Entry(BaseModel):
    """One entry of the providers file, validated strictly so typos are reported, not ignored."""

    model_config = ConfigDict(extra="forbid")

    kind: ProviderKind
    model: str = Field(min_length=1)
    name: str = ""
    base_url: str = ""
    api_key_env: str = ""
    connect_timeout_s: float | None = Field(default=None, gt=0)
    first_token_timeout_s: float | None = Field(default=None, gt=0)
    idle_timeout_s: float | None = Field(default=None, gt=0)
    context_tokens: int | None = Field(default=None, ge=0)
    max_retries: int | None = Field(default=None, ge=0, le=10)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    stream_usage: bool = True


def primary_config(settings: Settings) -> ProviderConfig | None:
    """Return the provider configured by the ``APIASSIST_LLM_*`` variables, or None when offline."""
    if settings.llm_provider is LLMProviderKind.OFFLINE:
        return None
    kind = ProviderKind(settings.llm_provider.value)
    return ProviderConfig(
        kind=kind, base_url=settings.llm_base_url or DEFAULT_BASE_URLS[kind],
        model=settings.llm_model or DEFAULT_MODELS[kind], api_key=settings.llm_api_key.get_secret_value(),
        api_key_env="APIASSIST_LLM_API_KEY", connect_timeout_s=settings.llm_connect_timeout_s,
        first_token_timeout_s=settings.llm_first_token_timeout_s, idle_timeout_s=settings.llm_idle_timeout_s,
        context_tokens=settings.llm_context_tokens, max_retries=settings.llm_max_retries,
        temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens,
    )


def _entries(data: Any, path: Path) -> list[Any]:
    if isinstance(data, dict) and "providers" in data:
        data = data["providers"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise ProviderError(f"The LLM providers file {path.name} must hold a list of providers; see "
                            "docs/llm-providers.md for the format.")
    return data


def _to_config(raw: Any, index: int, path: Path, settings: Settings) -> ProviderConfig:
    if isinstance(raw, dict) and "api_key" in raw:
        raise ProviderError(f"Entry {index} of the LLM providers file {path.name} contains a literal "
                            "api_key; put the key in an environment variable and name it with api_key_env.")
    try:
        entry = _Entry.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "entry"
        raise ProviderError(f"Entry {index} of the LLM providers file {path.name} is invalid ({where}: "
                            f"{first.get('msg', 'invalid')}); fix it or unset {_ENV}.") from None
    key = os.environ.get(entry.api_key_env, "") if entry.api_key_env else ""
    if entry.api_key_env and not key:
        log.warning("llm.key_env_missing", provider=entry.name or entry.model, variable=entry.api_key_env)
    return ProviderConfig(
        kind=entry.kind, base_url=entry.base_url or DEFAULT_BASE_URLS[entry.kind], model=entry.model,
        name=entry.name, api_key=key, api_key_env=entry.api_key_env,
        connect_timeout_s=_or(entry.connect_timeout_s, settings.llm_connect_timeout_s),
        first_token_timeout_s=_or(entry.first_token_timeout_s, settings.llm_first_token_timeout_s),
        idle_timeout_s=_or(entry.idle_timeout_s, settings.llm_idle_timeout_s),
        context_tokens=_or(entry.context_tokens, settings.llm_context_tokens),
        max_retries=_or(entry.max_retries, settings.llm_max_retries),
        temperature=_or(entry.temperature, settings.llm_temperature),
        max_tokens=_or(entry.max_tokens, settings.llm_max_tokens), stream_usage=entry.stream_usage,
    )


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def provider_configs(settings: Settings) -> list[ProviderConfig]:
    """Return every configured LLM provider in the order they are tried."""
    configs = [c for c in (primary_config(settings),) if c is not None]
    path = settings.llm_providers_file
    if path is not None:
        raw = _entries(read_structured_file(path, "LLM providers file", _ENV), Path(path))
        configs += [_to_config(item, i + 1, Path(path), settings) for i, item in enumerate(raw)]
    return configs
