"""The chained script's shared model: a plan's calls in order, each value a literal or a field of an earlier response.

One language-neutral `ChainModel` is built per plan; each language renders it through its chain template
(`templates/chain/`), so every language sends the same requests with the same values.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from src.rag.codegen.auth import AuthPlan, shared_auth
from src.rag.codegen.request import BodyKind, RequestModel, build_request, var_name
from src.rag.codegen.targets import media_type
from src.rag.codegen.values import form_pairs
from src.rag.codegen.wire import UPLOAD_NAME, body_content_type, path_text, path_value, query_pairs
from src.rag.planning.plan import PlanInput, PlanStep
from src.rag.types import ApiSpec

_FIELD_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


@dataclass(frozen=True)
class Ref:
    """A field of an earlier step's decoded JSON response: ``step`` 1-based, ``path`` keys and list indexes."""

    step: int
    field: str
    path: tuple[str | int, ...]


@dataclass(frozen=True)
class Arg:
    """One named value a call sends: a literal (JSON-like) or, when ``ref`` is set, an earlier response's field.

    ``var`` names the variable a path value is kept in; ``is_file`` marks a multipart file part.
    """

    name: str
    literal: Any = None
    ref: Ref | None = None
    var: str = ""
    is_file: bool = False
    # A path literal as the single-call shell samples put it into the URL (percent-encoded when the user typed it).
    shell_text: str = ""


@dataclass(frozen=True)
class ChainStep:
    """One call of the chain, language-neutral."""

    number: int
    key: str
    summary: str
    method: str
    path_args: tuple[Arg, ...]
    # The path after the base URL: (literal text, "") or ("", var of a path Arg), the text already URL-safe.
    path_pieces: tuple[tuple[str, str], ...]
    query: tuple[Arg, ...]
    headers: tuple[tuple[str, str], ...]
    kind: str  # none | json | form | multipart | raw | graphql
    json_fields: tuple[Arg, ...] = ()  # an object body (GraphQL: query and variables), field by field
    json_value: Any = None  # a JSON body that is not an object, sent as it is
    form: tuple[Arg, ...] = ()  # form and multipart fields, in order
    raw_text: str = ""
    content_type: str = ""  # the Content-Type the script sets itself ('' when the encoder sets it)
    media_type: str = ""  # the body's media type, for clients that take it beside the body
    kept: bool = True  # the response is read by a later step or printed

    @property
    def refs(self) -> tuple[Ref, ...]:
        """Return every earlier-response field this call reads."""
        args = self.path_args + self.query + self.json_fields + self.form
        return tuple(a.ref for a in args if a.ref is not None)

    @property
    def text_refs(self) -> bool:
        """Tell whether a response field goes into the URL or a form, where it travels as text."""
        return any(a.ref for a in self.path_args + self.query + self.form)


@dataclass(frozen=True)
class ChainModel:
    """A plan as one script: the shared base URL and auth, then the calls in order."""

    title: str
    base_url: str
    auth: AuthPlan | None
    notes: tuple[str, ...]
    steps: tuple[ChainStep, ...]
    upload_name: str = UPLOAD_NAME

    @property
    def refs(self) -> tuple[Ref, ...]:
        """Return every response field any call reads."""
        return tuple(r for s in self.steps for r in s.refs)

    @property
    def kinds(self) -> set[str]:
        """Return the body kinds the calls send."""
        return {s.kind for s in self.steps}

    @property
    def has_query(self) -> bool:
        """Tell whether any call sends a query string (its own parameters or a query API key)."""
        return any(s.query for s in self.steps) or bool(self.auth and self.auth.kind.value == "query")

    @property
    def has_files(self) -> bool:
        """Tell whether any multipart call uploads a file part."""
        return any(a.is_file for s in self.steps for a in s.form)

    @property
    def text_refs(self) -> bool:
        """Tell whether any response field travels as text (in a URL or a form)."""
        return any(s.text_refs for s in self.steps)


def field_path(field: str) -> tuple[str | int, ...]:
    """Split a response field such as ``items[0].id`` or ``[0].user.id`` into keys and list indexes."""
    return tuple(int(m.group(1)) if m.group(1) is not None else m.group(2) for m in _FIELD_PART.finditer(field))


def build_chain(plan: Sequence[PlanStep], specs: Mapping[str, ApiSpec]) -> ChainModel:
    """Return the chain model of a plan: every step's request, with question values and earlier fields put in."""
    steps = [(s, specs[s.api], specs[s.api].operation(s.key)) for s in plan]
    steps = [(step, spec, op) for step, spec, op in steps if op is not None]
    models = [build_request(spec, op, values=_question_values(step)) for step, spec, op in steps]
    plan = [step for step, _, _ in steps]
    read = {i.step for step in plan for i in step.inputs if i.source == "step"}
    chain = [_step(n, step, model, n in read or n == len(plan))
             for n, (step, model) in enumerate(zip(plan, models), start=1)]
    first = models[0]
    # Postman requests carry their auth as a header rather than a declared scheme; the first one stands.
    auth = shared_auth([(spec, op) for _, spec, op in steps]) or next((m.auth for m in models if m.auth), None)
    return ChainModel(title="Calls, in order: " + " → ".join(s.key for s in plan),
                      base_url=first.base_url, auth=auth, notes=first.notes, steps=tuple(chain))


def _question_values(step: PlanStep) -> dict[str, Any]:
    return {i.name: i.value for i in step.inputs if i.source == "question"}


def _ref(inp: PlanInput) -> Ref:
    return Ref(inp.step, inp.field, field_path(inp.field))


def _step(n: int, step: PlanStep, model: RequestModel, kept: bool) -> ChainStep:
    """Turn one step's request model into a chain step, each input from an earlier step read from its response."""
    fed = {i.name: (i.location, _ref(i)) for i in step.inputs if i.source == "step"}

    def refs(location: str) -> dict[str, Ref]:
        return {name: ref for name, (where, ref) in fed.items() if where == location}

    in_path = refs("path")
    path_args = tuple(Arg(v.name, path_value(v), in_path.get(v.name), f"S{n}_{v.var}", shell_text=str(v.value))
                      for v in model.path_vars)
    names = {v.var: f"S{n}_{v.var}" for v in model.path_vars}
    pieces = tuple(("", names[p.var]) if p.var else (path_text(p.text), "") for p in model.path_parts)
    query = _with_refs([Arg(name, value) for name, value in query_pairs(model)], refs("query"))
    body = refs("body")
    fields = _json_fields(model, body) if model.body_kind == BodyKind.JSON else {}
    form = _form(model, body) if model.body_kind in (BodyKind.FORM, BodyKind.MULTIPART) else ()
    # Every response field gets a variable of its own too, for the scripts (the shells) that read it into one.
    taken = {v.var for v in model.path_vars}
    query, json_args, form = ([_named(a, n, taken) for a in args] for args in (query, fields.get("fields", ()), form))
    return ChainStep(
        number=n, key=step.key, summary=step.summary or model.summary, method=model.method,
        path_args=path_args, path_pieces=pieces, query=tuple(query), headers=model.headers,
        kind="graphql" if model.graphql else model.body_kind.value,
        json_fields=tuple(json_args), json_value=fields.get("value"), form=tuple(form),
        raw_text=str(model.body) if model.body_kind == BodyKind.RAW else "",
        content_type=body_content_type(model), media_type=_media_type(model), kept=kept)


def _named(arg: Arg, n: int, taken: set[str]) -> Arg:
    return dataclasses.replace(arg, var=f"S{n}_{var_name(arg.name, taken)}") if arg.ref else arg


def _with_refs(args: list[Arg], refs: Mapping[str, Ref]) -> list[Arg]:
    """Put each earlier-response field in its parameter's first place (dropping repeats), new names at the end."""
    out: list[Arg] = []
    for arg in args:
        if arg.name not in refs:
            out.append(arg)
        elif all(a.name != arg.name for a in out):
            out.append(Arg(arg.name, None, refs[arg.name]))
    return out + [Arg(name, None, ref) for name, ref in refs.items() if all(a.name != name for a in out)]


def _json_fields(model: RequestModel, refs: Mapping[str, Ref]) -> dict[str, Any]:
    if not isinstance(model.body, dict):
        return {"value": model.body}
    fields = [Arg(str(k), None if str(k) in refs else v, refs.get(str(k))) for k, v in model.body.items()]
    fields += [Arg(k, None, r) for k, r in refs.items() if k not in model.body]
    return {"fields": fields}


def _form(model: RequestModel, refs: Mapping[str, Ref]) -> tuple[Arg, ...]:
    """Flatten the body to form fields; a field from an earlier response replaces every pair it spans."""
    files = set(model.files)
    body = model.body if isinstance(model.body, dict) else {}
    out: list[Arg] = []
    for key, value in body.items():
        if key in refs:
            out.append(Arg(key, None, refs[key]))
        else:
            out += [Arg(name, str(v), is_file=name in files) for name, v in form_pairs({key: value})]
    out += [Arg(k, None, r) for k, r in refs.items() if k not in body]
    return tuple(out)


def _media_type(model: RequestModel) -> str:
    return media_type(model) if model.body_kind != BodyKind.NONE else ""


def json_text(value: Any) -> str:
    """Return compact JSON text for a literal (scripts that build the body as text splice it in)."""
    return json.dumps(value, ensure_ascii=True, default=str)
