"""Fixtures for generation tests: loopback LLM servers, fast settings, sample hits and offline answers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from src.core.config import Settings
from src.rag.generation.base import ProviderConfig, ProviderKind
from src.rag.generation.router import GenerationRouter, slot_for
from src.rag.types import Answer, ChunkKind, CodeSample, Hit
from tests.generation.fake_servers import FakeLLMServer, start_ollama_server, start_openai_server

REFUND = Hit(
    id="shop@1:op:POST /v1/refunds", api="shop@1", kind=ChunkKind.OPERATION, title="Create a refund",
    source="#/paths/~1v1~1refunds/post", score=0.91, method="POST", path="/v1/refunds",
    text="POST /v1/refunds\nCreate a refund for a charge.\nBody: charge (string, required), amount (int).",
)
CHARGE = Hit(
    id="shop@1:op:GET /v1/charges/{id}", api="shop@1", kind=ChunkKind.OPERATION, title="Retrieve a charge",
    source="#/paths/~1v1~1charges~1{id}/get", score=0.55, method="GET", path="/v1/charges/{id}",
    text="GET /v1/charges/{id}\nRetrieve a charge by id.",
)
HITS = (REFUND, CHARGE)
QUESTION = "How do I refund a charge?"
OFFLINE = Answer(
    question=QUESTION,
    text="Call **POST /v1/refunds** with the charge id [#/paths/~1v1~1refunds/post].",
    sources=HITS,
    code=(CodeSample(language="python", code="import httpx\nhttpx.post('https://shop.test/v1/refunds')"),),
)


def fast_settings(**overrides: object) -> Settings:
    """Return settings with short timeouts and backoffs so fault tests stay quick."""
    values: dict[str, object] = dict(
        llm_first_token_timeout_s=0.8, llm_idle_timeout_s=0.8, llm_max_wait_s=30, llm_connect_timeout_s=0.5, llm_max_retries=1, llm_backoff_s=0.05,
        llm_backoff_max_s=0.2, llm_retry_after_cap_s=1.5, breaker_failure_threshold=3, breaker_reset_s=0.5,
    )
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def config_for(url: str, kind: str = "openai", settings: Settings | None = None,
               **extra: object) -> ProviderConfig:
    """Return a provider configuration pointing at a test server, timeouts taken from settings."""
    s = settings or fast_settings()
    values: dict[str, object] = dict(
        kind=ProviderKind(kind), base_url=url, model=f"{kind}-test-model",
        first_token_timeout_s=s.llm_first_token_timeout_s, idle_timeout_s=s.llm_idle_timeout_s,
        connect_timeout_s=s.llm_connect_timeout_s, max_retries=s.llm_max_retries, context_tokens=8192,
    )
    values.update(extra)
    return ProviderConfig(**values)  # type: ignore[arg-type]


def router_for(*configs: ProviderConfig, settings: Settings | None = None) -> GenerationRouter:
    """Return a router over the given providers, in order."""
    s = settings or fast_settings()
    return GenerationRouter([slot_for(c, s) for c in configs], max_wait_s=s.llm_max_wait_s)


class PlannedWaits:
    """A ``RetryPolicy.sleep`` that records every wait the retry policy asks for."""

    def __init__(self, real: bool = False) -> None:
        self.waits: list[float] = []
        self.real = real

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.real:  # end-to-end tests keep the pause the server sees
            time.sleep(seconds)


def record_waits(router: GenerationRouter) -> PlannedWaits:
    """Make every provider of the router record its planned retry waits (still sleeping them)."""
    planned = PlannedWaits(real=True)
    for slot in router.slots:
        slot.policy = replace(slot.policy, sleep=planned)
    return planned


def wait_until(predicate: Callable[[], bool], timeout_s: float = 3.0) -> bool:
    """Poll until the predicate holds (server threads notice a closed client a moment later)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture(scope="session", autouse=True)
def _sdks_imported() -> None:
    """Import the vendor SDKs once so their import time is not billed to the first timed test."""
    import langchain_ollama  # noqa: F401
    import langchain_openai  # noqa: F401


@pytest.fixture
def servers() -> Iterator[Callable[..., tuple[str, FakeLLMServer]]]:
    """Start loopback LLM servers on demand; all are closed after the test."""
    started: list[FakeLLMServer] = []

    def start(protocol: str = "openai", mode: object = "healthy",
              **kwargs: object) -> tuple[str, FakeLLMServer]:
        starter = start_openai_server if protocol == "openai" else start_ollama_server
        url, server = starter(mode, **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return url, server

    yield start
    for server in started:
        server.close()

