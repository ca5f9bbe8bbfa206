"""OpenAI-compatible endpoints: any OpenAI client or Open WebUI can use the assistant as a model.

`apiassist` answers over the whole library; `apiassist:<api id>` limits answers to one API. The
sources and code are appended to the message as Markdown and also returned in the extra `apiassist`
field (the `apiassist ask --json` object).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from app.api.auth import READ
from app.api.routes_answers import answer_json, open_stream
from app.api.schemas import ChatCompletionRequest
from src.core.errors import AppError, InputRejected
from src.rag.generation.events import Final, TextDelta
from src.rag.retrieval import SearchFilters
from src.rag.transcript import answer_markdown

router = APIRouter(prefix="/v1", tags=["openai"])
MODEL = "apiassist"


def _question_and_history(body: ChatCompletionRequest) -> tuple[str, list[tuple[str, str]]]:
    turns = [(m.role, m.text()) for m in body.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise InputRejected("The last message must be a non-empty user message holding the question.")
    return turns[-1][1], turns[:-1]


def _filters(request: Request, model: str) -> SearchFilters:
    if model == MODEL or not model.startswith(MODEL + ":"):
        return SearchFilters()
    api = model.split(":", 1)[1]
    request.app.state.assistant().get_api(api)  # an unknown API is a 404, not an empty answer
    return SearchFilters(apis=(api,))


def _usage(answer: Any) -> dict[str, int]:
    p, c = answer.usage.prompt_tokens, answer.usage.completion_tokens
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


@router.get("/models", summary="The models this server offers (the whole library, or one API)")
def models(request: Request, _=READ) -> dict[str, Any]:
    """List `apiassist` and one `apiassist:<api>` model per indexed API."""
    apis = request.app.state.assistant().list_apis()
    rows = [{"id": MODEL, "object": "model", "created": 0, "owned_by": "apiassist"}]
    rows += [{"id": f"{MODEL}:{i.api}", "object": "model", "created": int(i.indexed_at), "owned_by": "apiassist"}
             for i in apis]
    return {"object": "list", "data": rows}


@router.post("/chat/completions", summary="OpenAI-compatible chat completions (streaming and not)")
async def chat_completions(body: ChatCompletionRequest, request: Request, _=READ) -> Any:
    """Answer the last user message; earlier turns are the conversation history."""
    question, history = _question_and_history(body)
    assistant, metrics = request.app.state.assistant(), request.app.state.metrics
    kwargs = {"filters": _filters(request, body.model), "history": history}
    meta = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": body.model}
    if body.stream:
        events = await run_in_threadpool(lambda: open_stream(assistant, question, **kwargs))
        include_usage = bool((getattr(body, "stream_options", None) or {}).get("include_usage"))
        return StreamingResponse(_chunks(events, meta, metrics, include_usage), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    answer = await run_in_threadpool(lambda: assistant.ask(question, **kwargs))
    metrics.observe_answer(answer)
    return meta | {
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer_markdown(answer)},
                     "finish_reason": "stop"}],
        "usage": _usage(answer),
        "apiassist": answer_json(answer),
    }


def _chunk(meta: dict[str, Any], delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    payload = meta | {"object": "chat.completion.chunk",
                      "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]} | extra
    return f"data: {json.dumps(payload)}\n\n"


def _chunks(events: Iterator[Any], meta: dict[str, Any], metrics: Any, include_usage: bool) -> Iterator[str]:
    """Yield OpenAI stream chunks: the role, text deltas, then sources and code, then `[DONE]`."""
    yield _chunk(meta, {"role": "assistant", "content": ""})
    try:
        for event in events:
            if isinstance(event, TextDelta) and event.text:
                yield _chunk(meta, {"content": event.text})
            elif isinstance(event, Final):
                answer = event.answer
                metrics.observe_answer(answer)
                details = answer_markdown(answer)[len(answer.text.strip()):]
                if details.strip():
                    yield _chunk(meta, {"content": details})
                usage = {"usage": _usage(answer)} if include_usage else {}
                yield _chunk(meta, {}, "stop", apiassist=answer_json(answer), **usage)
    except AppError as err:
        # the status line is sent: say what happened in the text, then end the stream normally
        yield _chunk(meta, {"content": f"\n\n> {err}"}, "stop")
    yield "data: [DONE]\n\n"

