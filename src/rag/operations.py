"""One operation as a front end shows it (parameters, schemas, pointer), and the plan view of an answer."""

from __future__ import annotations

from typing import Any

from src.core.errors import NotFound
from src.rag.codegen import CHAIN_LABEL
from src.rag.serialize import to_jsonable
from src.rag.types import Answer, ApiSpec, ChunkKind, Operation


def find_operation(spec: ApiSpec, api: str, ref: str) -> Operation:
    """Return the operation named by ``METHOD /path`` or by its operationId, or raise one sentence."""
    wanted = " ".join(ref.split())
    method, _, path = wanted.partition(" ")
    key = f"{method.upper()} {path}" if path else ""
    op = spec.operation(key) if key else None
    op = op or next((o for o in spec.operations if o.operation_id and o.operation_id == wanted), None)
    if op is None:
        raise NotFound(f"{api} has no operation '{wanted[:80]}'; give `METHOD /path` or an operationId "
                       "from a search result.")
    return op


def operation_view(spec: ApiSpec, api: str, op: Operation) -> dict[str, Any]:
    """Return the JSON view of one operation: parameters, body, responses, auth and the schemas it names."""
    named = {s.name: s for s in spec.schemas}
    used = [op.request_body.schema_name] if op.request_body and op.request_body.schema_name else []
    used += [r.schema_name for r in op.responses if r.schema_name]
    return {
        "api": api, "api_title": spec.title, "method": op.method, "path": op.path,
        "operation_id": op.operation_id or None, "summary": op.summary, "description": op.description,
        "tags": list(op.tags), "deprecated": op.deprecated, "pointer": op.pointer,
        "servers": list(op.servers or spec.servers),
        "parameters": to_jsonable(op.parameters),
        "request_body": to_jsonable(op.request_body),
        "responses": to_jsonable(op.responses),
        "auth": [to_jsonable(a) for name in (op.security or spec.security) if (a := spec.auth_scheme(name))],
        "schemas": {name: to_jsonable(named[name]) for name in dict.fromkeys(used) if name in named},
    }


def operation_markdown(view: dict[str, Any]) -> str:
    """Return a short Markdown rendering of `operation_view` output."""
    lines = [f"**{view['method']} {view['path']}** ({view['api']}) — {view['summary'] or 'no summary'}",
             f"Pointer: `{view['pointer']}`"]
    for p in view["parameters"]:
        lines.append(f"- `{p['name']}` ({p['location']}, {p['type']}{', required' if p['required'] else ''})")
    body = view["request_body"]
    if body:
        fields = ", ".join(f"`{f['name']}`" for f in body["fields"][:12])
        lines.append(f"Body ({body['content_type']}): {fields or 'no documented fields'}")
    return "\n".join(lines)


def plan_view(answer: Answer) -> dict[str, Any]:
    """Return the plan of an answer as ordered steps: the planner's (`Answer.plan`) when it made one, else the
    answer's operations in ranked order; each step carries its endpoint, pointer and code samples, and
    ``chain`` holds the scripts that run all the steps in order (one per language)."""
    planned = tuple(getattr(answer, "plan", None) or ())
    if planned:
        steps = [step.to_json() if hasattr(step, "to_json") else to_jsonable(step) for step in planned]
    else:
        steps = [{"api": h.api, "method": h.method, "path": h.path, "title": h.title,
                  "operation_id": h.metadata.get("operation_id") or None, "pointer": h.source,
                  "score": round(h.score, 6)}
                 for h in answer.sources if h.kind in (ChunkKind.OPERATION, ChunkKind.WEBHOOK) and h.method]
    code: dict[int, list[dict[str, str]]] = {}
    chain = []
    for sample in answer.code:
        entry = {"language": sample.language, "code": sample.code}
        if sample.label.startswith(CHAIN_LABEL):
            chain.append(entry)
        else:
            code.setdefault(_step_of(sample.label), []).append(entry)
    return {
        "task": answer.question, "source": "planner" if planned else "ranked",
        "steps": [{"step": n, **step, "code": code.get(n, code.get(0, []) if n == 1 else [])}
                  for n, step in enumerate(steps, start=1)],
        "chain": chain,
        "answer": answer.text,
    }


def _step_of(label: str) -> int:
    # The offline composer labels multi-step samples "Step N: ..."; a single answer's samples carry no step.
    head = label.split(":", 1)[0].strip()
    return int(head[5:]) if head.startswith("Step ") and head[5:].isdigit() else 0
