"""Export a conversation as a Markdown document: questions, answers, sources, code, usage and feedback."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from src.rag.conversations import Conversation, StoredMessage, total_usage
from src.rag.types import Answer, Usage


def export_filename(conversation: Conversation) -> str:
    """Return a safe download name for a conversation, e.g. ``how-do-i-refund-a-charge.md``."""
    slug = re.sub(r"[^a-z0-9]+", "-", conversation.title.lower()).strip("-")[:60]
    return f"{slug or 'conversation'}.md"


def export_markdown(conversation: Conversation, messages: Sequence[StoredMessage]) -> str:
    """Render the whole conversation as Markdown someone can read or paste into a ticket."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(conversation.created_at))
    lines = [f"# {_one_line(conversation.title)}", "", f"_Exported conversation, started {when}._", ""]
    usage = total_usage(m.answer for m in messages if m.answer is not None)
    if usage.prompt_tokens or usage.completion_tokens:
        lines += [f"_Conversation total: {usage_summary(usage)}._", ""]
    for message in messages:
        if message.role == "user":
            lines += ["## Question", "", message.text.strip(), ""]
        else:
            lines += ["## Answer", "", message.text.strip(), ""]
            if message.answer is not None:
                lines += _answer_details(message.answer)
            if message.feedback is not None:
                verdict = "helpful" if message.feedback.rating else "not helpful"
                note = f": {_one_line(message.feedback.comment)}" if message.feedback.comment else ""
                lines += [f"_Feedback: {verdict}{note}_", ""]
    return "\n".join(lines).rstrip() + "\n"


def answer_markdown(answer: Answer) -> str:
    """Return the answer text followed by its usage, sources, code and notices, as one Markdown document."""
    return "\n".join([answer.text.strip(), "", *_answer_details(answer)]).rstrip() + "\n"


def usage_summary(usage: Usage) -> str:
    """Describe token usage and cost in one line, saying when the counts or the cost are estimates."""
    text = f"{usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} completion tokens"
    if usage.estimated:
        text += " (estimated)"
    if usage.cost_usd is None:
        return text + ", cost unknown (no price for the model)"
    return text + f", estimated cost ${usage.cost_usd:.4f}"


def _answer_details(answer: Answer) -> list[str]:
    lines: list[str] = []
    if answer.usage.prompt_tokens or answer.usage.completion_tokens:
        lines += [f"_Answered by `{_one_line(answer.provider)}`: {usage_summary(answer.usage)}._", ""]
    if answer.sources:
        lines += ["### Sources", ""]
        for hit in answer.sources:
            where = f"{hit.method} {hit.path}" if hit.method and hit.path else hit.title
            lines.append(f"- `{hit.api}` {_one_line(where)} (`{hit.source}`, relevance {hit.score:.2f})")
        lines.append("")
    for sample in answer.code:
        fence = "```"
        while fence in sample.code:
            fence += "`"  # a longer fence keeps code containing ``` intact
        lines += [f"### {sample.label or sample.language}", "", f"{fence}{_fence_lang(sample.language)}",
                  sample.code.rstrip(), fence, ""]
    if answer.unverified:
        lines += ["> Not found in the indexed specs: " + ", ".join(f"`{u}`" for u in answer.unverified), ""]
    if answer.degraded:
        lines += [f"> {answer.degraded_reason or 'Answered by the offline composer.'}", ""]
    return lines


def _fence_lang(language: str) -> str:
    return {"curl": "bash", "javascript": "javascript", "python": "python"}.get(language, language)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
