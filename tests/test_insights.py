"""Insights from stored questions: thumbs-down, weak retrieval, topics and never-retrieved operations."""

from __future__ import annotations

from dataclasses import replace

from src.core.errors import NotFound
from src.rag.conversations import AskedQuestion, Feedback
from src.rag.insights import compute_insights
from src.rag.types import Answer, ApiSpec, ChunkKind, Hit, Operation, SpecFormat


def _hit(method: str, path: str, score: float) -> Hit:
    return Hit(id=f"shop@1:op:{method} {path}", api="shop@1", kind=ChunkKind.OPERATION, title="", source="#/x",
               score=score, method=method, path=path)


SPEC = ApiSpec(title="Shop", version="1", format=SpecFormat.OPENAPI_30, operations=(
    Operation("POST", "/v1/refunds"), Operation("GET", "/v1/charges"), Operation("DELETE", "/v1/customers/{id}")))


def _asked(question: str, hits: tuple[Hit, ...], rating: int | None = None, at: float = 1.0) -> AskedQuestion:
    answer = Answer(question=question, text="t", sources=hits)
    fb = Feedback(rating, "wrong endpoint" if rating == 0 else "") if rating is not None else None
    return AskedQuestion("c", question, at, answer, 7, fb)


def test_compute_insights_finds_each_kind_of_gap():
    refund = _hit("POST", "/v1/refunds", 0.8)
    asked = [
        _asked("How do I refund a charge?", (refund,), rating=0, at=2.0),
        _asked("refund partially", (refund, _hit("GET", "/v1/charges", 0.5)), rating=1),
        _asked("How do I pay with crypto?", (_hit("GET", "/v1/charges", 0.12),)),
        _asked("nothing at all", ()),
        AskedQuestion("c", "never answered", 3.0, None, None),
    ]
    data = compute_insights(asked, ["shop@1"], lambda api: SPEC)
    assert (data.questions, data.answered, data.thumbs_up) == (5, 4, 1)
    assert [(f.question, f.comment, f.top_source) for f in data.thumbs_down] == [
        ("How do I refund a charge?", "wrong endpoint", "shop@1 · POST /v1/refunds")]
    assert [(w.question, w.best_score) for w in data.weak] == [("nothing at all", 0.0),
                                                                ("How do I pay with crypto?", 0.12)]
    assert data.endpoints[0].label == "shop@1 · POST /v1/refunds" and data.endpoints[0].count == 2
    assert data.terms[0].label == "refund" and data.terms[0].count == 2
    cov = data.coverage[0]
    assert (cov.operations, cov.retrieved, cov.never_retrieved) == (3, 2, ("DELETE /v1/customers/{id}",))


def test_coverage_skips_apis_whose_spec_is_gone_and_sorts_least_covered_first():
    other = replace(SPEC, title="Other")

    def get_spec(api: str) -> ApiSpec:
        if api == "gone@1":
            raise NotFound("gone")
        return other if api == "other@1" else SPEC

    asked = [_asked("q", (_hit("POST", "/v1/refunds", 0.9),))]
    data = compute_insights(asked, ["shop@1", "gone@1", "other@1"], get_spec)
    assert [c.api for c in data.coverage] == ["other@1", "shop@1"]
    assert data.coverage[0].retrieved == 0
