"""GenerationRouter: try each configured LLM through breaker and retries, fall back to the offline answer.

Wait bound. Every answer gets one clock, started when the router begins: ``APIASSIST_LLM_MAX_WAIT_S``
(``T``, default 300 s). No attempt of any provider outlives it (its watchdog cuts the socket at
``T``), no retry starts if it would begin after ``T``, and a provider tried after another one
failed gets only the time left. So before the offline answer appears a user waits at most::

    T_wait <= T + t_close        (t_close: closing a cut socket, well under a second)

Within ``T`` each attempt has its own streaming deadlines: connect (``APIASSIST_LLM_CONNECT_TIMEOUT_S``),
first token (``APIASSIST_LLM_FIRST_TOKEN_TIMEOUT_S``) and idle between chunks
(``APIASSIST_LLM_IDLE_TIMEOUT_S``), see deadlines.py. After a deadline the attempt is cancelled
first and retried only if the server is free again (providers.py); the breaker counts the whole
answer, every attempt included, as one failure. ``condense`` (rewriting a follow-up question)
is one attempt bounded by a quarter of ``T``, and never counts towards the breaker.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from src.core.config import Settings
from src.core.errors import ProviderError
from src.core.logging import get_logger
from src.core.resilience import BreakerState, CircuitBreaker, RetryPolicy, guarded_stream, retry_stream
from src.rag.generation import answers
from src.rag.generation.base import ChatMessage, LLMProvider, ProviderConfig, display_url
from src.rag.generation.boundary import context_too_long
from src.rag.generation.budget import COUNTED_BY_SERVER, FittedPrompt, fit_prompt
from src.rag.generation.condense import (
    clean_condensed, condense_heuristic, condense_messages, needs_condensing,
)
from src.rag.generation.events import Final, GenerationEvent, Progress, TextDelta
from src.rag.generation.prompt import HistoryTurn, PromptBudget, plan_block
from src.rag.generation.provider_config import provider_configs
from src.rag.generation.providers import build_provider
from src.rag.generation.server_info import ServerFacts
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
    facts: ServerFacts = field(init=False)

    def __post_init__(self) -> None:
        self.facts = ServerFacts(self.provider.config)

    @property
    def config(self) -> ProviderConfig:
        """Return the provider's configuration."""
        return self.provider.config

    def fit(self, question: str, hits: Sequence[Hit], history: Sequence[HistoryTurn],
            budget: PromptBudget, pinned: Sequence[str] = ()) -> FittedPrompt:
        """Return the prompt fitted to this provider's context window, counted by its tokenizer if any."""
        reachable = self.breaker.state is not BreakerState.OPEN
        window, _ = self.facts.context_window() if reachable else (self.config.context_tokens or 4096, "")
        counter = self.facts.count_tokens if reachable else None
        return fit_prompt(question, hits, history, window, self.config.max_tokens, counter, pinned, budget=budget)


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
                 budget: PromptBudget = PromptBudget(), max_wait_s: float = 300.0) -> None:
        self.slots = list(slots)
        self.prices = prices or PriceTable()
        self.budget = budget
        self.max_wait_s = max_wait_s

    @classmethod
    def from_settings(cls, settings: Settings) -> GenerationRouter:
        """Build the router from Settings (primary provider, providers file, price file)."""
        slots = [slot_for(config, settings) for config in provider_configs(settings)]
        return cls(slots, PriceTable.from_file(settings.llm_prices_file), max_wait_s=settings.llm_max_wait_s)

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
        """Return the longest a user can wait before a degraded answer (the bound above, without t_close)."""
        return self.max_wait_s if self.slots else 0.0

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
            bound = time.monotonic() + self.max_wait_s / 4
            try:  # outside the breaker: only the answer itself counts as the user's request
                text = "".join(retry_stream(lambda: slot.provider.stream(messages, bound), RetryPolicy(attempts=1),
                                            slot.breaker.name))
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
        bound = time.monotonic() + self.max_wait_s
        failures: list[BaseException] = []
        for slot in self.slots:
            failure = yield from self._try(slot, question, hits, history, offline, known, bound)
            if failure is None:
                return
            failures.append(failure)
        log.warning("llm.degraded", providers=len(self.slots))
        yield TextDelta(offline.text)
        yield Final(answers.degraded_answer(offline, failures))

    def _try(self, slot: ProviderSlot, question: str, hits: Sequence[Hit], history: Sequence[HistoryTurn],
             offline: Answer, known: Known, bound: float) -> Generator[GenerationEvent, None, ProviderError | None]:
        """Answer through one provider; return None once a Final was yielded, else why it gave nothing."""
        fitted = slot.fit(question, hits, history, self.budget, pinned=(plan_block(offline.plan),))
        if not fitted.fits:
            return context_too_long(slot.config)
        if slot.breaker.state is not BreakerState.OPEN:  # an open breaker rejects at once: nothing to read
            yield Progress("reading", reading_message(slot, fitted), fitted.prompt_tokens)
        parts: list[str] = []
        started = time.monotonic()
        try:
            reported = yield from _relay(slot, fitted.messages, parts, bound)
        except Exception as exc:  # noqa: BLE001 - whatever a provider does, the user still gets an answer
            err = _as_provider_error(exc, slot)
            if not parts:
                yield Progress("fallback", f"{answers.clause(err)}; moving on.")
                return err
            yield from self._cut_off(question, "".join(parts), err, slot, fitted, offline, known)
            return None
        text = "".join(parts)
        usage = self._usage(slot, reported, fitted, text)
        log.info("llm.answered", provider=slot.provider.name, chars=len(text), counted_by=usage.counted_by)
        yield Progress("answered", answered_message(usage, time.monotonic() - started), usage.prompt_tokens)
        yield Final(answers.llm_answer(question, text, slot.provider.name, usage, offline, known))
        return None

    def _usage(self, slot: ProviderSlot, reported: Usage | None, fitted: FittedPrompt, text: str) -> Usage:
        by_server = fitted.counted_by == COUNTED_BY_SERVER
        completion = slot.facts.count_tokens(text) if by_server and reported is None else None
        return answer_usage(reported, fitted.messages, text, slot.config, self.prices,
                            prompt_counted=fitted.prompt_tokens if by_server else None,
                            completion_counted=completion)

    def _cut_off(self, question: str, partial: str, err: ProviderError, slot: ProviderSlot,
                 fitted: FittedPrompt, offline: Answer, known: Known) -> Iterator[GenerationEvent]:
        tail = answers.cut_off_tail(err, offline)
        by_server = fitted.counted_by == COUNTED_BY_SERVER
        usage = answer_usage(None, fitted.messages, partial, slot.config, self.prices,
                             prompt_counted=fitted.prompt_tokens if by_server else None)
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


def reading_message(slot: ProviderSlot, fitted: FittedPrompt) -> str:
    """Say what the model is doing before its first token, e.g. "model is reading 2,771 prompt tokens…"."""
    counted = "" if fitted.counted_by == COUNTED_BY_SERVER else "about "
    left_out = f" ({fitted.dropped_excerpts} less relevant excerpts left out to fit its context)" \
        if fitted.dropped_excerpts else ""
    return f"{slot.config.model} is reading {counted}{fitted.prompt_tokens:,} prompt tokens{left_out}…"


def answered_message(usage: Usage, seconds: float) -> str:
    """Summarise a finished answer: tokens read and written, and how long it took."""
    return (f"Read {usage.prompt_tokens:,} prompt tokens and wrote {usage.completion_tokens:,} tokens in "
            f"{seconds:.1f} s.")


def _relay(slot: ProviderSlot, messages: list[ChatMessage], parts: list[str],
           bound: float) -> Generator[TextDelta, None, Usage | None]:
    """Yield the provider's text as TextDelta events, collecting it in ``parts``; return its usage."""
    stream = guarded_stream(slot.breaker, slot.policy, lambda: slot.provider.stream(messages, bound), bound)
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
