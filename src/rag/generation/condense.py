"""Turn a follow-up question into a standalone one for retrieval: by LLM when available, else by heuristic."""

from __future__ import annotations

import re
from collections.abc import Sequence

from src.rag.generation.base import ChatMessage, Role
from src.rag.generation.prompt import HistoryTurn, bounded_history
from src.rag.planning.followup import resolve_follow_up

CONDENSE_RULES = """Rewrite the user's follow-up as one standalone question about the API, resolving words \
like "it", "that" or "the same" from the conversation. Keep endpoint names, parameters and identifiers \
exactly. Reply with the question only, on one line, without any answer."""

# Words that only make sense with the previous turn ("what about it?", "and for refunds?").
_FOLLOW_UP = re.compile(
    r"^\s*(and|also|what about|how about|then|but|or|same|ok|okay)\b"
    r"|\b(it|its|it's|this|that|these|those|them|they|their|there|above|previous|same|one|ones|instead)\b"
    r"|^\s*(?:now\s+|and\s+)?(?:in|using|with)\s+(?:python|javascript|js|node|typescript|curl|bash|shell)\b",
    re.IGNORECASE,
)
_MAX_FOLLOW_UP_WORDS = 14


def last_user_question(history: Sequence[HistoryTurn]) -> str:
    """Return the most recent user message of the conversation, or an empty string."""
    return next((content for role, content in reversed(history) if role == Role.USER.value and content), "")


def needs_condensing(question: str, history: Sequence[HistoryTurn]) -> bool:
    """Tell whether a question leans on the conversation (short and with a referring word)."""
    if not last_user_question(history):
        return False
    return len(question.split()) <= _MAX_FOLLOW_UP_WORDS and bool(_FOLLOW_UP.search(question))


def condense_heuristic(question: str, history: Sequence[HistoryTurn]) -> str:
    """Resolve a follow-up against the previous question and the endpoints its answer named; deterministic.

    A follow-up the resolver cannot rewrite gets the previous question appended, so retrieval sees its subject.
    """
    if not needs_condensing(question, history):
        return question
    previous = last_user_question(history).strip()
    resolved = resolve_follow_up(question, previous, last_answer(history))
    return resolved or f"{question.strip()} (follow-up to: {previous})"


def last_answer(history: Sequence[HistoryTurn]) -> str:
    """Return the most recent assistant message of the conversation, or an empty string."""
    return next((content for role, content in reversed(history) if role == Role.ASSISTANT.value and content), "")


def condense_messages(question: str, history: Sequence[HistoryTurn],
                      max_tokens: int = 600) -> list[ChatMessage]:
    """Return the prompt asking an LLM to rewrite the follow-up as a standalone question."""
    turns = bounded_history(history, max_tokens)
    transcript = "\n".join(f"{m.role.value}: {m.content}" for m in turns)
    user = f"Conversation:\n{transcript}\n\nFollow-up: {question}\n\nStandalone question:"
    return [ChatMessage(Role.SYSTEM, CONDENSE_RULES), ChatMessage(Role.USER, user)]


def clean_condensed(text: str, question: str) -> str:
    """Return the LLM's rewrite reduced to one line, or an empty string when it is unusable."""
    line = next((ln.strip() for ln in text.strip().splitlines() if ln.strip()), "")
    line = re.sub(r"^(standalone question|question)\s*:\s*", "", line, flags=re.IGNORECASE).strip(" \"'`")
    if not line or len(line) > max(300, 3 * len(question)):
        return ""
    return line
