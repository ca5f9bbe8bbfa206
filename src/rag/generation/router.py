"""GenerationRouter: try each configured LLM through breaker and retries, fall back to the offline answer.

Wait bound. Before a degraded answer appears, a user waits at most::

    T_wait <= sum over providers p of [ A_p * (t_connect_p + t_total_p) + B_p ]
    B_p     = sum_{i=1}^{A_p - 1} max( min(b0 * 2^(i-1) + j, b_max), c_ra )

where ``A_p = max_retries + 1`` attempts, ``t_connect``/``t_total`` are the connect and total
timeouts of one attempt (the total is enforced by a watchdog that cuts the socket), ``b0`` is
``APIASSIST_LLM_BACKOFF_S``, ``j`` the jitter (= b0), ``b_max`` ``APIASSIST_LLM_BACKOFF_MAX_S``
and ``c_ra`` the Retry-After cap ``APIASSIST_LLM_RETRY_AFTER_CAP_S``. A provider whose breaker is
open costs nothing. With one provider, 5 s timeouts and the defaults (A=3, b0=j=0.5, b_max=4,
c_ra=5): 3 x (5 + 5) + (5 + 5) = 40 s; measured, a refused connection costs about 2.5 s and a
hanging server about 17.5 s. ``condense`` adds at most one attempt of one provider.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from src.core.config import Settings
from src.core.errors import ProviderError
from src.core.logging import get_logger
from src.core.resilience import BreakerState, CircuitBreaker, RetryPolicy, guarded_stream
from src.rag.generation import answers
from src.rag.generation.base import ChatMessage, LLMProvider, ProviderConfig, display_url
from src.rag.generation.condense import (
    clean_condensed, condense_heuristic, condense_messages, needs_condensing,
)
from src.rag.generation.events import Final, GenerationEvent, TextDelta
from src.rag.generation.prompt import HistoryTurn, PromptBudget, build_messages
from src.rag.generation.provider_config import provider_configs
from src.rag.generation.providers import build_provider
from src.rag.generation.usage import PriceTable, answer_usage
from src.rag.types import Answer, Hit, Usage

log = get_logger(__name__)
Known = tuple[set[str], set[str]]


@dataclass
class ProviderSlot:
    """One provider in the fallback order, with its own breaker and retry policy."""

    provider: LLMProvider
    breaker: CircuitBreaker
    policy: RetryPolicy

    @property
    def config(self) -> ProviderConfig:
        """Return the provider's configuration."""
        return self.provider.config

    @property
    def worst_case_s(self) -> float:
        """Return this provider's share of the wait bound."""
        return self.policy.worst_case_s(self.config.attempt_s)


def slot_for(config: ProviderConfig, settings: Settings) -> ProviderSlot:
    """Build a provider with the breaker and retry policy the settings ask for."""
    breaker = CircuitBreaker(config.label, settings.breaker_failure_threshold, settings.breaker_reset_s,
                             subject=config.where)
    policy = RetryPolicy(attempts=config.max_retries + 1, backoff_s=settings.llm_backoff_s,
                         backoff_max_s=settings.llm_backoff_max_s, jitter_s=settings.llm_backoff_s,
                         retry_after_cap_s=settings.llm_retry_after_cap_s)
    return ProviderSlot(build_provider(config), breaker, policy)


class GenerationRouter:
    """Stream answers from the first LLM that works; the offline answer is the last line of defence."""

    def __init__(self, slots: Sequence[ProviderSlot], prices: PriceTable | None = None,
                 budget: PromptBudget = PromptBudget()) -> None:
        self.slots = list(slots)
        self.prices = prices or PriceTable()
        self.budget = budget

    @classmethod
    def from_settings(cls, settings: Settings) -> GenerationRouter:
        """Build the router from Settings (primary provider, providers file, price file)."""
        slots = [slot_for(config, settings) for config in provider_configs(settings)]
        return cls(slots, PriceTable.from_file(settings.llm_prices_file))

    @property
    def offline_only(self) -> bool:
        """Tell whether no LLM is configured."""
        return not self.slots

    def signature(self) -> str:
        """Return a stable description of the providers (no secrets), e.g. for answer-cache keys."""
        if not self.slots:
            return "offline"
        return " | ".join(f"{c.kind.value}:{c.model}@{display_url(c.base_url)} t={c.temperature:g} "
                          f"max={c.max_tokens}" for c in (s.config for s in self.slots))

    def wait_bound_s(self) -> float:
        """Return the longest a user can wait before a degraded answer (the formula above)."""
        return sum(slot.worst_case_s for slot in self.slots)

    def health(self) -> list[dict[str, Any]]:
        """Return each provider's name, kind, model, URL and breaker state; the offline composer last."""
        rows = [{"name": s.provider.name, "kind": s.config.kind.value, "model": s.config.model,
                 "base_url": display_url(s.config.base_url), **s.breaker.snapshot()} for s in self.slots]
        return [*rows, {"name": "offline", "kind": "offline", "model": "", "base_url": "", "state": "closed"}]

    def condense(self, question: str, history: Sequence[HistoryTurn]) -> str:
        """Return a standalone question for retrieval; one LLM attempt at most, else the heuristic."""
        if not needs_condensing(question, history):
            return question
        slot = next((s for s in self.slots if s.breaker.state is BreakerState.CLOSED), None)
        if slot is not None:
            messages = condense_messages(question, history)
            try:
                text = "".join(guarded_stream(slot.breaker, RetryPolicy(attempts=1),
                                              lambda: slot.provider.stream(messages)))
            except ProviderError as err:
                log.info("condense.fallback", provider=slot.provider.name, reason=answers.clause(err))
            else:
                if cleaned := clean_condensed(text, question):
                    return cleaned
        return condense_heuristic(question, history)

    def stream(self, question: str, hits: Sequence[Hit], offline: Answer, history: Sequence[HistoryTurn] = (),
               known: Known | None = None) -> Iterator[GenerationEvent]:
        """Yield TextDelta events as the answer arrives, then exactly one Final.

        Args:
            question: the user's question as asked.
            hits: retrieved chunks; their ids and pointers go into the prompt.
            offline: the deterministic answer, used for sources and code and as the fallback.
            history: earlier turns as (role, content), role "user" or "assistant".
            known: (endpoint keys, JSON pointers) of the whole index for verification;
                defaults to those of the hits.
        """
        if not self.slots:
            yield TextDelta(offline.text)
            yield Final(offline)
            return
        known = known if known is not None else answers.known_from(hits, offline)
        messages = build_messages(question, hits, history, self.budget, plan=offline.plan)
        failures: list[BaseException] = []
        for slot in self.slots:
            parts: list[str] = []
            try:
                reported = yield from _relay(slot, messages, parts)
            except Exception as exc:  # noqa: BLE001 - whatever a provider does, the user still gets an answer
                err = _as_provider_error(exc, slot)
                if parts:
                    yield from self._cut_off(question, "".join(parts), err, slot, messages, offline, known)
                    return
                failures.append(err)
                continue
            text = "".join(parts)
            usage = answer_usage(reported, messages, text, slot.config, self.prices)
            log.info("llm.answered", provider=slot.provider.name, chars=len(text), estimated=usage.estimated)
            yield Final(answers.llm_answer(question, text, slot.provider.name, usage, offline, known))
            return
        log.warning("llm.degraded", providers=len(self.slots))
        yield TextDelta(offline.text)
        yield Final(answers.degraded_answer(offline, failures))

    def _cut_off(self, question: str, partial: str, err: ProviderError, slot: ProviderSlot,
                 messages: list[ChatMessage], offline: Answer, known: Known) -> Iterator[GenerationEvent]:
        tail = answers.cut_off_tail(err, offline)
        usage = answer_usage(None, messages, partial, slot.config, self.prices)
        log.warning("llm.cut_off", provider=slot.provider.name, chars=len(partial))
        yield TextDelta(tail)
        yield Final(answers.cut_off_answer(question, partial, tail, err, slot.provider.name, usage, offline,
                                           known))

    def answer(self, question: str, hits: Sequence[Hit], offline: Answer, history: Sequence[HistoryTurn] = (),
               known: Known | None = None) -> Answer:
        """Return the final answer without streaming (for ``--json`` output)."""
        final = offline
        for event in self.stream(question, hits, offline, history, known):
            if isinstance(event, Final):
                final = event.answer
        return final


def _as_provider_error(exc: Exception, slot: ProviderSlot) -> ProviderError:
    """Return the ProviderError for a failure; anything else is a bug worth a logged traceback."""
    if isinstance(exc, ProviderError):
        return exc
    log.exception("llm.unexpected", provider=slot.provider.name)
    return ProviderError(f"{slot.config.where} failed unexpectedly; check the server's logs.")


def _relay(slot: ProviderSlot, messages: list[ChatMessage],
           parts: list[str]) -> Generator[TextDelta, None, Usage | None]:
    """Yield the provider's text as TextDelta events, collecting it in ``parts``; return its usage."""
    stream = guarded_stream(slot.breaker, slot.policy, lambda: slot.provider.stream(messages))
    try:
        while True:
            try:
                text = next(stream)
            except StopIteration as done:
                return done.value
            parts.append(text)
            yield TextDelta(text)
    finally:
        stream.close()
