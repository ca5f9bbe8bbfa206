"""Provider list from Settings and the providers file; price table and usage accounting."""

from __future__ import annotations

import json

import pytest

from src.core.errors import ProviderError
from src.rag.generation.base import ChatMessage, ProviderKind, Role
from src.rag.generation.provider_config import provider_configs
from src.rag.generation.router import GenerationRouter
from src.rag.generation.usage import PriceTable, add_usage, answer_usage
from src.rag.types import Usage
from tests.generation.conftest import QUESTION, config_for, fast_settings
from tests.generation.fake_servers import DEFAULT_REPLY

PROVIDERS_YAML = """
providers:
  - name: groq
    kind: openai
    base_url: https://api.groq.example/openai/v1
    model: llama-3.1-8b-instant
    api_key_env: TEST_GROQ_KEY
    first_token_timeout_s: 12
    max_retries: 1
  - kind: ollama
    model: llama3.1
"""


def test_primary_then_file_entries_in_order(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TEST_GROQ_KEY", "gsk-from-env")
    path = tmp_path / "providers.yaml"
    path.write_text(PROVIDERS_YAML)
    settings = fast_settings(llm_provider="openai", llm_base_url="http://127.0.0.1:1/v1", llm_model="m",
                             llm_api_key="sk-primary", llm_providers_file=path)
    configs = provider_configs(settings)
    assert [c.label for c in configs] == ["openai:m", "groq", "ollama:llama3.1"]
    primary, groq, ollama = configs
    assert primary.api_key == "sk-primary" and primary.first_token_timeout_s == settings.llm_first_token_timeout_s
    assert groq.api_key == "gsk-from-env" and groq.first_token_timeout_s == 12 and groq.max_retries == 1
    assert groq.connect_timeout_s == settings.llm_connect_timeout_s
    assert ollama.kind is ProviderKind.OLLAMA and ollama.base_url == "http://127.0.0.1:11434"


def test_health_lists_every_provider_with_its_breaker_state(tmp_path) -> None:
    path = tmp_path / "providers.json"
    path.write_text(json.dumps([{"kind": "ollama", "model": "qwen2.5", "name": "local"}]))
    router = GenerationRouter.from_settings(fast_settings(llm_providers_file=path))
    health = router.health()
    assert [(h["name"], h["kind"], h["model"], h["state"]) for h in health] == [
        ("local", "ollama", "qwen2.5", "closed"), ("offline", "offline", "", "closed")]
    assert health[0]["base_url"] == "http://127.0.0.1:11434"


@pytest.mark.parametrize(("content", "words"), [
    ("- kind: openai\n  model: m\n  api_key: sk-literal\n", "literal api_key"),
    ("- kind: anthropic\n  model: m\n", "Entry 1 of the LLM providers file"),
    ("- kind: openai\n  model: m\n  timeout: 5\n", "timeout"),
    ("kind: [unclosed\n", "not valid YAML or JSON"),
    ("just a string\n", "must hold a list"),
])
def test_bad_providers_file_is_one_clear_sentence(tmp_path, content: str, words: str) -> None:
    path = tmp_path / "providers.yaml"
    path.write_text(content)
    with pytest.raises(ProviderError) as info:
        provider_configs(fast_settings(llm_providers_file=path))
    assert words in str(info.value) and str(info.value).endswith(".")
    assert "sk-literal" not in str(info.value)


def test_missing_providers_file_names_the_setting(tmp_path) -> None:
    with pytest.raises(ProviderError, match="APIASSIST_LLM_PROVIDERS_FILE"):
        provider_configs(fast_settings(llm_providers_file=tmp_path / "absent.yaml"))


def test_price_table_defaults_prefixes_and_file_overrides(tmp_path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text("models:\n  my-vllm: {input: 1.0, output: 2.0}\n"
                    "  gpt-4o-mini: {input: 0.2, output: 0.8}\n")
    table = PriceTable.from_file(path)
    assert table.lookup("gpt-4o-mini-2024-07-18").input_per_m == 0.2  # file wins, prefix match
    assert table.lookup("gpt-4o").output_per_m == 10.0  # default kept
    assert table.cost(config_for("http://x", model="my-vllm"), 1_000_000, 500_000) == pytest.approx(2.0)
    assert table.cost(config_for("http://x", model="unknown-model"), 10, 10) is None
    assert table.cost(config_for("http://x", "ollama", model="unknown-local"), 10, 10) == 0.0
    path.write_text("gpt-4o: {input: cheap}\n")
    with pytest.raises(ProviderError, match="no numeric input/output prices for 'gpt-4o'"):
        PriceTable.from_file(path)


def test_usage_is_reported_or_estimated_and_labelled() -> None:
    config = config_for("http://x", model="gpt-4o-mini")
    messages = [ChatMessage(Role.USER, "x" * 400)]
    reported = answer_usage(Usage(1000, 200), messages, "text", config, PriceTable())
    assert (reported.prompt_tokens, reported.completion_tokens, reported.estimated) == (1000, 200, False)
    assert reported.cost_usd == pytest.approx((1000 * 0.15 + 200 * 0.60) / 1e6)
    estimated = answer_usage(None, messages, "y" * 40, config, PriceTable())
    assert (estimated.prompt_tokens, estimated.completion_tokens, estimated.estimated) == (100, 10, True)
    total = add_usage(reported, estimated)
    assert total.prompt_tokens == 1100 and total.estimated
    assert total.cost_usd == pytest.approx(reported.cost_usd + estimated.cost_usd)


def test_answer_usage_from_the_server_and_cost(servers) -> None:
    url, server = servers("openai")
    router = GenerationRouter.from_settings(fast_settings(llm_provider="openai", llm_base_url=url,
                                                          llm_model="gpt-4o-mini"))
    from tests.generation.conftest import HITS, OFFLINE

    answer = router.answer(QUESTION, HITS, OFFLINE)
    assert answer.text == DEFAULT_REPLY and not answer.usage.estimated
    assert answer.usage.completion_tokens == len(DEFAULT_REPLY.split())
    assert answer.usage.cost_usd == pytest.approx(
        (answer.usage.prompt_tokens * 0.15 + answer.usage.completion_tokens * 0.60) / 1e6)
    assert answer.to_json()["usage"]["cost_usd"] == answer.usage.cost_usd


def test_wait_bound_is_the_max_wait_setting(tmp_path) -> None:
    settings = fast_settings(llm_provider="openai", llm_base_url="http://127.0.0.1:1/v1", llm_max_wait_s=75,
                             llm_max_retries=5)
    router = GenerationRouter.from_settings(settings)
    # One clock per answer: retries and fallbacks share it, so their number does not stretch it.
    assert router.wait_bound_s() == 75
    assert GenerationRouter.from_settings(fast_settings(llm_provider="offline")).wait_bound_s() == 0


def test_signature_tells_provider_setups_apart_without_secrets() -> None:
    def signature(**overrides: object) -> str:
        return GenerationRouter.from_settings(fast_settings(**overrides)).signature()

    first = signature(llm_provider="openai", llm_model="a", llm_api_key="sk-sig-secret")
    assert first == signature(llm_provider="openai", llm_model="a", llm_api_key="sk-other")
    assert first != signature(llm_provider="openai", llm_model="b")
    assert first != signature(llm_provider="openai", llm_model="a", llm_temperature=0.9)
    assert "sk-sig-secret" not in first and "gpt" not in first
    assert signature(llm_provider="offline") == "offline"
