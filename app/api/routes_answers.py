"""REST routes that read the library: search, ask (JSON or server-sent events), operation, code samples, plan."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from app.api.auth import READ
from app.api.errors import classify
from app.api.schemas import AskRequest, PlanRequest, SearchRequest
from src.core.errors import AppError
from src.core.logging import get_logger
from src.rag.codegen import SUPPORTED_LANGUAGES
from src.rag.generation.events import Final, TextDelta
from src.rag.operations import operation_view

log = get_logger(__name__)
router = APIRouter(prefix="/api/v1", tags=["answers"])


@router.post("/search", summary="Hybrid search over the library")
def search(body: SearchRequest, request: Request, _=READ) -> dict[str, Any]:
    """Return the best chunks for a query, best first."""
    hits = request.app.state.assistant().search(body.query, top_k=body.top_k, filters=body.search_filters(),
                                                latest_only=body.latest)
    return {"query": body.query, "hits": [h.to_json() | {"id": h.id} for h in hits]}


def answer_json(answer: Any) -> dict[str, Any]:
    """Return the JSON view of an answer: the `apiassist ask --json` object."""
    return answer.to_json()


def sse(event: str, data: dict[str, Any]) -> str:
    """Format one server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def answer_events(events: Iterator[Any], metrics: Any) -> Iterator[str]:
    """Yield `delta` events as text arrives, then one `answer` event (or an `error` event if it fails midway)."""
    try:
        for event in events:
            if isinstance(event, TextDelta):
                yield sse("delta", {"text": event.text})
            elif isinstance(event, Final):
                metrics.observe_answer(event.answer)
                yield sse("answer", answer_json(event.answer))
    except AppError as err:
        yield sse("error", {"error": {"type": classify(err)[1], "message": str(err)}})
    except Exception as err:  # the stream has started: report in-band, the status line is already sent
        log.error("ask.stream_failed", error=type(err).__name__, detail=str(err)[:300])
        yield sse("error", {"error": {"type": "internal_error",
                                      "message": f"The answer failed midway ({type(err).__name__}); ask again."}})


def open_stream(assistant: Any, question: str, **kwargs: Any) -> Iterator[Any]:
    """Start an answer stream and take its first event, so bad input fails before any byte is sent."""
    events = assistant.stream(question, **kwargs)
    first = next(events, None)
    return itertools.chain(() if first is None else (first,), events)


@router.post("/ask", summary="Answer a question (JSON, or server-sent events with stream=true)",
             responses={200: {"content": {"text/event-stream": {}}}})
async def ask(body: AskRequest, request: Request, _=READ) -> Any:
    """Answer with endpoints, sources and code; `stream` (or `Accept: text/event-stream`) streams it."""
    assistant, metrics = request.app.state.assistant(), request.app.state.metrics
    kwargs = {"filters": body.search_filters(), "top_k": body.top_k,
              "history": [(t.role, t.content) for t in body.history]}
    if body.stream or "text/event-stream" in request.headers.get("accept", ""):
        events = await run_in_threadpool(lambda: open_stream(assistant, body.question, **kwargs))
        return StreamingResponse(answer_events(events, metrics), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    answer = await run_in_threadpool(lambda: assistant.ask(body.question, **kwargs))
    metrics.observe_answer(answer)
    return answer_json(answer)


@router.get("/apis/{api}/operation", summary="One operation with its parameters, schemas and pointer")
def operation(api: str, request: Request, ref: str = Query(..., description="`METHOD /path` or an operationId",
                                                              examples=["GET /v1/Exports/{ResourceType}"]),
              _=READ) -> dict[str, Any]:
    """Return one operation in full."""
    spec, op = request.app.state.assistant().operation(api, ref)
    return operation_view(spec, api, op)


@router.get("/apis/{api}/code", summary="Code samples for one operation")
def code(api: str, request: Request, ref: str = Query(..., description="`METHOD /path` or an operationId"),
         language: list[str] = Query(default=[], description=f"any of {', '.join(SUPPORTED_LANGUAGES)}; "
                                                              "repeat or separate with commas; empty = all"),
         _=READ) -> dict[str, Any]:
    """Return runnable request samples built from the spec."""
    wanted = [lang for item in language for lang in item.split(",") if lang.strip()]
    samples = request.app.state.assistant().code_samples(api, ref, wanted)
    return {"api": api, "operation": ref, "samples": [{"language": s.language, "label": s.label, "code": s.code}
                                                       for s in samples]}


@router.post("/plan", summary="Plan a task as an ordered list of calls")
def plan(body: PlanRequest, request: Request, _=READ) -> dict[str, Any]:
    """Return the plan for a task: the steps in order, each with its endpoint, pointer and code."""
    return request.app.state.assistant().plan(body.task, filters=body.search_filters(), top_k=body.top_k)
