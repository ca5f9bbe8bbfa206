"""Events of a generation stream: text as it arrives, then exactly one final answer."""

from __future__ import annotations

from dataclasses import dataclass

from src.rag.types import Answer


@dataclass(frozen=True)
class TextDelta:
    """A piece of answer text, emitted as soon as it arrives."""

    text: str


@dataclass(frozen=True)
class Final:
    """The complete answer; always the last event of a generation stream."""

    answer: Answer


GenerationEvent = TextDelta | Final
