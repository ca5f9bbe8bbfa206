"""Context budget: fit the prompt into the model's context window, dropping the least relevant parts first.

The window comes from the server where it says (see server_info.py), else the setting. Room is
kept for the answer (``max_tokens``, at most half the window). What does not fit goes in this
order: the lowest-ranked spec excerpt (down to one), then the oldest conversation turn, then the
tail of the last excerpt. The system rules, the question and pinned notes such as a plan are
never dropped; if they alone do not fit, the provider is skipped with a one-sentence reason.

Tokens are counted with the server's tokenizer where it offers one (one call for the whole
prompt; the parts are then weighed by their estimate scaled to that count, and the result is
counted once more), otherwise estimated at ~4 characters per token. ``counted_by`` says which.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from src.rag.generation.base import ChatMessage, Role
from src.rag.generation.prompt import (
    SYSTEM_RULES, HistoryTurn, PromptBudget, bounded_history, excerpt, user_message,
)
from src.rag.generation.usage import CHARS_PER_TOKEN, estimate_tokens
from src.rag.types import Hit

# Chat templates wrap each message in a few special tokens (role header, separators).
MESSAGE_OVERHEAD_TOKENS = 8
COUNTED_BY_SERVER = "server tokenizer"
COUNTED_BY_ESTIMATE = "estimate"
_MAX_RECOUNTS = 3
Counter = Callable[[str], "int | None"]


@dataclass(frozen=True)
class FittedPrompt:
    """A prompt that fits the window, with its token count and what was left out."""

    messages: list[ChatMessage]
    prompt_tokens: int
    counted_by: str
    window: int
    limit: int
    dropped_excerpts: int = 0
    dropped_turns: int = 0

    @property
    def fits(self) -> bool:
        """Tell whether the prompt leaves room for the answer (False only when the fixed parts alone do not)."""
        return self.prompt_tokens <= self.limit


@dataclass
class _Parts:
    excerpts: list[str]
    history: list[ChatMessage]
    question: str
    pinned: Sequence[str]

    def messages(self) -> list[ChatMessage]:
        user = user_message(self.excerpts, self.question, self.pinned)
        return [ChatMessage(Role.SYSTEM, SYSTEM_RULES), *self.history, ChatMessage(Role.USER, user)]

    def drop_one(self, overflow_chars: int) -> str | None:
        """Remove the least relevant part; return which kind went, or None when only fixed parts remain."""
        if len(self.excerpts) > 1:
            self.excerpts.pop()
            return "excerpt"
        if self.history:
            self.history.pop(0)
            while self.history and self.history[0].role is Role.ASSISTANT:
                self.history.pop(0)  # a conversation slice starts with a question
            return "turn"
        if self.excerpts and len(self.excerpts[0]) > 400:
            keep = max(200, len(self.excerpts[0]) - overflow_chars - 200)
            self.excerpts[0] = self.excerpts[0][:keep].rstrip() + "\n[... excerpt shortened ...]\n</spec-excerpt>"
            return "shortened"
        return None


def _estimate(messages: Sequence[ChatMessage]) -> int:
    return sum(estimate_tokens(m.content) + MESSAGE_OVERHEAD_TOKENS for m in messages)


def _count(messages: Sequence[ChatMessage], counter: Counter | None) -> int | None:
    if counter is None:
        return None
    counted = counter("\n".join(m.content for m in messages))
    return None if counted is None else counted + MESSAGE_OVERHEAD_TOKENS * len(messages)


def fit_prompt(question: str, hits: Sequence[Hit], history: Sequence[HistoryTurn], window: int,
               answer_tokens: int, counter: Counter | None = None, pinned: Sequence[str] = (),
               budget: PromptBudget = PromptBudget()) -> FittedPrompt:
    """Return the richest prompt that leaves room for the answer in a ``window``-token context."""
    limit = window - min(answer_tokens, window // 2)
    parts = _Parts([excerpt(h, budget.excerpt_tokens) for h in hits],
                   bounded_history(history, budget.history_tokens), question, pinned)
    dropped = {"excerpt": 0, "turn": 0, "shortened": 0}
    server = _count(parts.messages(), counter)
    for _ in range(_MAX_RECOUNTS):
        # Scale the cheap estimate to the server's count so each drop is weighed in real tokens.
        scale = server / max(1, _estimate(parts.messages())) if server is not None else 1.0
        tokens = server if server is not None else _estimate(parts.messages())
        changed = False
        while tokens > limit and (kind := parts.drop_one(int((tokens - limit) / scale * CHARS_PER_TOKEN))):
            dropped[kind] += 1
            changed = True
            tokens = int(_estimate(parts.messages()) * scale)
        if not changed or server is None:
            break
        server = _count(parts.messages(), counter)  # the drops were weighed by estimate: count for real
        if server is None or server <= limit:
            break
    messages = parts.messages()
    tokens = server if server is not None else _estimate(messages)
    return FittedPrompt(messages, tokens, COUNTED_BY_SERVER if server is not None else COUNTED_BY_ESTIMATE,
                        window, limit, dropped["excerpt"], dropped["turn"])
