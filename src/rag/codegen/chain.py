"""One Python script that runs a plan's calls in order, passing each response field on to the next call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from src.rag.codegen import quoting as q
from src.rag.codegen.auth import AuthKind, AuthPlan
from src.rag.codegen.request import BodyKind, RequestModel, build_request
from src.rag.codegen.values import form_pairs, form_scalar
from src.rag.planning.plan import PlanInput, PlanStep
from src.rag.types import ApiSpec

_PRELUDE = '''import os
import re
from urllib.parse import quote

import requests

BASE_URL = os.environ.get("API_BASE_URL", {base}).rstrip("/")
SESSION = requests.Session()
{auth}

def pick(data, field):
    """Read a field such as items[0].id out of a decoded JSON response."""
    for part in re.findall(r"[^.\\[\\]]+|\\[\\d+\\]", field):
        data = data[int(part[1:-1])] if part.startswith("[") else data[part]
    return data


def call(method, path, **kwargs):
    """Send one request, stop on an error status, return the decoded JSON (or {{}})."""
    response = SESSION.request(method, BASE_URL + path, timeout=30, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else {{}}
'''


def chained_script(plan: Sequence[PlanStep], specs: dict[str, ApiSpec]) -> str:
    """Return a runnable Python script for the whole plan (``API_BASE_URL`` overrides the server)."""
    models = [build_request(specs[s.api], specs[s.api].operation(s.key)) for s in plan]
    first = models[0]
    keys = " → ".join(s.key for s in plan)
    lines = [f"# {q.comment('Calls, in order: ' + keys)}",
             _PRELUDE.format(base=q.py_str(first.base_url), auth=_auth_lines(first.auth))]
    for n, (step, model) in enumerate(zip(plan, models), start=1):
        lines += _step_lines(n, step, model)
    lines.append(f'print(step{len(plan)})')
    return "\n".join(lines).rstrip() + "\n"


def _auth_lines(auth: AuthPlan | None) -> str:
    if auth is None:
        return ""
    if auth.kind == AuthKind.BASIC:
        return f'SESSION.auth = (os.environ["{auth.env}"], os.environ.get("{auth.env_password}", ""))'
    if auth.kind == AuthKind.BEARER:
        return f'SESSION.headers["Authorization"] = "Bearer " + os.environ["{auth.env}"]'
    if auth.kind == AuthKind.HEADER:
        return f'SESSION.headers[{q.py_str(auth.name)}] = os.environ["{auth.env}"]'
    if auth.kind == AuthKind.QUERY:
        return f'SESSION.params = {{{q.py_str(auth.name)}: os.environ["{auth.env}"]}}'
    return f'SESSION.cookies.set({q.py_str(auth.name)}, os.environ["{auth.env}"])'


def _value(inp: PlanInput | None, default: Any) -> str:
    """Return the Python expression for an input: a field of an earlier response, or a literal."""
    if inp is None:
        return q.py_lit(default)
    if inp.source == "step":
        return f"pick(step{inp.step}, {q.py_str(inp.field)})"
    return q.py_lit(inp.value if inp.source == "question" else default)


def _step_lines(n: int, step: PlanStep, model: RequestModel) -> list[str]:
    """Render one call: its path values (percent-encoded), query, body, and the response kept as ``stepN``."""
    given = {i.name: i for i in step.inputs}
    out = ["", f"# Step {n}: {q.comment(step.key + (' — ' + step.summary if step.summary else ''))}"]
    names = {v.var: f"S{n}_{v.var}" for v in model.path_vars}
    for v in model.path_vars:
        out.append(f"{names[v.var]} = {_value(given.get(v.name), v.value)}")
    url = "".join("{quote(str(" + names[p.var] + "), safe='')}" if p.var else q.py_fstring_part(p.text)
                  for p in model.path_parts)
    kwargs = []
    query = [(name, q.py_lit(value)) for name, value in model.query if name not in given]
    query += [(i.name, _value(i, None)) for i in step.inputs if i.location == "query"]
    if query:
        kwargs.append("params={" + ", ".join(f"{q.py_str(k)}: {v}" for k, v in query) + "}")
    body = _body_arg(model, [i for i in step.inputs if i.location == "body" and i.source != "user"])
    if body:
        kwargs.append(body)
    out.append(f"step{n} = call(" + ", ".join([q.py_str(model.method), 'f"' + url + '"'] + kwargs) + ")")
    return out


def _body_arg(model: RequestModel, inputs: Sequence[PlanInput]) -> str:
    """Return the keyword argument that sends the body, with earlier responses' fields put in."""
    if model.body_kind == BodyKind.NONE or model.body is None:
        return ""
    if not isinstance(model.body, dict):
        return f"data={q.py_lit(model.body)}"
    override = {i.name: _value(i, None) for i in inputs}
    if model.body_kind == BodyKind.JSON:
        fields = {k: q.py_lit(v) for k, v in model.body.items()} | override
        return "json={" + ", ".join(f"{q.py_str(k)}: {v}" for k, v in fields.items()) + "}"
    rest = {k: v for k, v in model.body.items() if k not in override}
    pairs = [(k, q.py_lit(form_scalar(v))) for k, v in form_pairs(rest)] + list(override.items())
    if model.body_kind == BodyKind.MULTIPART:
        files = set(model.files)
        parts = [f"({q.py_str(k)}, " + (f"({q.py_str(k + '.bin')}, b\"<file contents>\")" if k in files
                                          else f"(None, str({v}))") + ")" for k, v in pairs]
        return "files=[" + ", ".join(parts) + "]"
    return "data=[" + ", ".join(f"({q.py_str(k)}, {v})" for k, v in pairs) + "]"
