"""Let a configured LLM choose the best of the ranker's top candidates: one short, structured, cached call.

The call goes to the first provider whose breaker is closed, with one attempt inside that provider's
deadline; any failure, a refusal or an answer that is not one of the candidates keeps the learned order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from cachetools import LRUCache

from src.core.errors import ProviderError
from src.core.logging import get_logger
from src.core.resilience import BreakerState, RetryPolicy, guarded_stream
from src.rag.generation.base import ChatMessage, Role
from src.rag.types import Hit

log = get_logger(__name__)

TOP_N = 5
_CHOICE = re.compile(r"\{[^{}]*\}")
INSTRUCTIONS = ("You pick the API endpoint that best answers a developer's question. Reply with JSON only: "
                '{"choice": N} where N is the number of the best candidate, or {"choice": 0} if none fits.')


def choice_messages(question: str, candidates: Sequence[Hit]) -> list[ChatMessage]:
    """Return the short prompt: the question and the numbered candidate endpoints with their titles."""
    lines = [f"{n}. {h.title}" for n, h in enumerate(candidates, start=1)]
    return [ChatMessage(Role.SYSTEM, INSTRUCTIONS),
            ChatMessage(Role.USER, f"Question: {question}\nCandidates:\n" + "\n".join(lines))]


def parse_choice(text: str, count: int) -> int | None:
    """Return the 1-based candidate the reply chose, or None when the reply is not a valid choice."""
    for found in _CHOICE.findall(text or ""):
        try:
            value = json.loads(found).get("choice")
        except (ValueError, AttributeError):
            continue
        if isinstance(value, int) and 1 <= value <= count:
            return value
    return None


class LlmChooser:
    """Reorders the top candidates by the LLM's choice; remembers choices per (question, candidates)."""

    def __init__(self, router, top_n: int = TOP_N, cache_entries: int = 512) -> None:
        self.router = router
        self.top_n = top_n
        self._cache: LRUCache = LRUCache(cache_entries)
        self.calls = 0

    def reorder(self, question: str, hits: Sequence[Hit]) -> list[Hit]:
        """Return `hits` with the LLM's choice first (the learned order when there is no usable choice)."""
        top = [h for h in hits if h.method and h.fits][: self.top_n]
        if len(top) < 2:
            return list(hits)
        key = (question, tuple(h.id for h in top))
        if key not in self._cache:
            self._cache[key] = self._ask(question, top)
        chosen = self._cache[key]
        if chosen is None or chosen == 1:
            return list(hits)
        pick = top[chosen - 1]
        return [pick] + [h for h in hits if h is not pick]

    def _ask(self, question: str, top: list[Hit]) -> int | None:
        slot = next((s for s in self.router.slots if s.breaker.state is BreakerState.CLOSED), None)
        if slot is None:
            return None
        messages = choice_messages(question, top)
        self.calls += 1
        try:
            text = "".join(guarded_stream(slot.breaker, RetryPolicy(attempts=1), lambda: slot.provider.stream(messages)))
        except ProviderError as err:
            log.info("llm_choice.fallback", provider=slot.provider.name, reason=type(err).__name__)
            return None
        chosen = parse_choice(text, len(top))
        log.info("llm_choice.done", provider=slot.provider.name, choice=chosen)
        return chosen
