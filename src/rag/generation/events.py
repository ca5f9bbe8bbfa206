"""Events of a generation stream: progress notes and text as they arrive, then exactly one final answer."""

from __future__ import annotations

from dataclasses import dataclass

from src.rag.types import Answer


@dataclass(frozen=True)
class TextDelta:
    """A piece of answer text, emitted as soon as it arrives."""

    text: str


@dataclass(frozen=True)
class Progress:
    """What the answer is waiting for, in words a user can read (e.g. "model is reading 2,771 prompt tokens…").

    ``stage`` is one of "reading" (the model reads the prompt), "answered" (a summary once the
    answer is complete) or "fallback" (moving on to the next provider or the offline answer).
    """

    stage: str
    message: str
    prompt_tokens: int = 0


@dataclass(frozen=True)
class Final:
    """The complete answer; always the last event of a generation stream."""

    answer: Answer


GenerationEvent = Progress | TextDelta | Final
