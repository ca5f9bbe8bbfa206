"""Multi-step plans the chained scripts are run for, the replies that feed them, and the requests they must send.

The shared-spec plans come from the real planner on each spec's real data-flow graph; the goal operation is
handed to it as the ranker's first hit, so the plan does not hinge on retrieval. The crafted gallery plan
adds what the shared ones lack: a multipart upload and a form body fed by earlier steps, a query value
from a response and an API key in the query.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

from src.rag.codegen import build_request
from src.rag.codegen.auth import shared_auth
from src.rag.codegen.chain import field_path
from src.rag.codegen.request import PathVar, RequestModel
from src.rag.planning.graph import build_graph
from src.rag.planning.plan import PlanInput, PlanStep
from src.rag.planning.planner import Planner
from src.rag.types import (ApiSpec, AuthScheme, ChunkKind, Hit, Operation, Parameter, RequestBody, Response,
                           SchemaField, SpecFormat)
from tests.codegen.scenarios import NASTY, _parsed, SPECS_DIR


@dataclass(frozen=True)
class ChainCase:
    """A plan over one spec: built by ``plan``, answered with one reply per step."""

    name: str
    load: Callable[[], ApiSpec]
    plan_of: Callable[[ApiSpec], tuple[PlanStep, ...]]
    # Values the replies carry, by (step, field); other fields read get a value needing percent-encoding.
    values: tuple[tuple[tuple[int, str], Any], ...] = ()

    def spec(self) -> ApiSpec:
        """Return the spec (parsed once per session)."""
        return self.load()

    def plan(self) -> tuple[PlanStep, ...]:
        """Return the plan, failing when it has no step fed by an earlier one."""
        plan = _plan(self)
        assert len(plan) >= 2 and any(i.source == "step" for s in plan for i in s.inputs), plan
        return plan

    def specs(self) -> dict[str, ApiSpec]:
        """Return the specs by API id, as the chain builder takes them."""
        return {self.spec().api_id: self.spec()}

    def value(self, step: int, field: str) -> Any:
        """Return the value the reply of ``step`` carries at ``field``."""
        return dict(self.values).get((step, field), f"{field_path(field)[-1]} {step}/x&y")

    def replies(self) -> list[Any]:
        """Return one reply per step holding every field a later step reads from it."""
        replies: list[Any] = [{"ok": True} for _ in self.plan()]
        for inp in (i for s in self.plan() for i in s.inputs if i.source == "step"):
            replies[inp.step - 1] = _put(replies[inp.step - 1], field_path(inp.field), self.value(inp.step, inp.field))
        return replies

    def prefix(self) -> str:
        """Return the path the spec's server puts before every operation path (``/v1``)."""
        first = self.plan()[0]
        return urlsplit(build_request(self.spec(), self.spec().operation(first.key)).base_url).path

    def expected(self, base_url: str) -> list[RequestModel]:
        """Return each step's request as it must arrive: question values in, earlier replies' fields put in."""
        return [_expected(self, step, base_url) for step in self.plan()]


@cache
def _plan(case: ChainCase) -> tuple[PlanStep, ...]:
    return case.plan_of(case.spec())


def _put(node: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """Return ``node`` with ``value`` at ``path``, creating the objects and lists on the way."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(node) if isinstance(node, list) else []
        items += [{}] * (head + 1 - len(items))
        items[head] = _put(items[head], rest, value)
        return items
    fields = dict(node) if isinstance(node, dict) and node != {"ok": True} else {}
    fields[head] = _put(fields.get(head, {}), rest, value)
    return fields


def _expected(case: ChainCase, step: PlanStep, base_url: str) -> RequestModel:
    spec = case.spec()
    model = build_request(spec, spec.operation(step.key), base_url,
                          {i.name: i.value for i in step.inputs if i.source == "question"})
    fed = {i.name: (i, case.value(i.step, i.field)) for i in step.inputs if i.source == "step"}
    path_vars = tuple(PathVar(v.name, v.var, fed[v.name][1]) if v.name in fed else v for v in model.path_vars)
    query = tuple((n, v) for n, v in model.query if n not in fed)
    query += tuple((n, v) for n, (i, v) in fed.items() if i.location == "query")
    body = model.body
    if isinstance(body, dict):
        body = body | {n: v for n, (i, v) in fed.items() if i.location == "body"}
    # One script sends one credential: the scheme every call of the plan accepts.
    auth = shared_auth([(spec, spec.operation(s.key)) for s in case.plan()])
    return dataclasses.replace(model, path_vars=path_vars, query=query, body=body, auth=auth)


def split_path_values(model: RequestModel, raw_path: str) -> list[str]:
    """Return the path values holding a slash that do not arrive as one percent-encoded path segment."""
    segments = [unquote(s) for s in raw_path.split("/")]
    return [str(v.value) for v in model.path_vars
            if "/" in str(v.value) and not any(str(v.value) in s for s in segments)]


def planned(question: str, goal: str) -> Callable[[ApiSpec], tuple[PlanStep, ...]]:
    """Return a plan maker running the real planner on a spec, with ``goal`` as the ranker's first hit."""
    def make(spec: ApiSpec) -> tuple[PlanStep, ...]:
        graph = build_graph(spec)
        method, path = goal.split(" ", 1)
        hit = Hit(id=f"{spec.api_id}:operation:{goal}", api=spec.api_id, kind=ChunkKind.OPERATION, title=goal,
                  source="", score=1.0, method=method, path=path)
        return Planner(lambda _q, _api: [hit], lambda _api: graph, lambda _api: spec).plan(question, [hit])
    return make


def gallery_spec() -> ApiSpec:
    """Return a crafted API: create an album (JSON), upload a photo into it (multipart), share it (form).

    Hostile text sits in a summary, a JSON field's name and value, a query parameter, a header and a form value.
    """
    album = Operation(
        "POST", "/albums", summary="Create an album " + NASTY, operation_id="createAlbum",
        request_body=RequestBody("application/json", fields=(
            SchemaField("title", "string", True), SchemaField("private", "boolean", True, example=True),
            SchemaField("f" + NASTY, "string", True, example=NASTY))),
        responses=(Response("201", fields=(SchemaField("album", "object"), SchemaField("album.id", "string"),
                                           SchemaField("album.upload_token", "string"))),))
    photo = Operation(
        "POST", "/albums/{album_id}/photos", summary="Upload a photo", operation_id="uploadPhoto",
        parameters=(Parameter("album_id", "path", True), Parameter("upload_token", "query", True),
                    Parameter("q" + NASTY, "query", True, example=NASTY),
                    Parameter("X-Trace", "header", True, example=NASTY)),
        request_body=RequestBody("multipart/form-data", fields=(
            SchemaField("photo", "string", True, format="binary"), SchemaField("caption", "string", True,
                                                                               example="at the beach"))),
        responses=(Response("201", fields=(SchemaField("photos", "array"), SchemaField("photos.id", "integer"))),))
    share = Operation(
        "POST", "/albums/{album_id}/shares", summary="Share a photo", operation_id="sharePhoto",
        parameters=(Parameter("album_id", "path", True),),
        request_body=RequestBody("application/x-www-form-urlencoded", fields=(
            SchemaField("photo_id", "integer", True), SchemaField("note", "string", True, example=NASTY))),
        responses=(Response("200", fields=(SchemaField("url", "string"),)),))
    return ApiSpec("Gallery", "1", SpecFormat.OPENAPI_30, servers=("https://gallery.example.com/api",),
                   operations=(album, photo, share), security=("key",),
                   auth_schemes=(AuthScheme("key", "apiKey", location="query", param_name="api key"),))


def _gallery_plan(spec: ApiSpec) -> tuple[PlanStep, ...]:
    def step(key: str, *inputs: PlanInput) -> PlanStep:
        op = spec.operation(key)
        return PlanStep(spec.api_id, op.method, op.path, op.pointer, inputs, op.summary)

    album = PlanInput("album_id", "step", 1, "album.id", location="path")
    return (step("POST /albums", PlanInput("title", "question", value="Summer '24", location="body")),
            step("POST /albums/{album_id}/photos", album,
                 PlanInput("upload_token", "step", 1, "album.upload_token", location="query")),
            step("POST /albums/{album_id}/shares", album,
                 PlanInput("photo_id", "step", 2, "photos[0].id", location="body")))


def _shared(name: str) -> Callable[[], ApiSpec]:
    return lambda: _parsed(SPECS_DIR / name)


CHAIN_CASES = (
    ChainCase("stripe-cancel-every-subscription", _shared("stripe_spec3_2022-04.json"),
              planned("customer cus_123 is leaving - cancel every active subscription they have",
                      "DELETE /v1/subscriptions/{subscription_exposed_id}")),
    ChainCase("openai-fine-tune-on-my-file", _shared("openai_openapi.yaml"),
              planned("fine tune gpt-4o-mini on my training.jsonl", "POST /fine_tuning/jobs")),
    ChainCase("twilio-end-the-call-form", _shared("twilio/twilio_api_v2010.json"),
              planned("an agent is stuck on a live call to +15550001111, I don't have the call sid. end that call",
                      "POST /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json")),
    ChainCase("discord-purge-from-a-list", _shared("discord_openapi.json"),
              planned("purge the last 50 messages in #spam", "POST /channels/{channel_id}/messages/bulk-delete")),
    ChainCase("gallery-multipart-then-form", gallery_spec, _gallery_plan,
              values=(((1, "album.upload_token"), "tok=1&2 ?"), ((2, "photos[0].id"), 42))),
)


def chain_case(name: str) -> ChainCase:
    """Return the case of that name."""
    return next(c for c in CHAIN_CASES if c.name == name)


def reply_values(case: ChainCase) -> Mapping[tuple[int, str], Any]:
    """Return every (step, field) a later step reads, with the value its reply carries."""
    return {(i.step, i.field): case.value(i.step, i.field) for s in case.plan() for i in s.inputs if i.source == "step"}
