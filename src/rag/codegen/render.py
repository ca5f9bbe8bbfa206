"""Render a request model through one Jinja template per language."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

import jinja2

from src.rag.codegen import quoting as q
from src.rag.codegen import targets
from src.rag.codegen.auth import AuthKind, AuthPlan
from src.rag.codegen.chain import ChainModel, json_text
from src.rag.codegen.languages import LANGUAGES
from src.rag.codegen.request import BodyKind, RequestModel
from src.rag.codegen.values import form_scalar
from src.rag.codegen.wire import has_header, path_text, query_pairs, wire

# The scripting samples that came first keep their own context builders below; every other language
# renders from the shared wire view plus the extras its registry entry names.
_SCRIPT_CONTEXTS = ("curl", "python", "javascript")
LABELS = {key: lang.label for key, lang in LANGUAGES.items()}
_REQUESTS_VERBS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
# The local file a multipart sample uploads for a binary field.
FILE_NAME = "upload.bin"


@cache
def _env(language: str) -> jinja2.Environment:
    # Code, not HTML: autoescape off; every spec string goes through a language quoting filter instead.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("src.rag.codegen", "templates"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(py=lambda v, indent=0: q.py_lit(v, indent), js=lambda v, indent=0: q.js_lit(v, indent),
                       sh=q.sh, comment=q.comment, go_text=targets.go_text, fstring=q.py_fstring_part,
                       json=json_text)
    env.tests["content_type"] = lambda name: str(name).lower() == "content-type"
    env.filters.update(LANGUAGES[language].filters)
    return env


def compile_templates() -> None:
    """Compile every language's template now (each takes a noticeable moment the first time it is used)."""
    for key, lang in LANGUAGES.items():
        _env(key).get_template(lang.template)


def render(language: str, model: RequestModel, title: str) -> str:
    """Render the sample for one language."""
    lang = LANGUAGES[language]
    context: dict[str, Any] = {"model": model, "auth": model.auth, "title": title}
    if language in _SCRIPT_CONTEXTS:
        context.update({"curl": _curl, "python": _python, "javascript": _javascript}[language](model))
    else:
        context.update(wire(model))
        for extra in lang.extras:
            context.update(extra(model))
    code = _env(language).get_template(lang.template).render(context).rstrip() + "\n"
    # Optional sections leave runs of blank lines. Only templates whose literals never hold a raw newline
    # may be squeezed (shell bodies, text blocks and verbatim strings may hold blank lines).
    return re.sub(r"\n{3,}", "\n\n", code) if language in _SQUEEZABLE else code


_SQUEEZABLE = {"python", "javascript", "typescript", "go", "php", "ruby", "powershell"}


def render_chain(language: str, chain: ChainModel) -> str:
    """Render the chained multi-step script of a plan for one language."""
    lang = LANGUAGES[language]
    context: dict[str, Any] = {"chain": chain, "auth": chain.auth}
    for extra in lang.chain_extras:
        context.update(extra(chain))
    return _env(language).get_template(lang.chain_template).render(context).rstrip() + "\n"


def _python(model: RequestModel) -> dict[str, Any]:
    parts = q.py_fstring_part(model.base_url) + "".join(
        "{" + p.var + "}" if p.var else q.py_fstring_part(path_text(p.text)) for p in model.path_parts)
    headers = [(q.py_str(n), q.py_str(v)) for n, v in model.headers]
    # Query values go out as text; True must be sent as "true", not Python's "True".
    params = [(q.py_str(n), q.py_lit([form_scalar(x) for x in v] if isinstance(v, list) else form_scalar(v)))
              for n, v in model.query]
    auth = model.auth
    if auth and auth.kind == AuthKind.BEARER:
        headers.insert(0, ('"Authorization"', f'f"Bearer {{{auth.env}}}"'))
    elif auth and auth.kind == AuthKind.HEADER:
        headers.insert(0, (q.py_str(auth.name), auth.env))
    elif auth and auth.kind == AuthKind.QUERY:
        params.append((q.py_str(auth.name), auth.env))
    if model.body_kind == BodyKind.RAW and model.content_type and not has_header(model, "content-type"):
        headers.append(('"Content-Type"', q.py_str(model.content_type)))
    form: dict[str, Any] = {}
    for key, value in model.form:
        form[key] = form[key] + [value] if isinstance(form.get(key), list) else ([form[key], value] if key in form else value)
    return {
        "py_call": model.method.lower() if model.method in _REQUESTS_VERBS else "request",
        "py_url": 'f"' + parts + '"' if model.path_vars else q.py_str(model.base_url + _literal_path(model)),
        "headers": _py_mapping(headers),
        "params": _py_mapping(params),
        "form_dict": form,
        # a file field goes as a file part (a file name makes it one); other fields as plain form parts
        "multipart": {k: (FILE_NAME, str(v)) if k in model.files else (None, str(v)) for k, v in model.form},
        "text_block": _text_lines(model),
        "text_block_name": "QUERY" if model.graphql else "PAYLOAD",
    }


def _literal_path(model: RequestModel) -> str:
    return "".join(path_text(p.text) for p in model.path_parts)


def _py_mapping(items: list[tuple[str, str]]) -> str:
    """Render a dict display from already-quoted keys and value expressions (env variables stay code)."""
    return q.wrap("{", [f"{k}: {v}" for k, v in items], "}", 4) if items else ""


def _text_lines(model: RequestModel) -> list[str]:
    """Split a GraphQL document or multi-line raw body into lines that keep their newline."""
    text = model.body["query"] if model.graphql else model.body if model.body_kind == BodyKind.RAW else ""
    if "\n" not in str(text) and not model.graphql:
        return []
    lines = str(text).split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def _javascript(model: RequestModel) -> dict[str, Any]:
    parts = q.js_template_part(model.base_url) + "".join(
        "${" + p.var + "}" if p.var else q.js_template_part(path_text(p.text)) for p in model.path_parts)
    params = [(q.js_str(n), q.js_str(v)) for n, v in query_pairs(model)]
    headers = [(n, q.js_str(v)) for n, v in model.headers]
    auth = model.auth
    if auth:
        params += [(q.js_str(auth.name), auth.env)] if auth.kind == AuthKind.QUERY else []
        header = _js_auth_header(auth)
        headers = ([header] if header else []) + headers
    if model.body_kind == BodyKind.JSON or (model.body_kind == BodyKind.RAW and model.content_type):
        if not has_header(model, "content-type"):
            headers.append(("Content-Type", q.js_str(model.content_type or "application/json")))
    return {
        "js_url": "`" + parts + "`" if model.path_vars else q.js_str(model.base_url + _literal_path(model)),
        "params_list": params,
        "js_headers": headers,
        "form_strings": [[k, str(v)] for k, v in model.form],
        "graphql_lines": str(model.body["query"]).split("\n") if model.graphql else [],
    }


def _js_auth_header(auth: AuthPlan) -> tuple[str, str] | None:
    if auth.kind == AuthKind.BEARER:
        return "Authorization", "`Bearer ${" + auth.env + "}`"
    if auth.kind == AuthKind.BASIC:
        return "Authorization", '"Basic " + btoa(`${API_USERNAME}:${API_PASSWORD}`)'
    if auth.kind == AuthKind.HEADER:
        return auth.name, auth.env
    if auth.kind == AuthKind.COOKIE:
        return "Cookie", q.js_str(auth.name + "=") + " + " + auth.env
    return None


def _curl(model: RequestModel) -> dict[str, Any]:
    pieces = [(model.base_url, False)] + [(p.var or path_text(p.text), bool(p.var)) for p in model.path_parts]
    query = urlencode(query_pairs(model))
    auth = model.auth
    if query:
        pieces.append(("?" + query, False))
    if auth and auth.kind == AuthKind.QUERY:
        pieces += [(("&" if query else "?") + quote(auth.name, safe="") + "=", False), (auth.env, True)]
    lines = targets.curl_auth(auth) + ["-H " + q.sh(f"{n}: {v}") for n, v in model.headers] + _curl_body(model)
    literal = "".join(t for t, is_var in pieces if not is_var)
    return {"sh_url": q.sh_concat(pieces), "curl_lines": lines, "globoff": bool(re.search(r"[\[\]{}]", literal))}


def _curl_body(model: RequestModel) -> list[str]:
    kind = model.body_kind
    if kind == BodyKind.JSON:
        text = json.dumps(model.body, indent=2, ensure_ascii=False, default=str)
        return ["-H " + q.sh("Content-Type: " + (model.content_type or "application/json")), "--data-raw " + q.sh(text)]
    if kind == BodyKind.FORM:
        return [targets.curl_form_pair(k, v) for k, v in model.form]
    if kind == BodyKind.MULTIPART:
        # --form-string never treats a leading @ or < as "read this file".
        return [("--form " + q.sh(f"{k}=@{FILE_NAME}")) if k in model.files else "--form-string " + q.sh(f"{k}={v}")
                for k, v in model.form]
    if kind == BodyKind.RAW:
        header = [] if has_header(model, "content-type") else ["-H " + q.sh("Content-Type: " + model.content_type)]
        return header + ["--data-raw " + q.sh(str(model.body))]
    return []
