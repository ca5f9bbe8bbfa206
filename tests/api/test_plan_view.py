"""The plan view: the planner's steps when the answer carries a plan, else the ranked operations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from src.rag.operations import plan_view
from src.rag.types import Answer, ChunkKind, CodeSample, Hit


def _hit(method: str, path: str, score: float) -> Hit:
    return Hit(id=f"a:operation:{method} {path}", api="a@1", kind=ChunkKind.OPERATION, title=f"{method} {path}",
               source=f"#/paths/{path}", score=score, method=method, path=path, metadata={"operation_id": "op"})


@dataclass(frozen=True)
class _Step:
    method: str
    path: str

    def to_json(self) -> dict[str, Any]:
        return {"api": "a@1", "method": self.method, "path": self.path, "pointer": "#/x", "inputs": {"id": {}}}


@dataclass(frozen=True)
class _PlannedAnswer(Answer):
    plan: tuple[_Step, ...] = ()


SOURCES = (_hit("POST", "/jobs", 0.9), Hit(id="a:schema:Job", api="a@1", kind=ChunkKind.SCHEMA, title="Job",
                                          source="#/components/schemas/Job", score=0.8),
           _hit("GET", "/jobs/{id}", 0.7))
CODE = (CodeSample("curl", "curl -X POST", "Step 1: curl"), CodeSample("curl", "curl /jobs/1", "Step 2: curl"))


def test_ranked_steps_follow_the_sources_and_skip_non_operations() -> None:
    view = plan_view(Answer(question="create a job then fetch it", text="...", sources=SOURCES, code=CODE))
    assert view["source"] == "ranked"
    steps = [(s["step"], s["method"], s["path"]) for s in view["steps"]]
    assert steps == [(1, "POST", "/jobs"), (2, "GET", "/jobs/{id}")]
    assert [s["code"][0]["code"] for s in view["steps"]] == ["curl -X POST", "curl /jobs/1"]


def test_an_answer_with_a_plan_uses_the_planner_steps() -> None:
    planned = _PlannedAnswer(question="q", text="...", sources=SOURCES, code=CODE,
                             plan=(_Step("GET", "/jobs/{id}"), _Step("POST", "/jobs")))
    empty = _PlannedAnswer(question="q", text="...", sources=SOURCES, code=CODE)
    view = plan_view(planned)
    assert view["source"] == "planner" and [s["method"] for s in view["steps"]] == ["GET", "POST"]
    assert view["steps"][0]["inputs"] == {"id": {}}
    assert plan_view(empty)["source"] == "ranked"


def test_chained_scripts_are_listed_apart_from_the_steps() -> None:
    chain = CodeSample("go", "package main", "Chained script: Go (net/http)")
    planned = _PlannedAnswer(question="q", text="...", sources=SOURCES, code=CODE + (chain,),
                             plan=(_Step("POST", "/jobs"), _Step("GET", "/jobs/{id}")))
    view = plan_view(planned)
    assert view["chain"] == [{"language": "go", "code": "package main"}]
    assert all(c["code"] != "package main" for s in view["steps"] for c in s["code"])
