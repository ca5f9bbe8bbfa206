"""What a few chain templates need beyond the shared chain model: Go's imports and bodies, the shells' options."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlencode

from src.rag.codegen import quoting as q
from src.rag.codegen import targets
from src.rag.codegen.auth import AuthKind, AuthPlan
from src.rag.codegen.chain import Arg, ChainModel, ChainStep, Ref, json_text
from src.rag.codegen.literals import go_lit, go_map, go_str


def go_pick(ref: Ref) -> str:
    """Return the Go expression that reads a response field: ``pick(step1, "data", 0, "id")``."""
    keys = "".join(", " + (str(k) if isinstance(k, int) else go_str(k)) for k in ref.path)
    return f"pick(step{ref.step}{keys})"


def _go_value(arg: Arg, indent: int) -> str:
    return go_pick(arg.ref) if arg.ref else go_lit(arg.literal, indent)


def go_chain_context(chain: ChainModel) -> dict[str, Any]:
    """Return the Go imports the program uses (Go refuses unused ones) and each JSON body as gofmt lays it out."""
    names = {"bytes", "encoding/json", "fmt", "io", "log", "net/http", "os", "strings", "time"}
    encodes = chain.has_query or any(s.path_args or s.kind == "form" for s in chain.steps)
    names |= {"net/url"} if encodes else set()
    names |= {"mime/multipart"} if "multipart" in chain.kinds else set()
    payloads = {s.number: go_map([(go_str(a.name), _go_value(a, 2)) for a in s.json_fields], 1)
                for s in chain.steps if s.json_fields}
    payloads |= {s.number: go_lit(s.json_value, 1) for s in chain.steps if s.kind == "json" and not s.json_fields}
    return {"go_imports": sorted(names), "go_payloads": payloads}


def jq_filter(ref: Ref) -> str:
    """Return the jq path of a response field: ``.["data"][0]["id"]``."""
    return "." + "".join(f"[{k}]" if isinstance(k, int) else f"[{json.dumps(k)}]" for k in ref.path)


def _read(arg: Arg, mode: str) -> str:
    """Return the shell line that reads a response field into the arg's variable.

    ``mode``: "uri" percent-encodes it for a URL, "text" keeps its text, "json" keeps it as JSON.
    """
    flag, tail = {"uri": ("-r", " | @uri"), "text": ("-r", ""), "json": ("-c", "")}[mode]
    return f'{arg.var}=$(jq {flag} {q.sh(jq_filter(arg.ref) + tail)} <<<"$STEP{arg.ref.step}")'


def _shell_reads(step: ChainStep, json_mode: str = "json") -> list[str]:
    """Return the lines that set a step's variables: path values, then every response field it sends."""
    lines = [f"{a.var}={q.sh(a.shell_text)}" if a.ref is None else _read(a, "uri") for a in step.path_args]
    lines += [_read(a, "uri") for a in step.query if a.ref]
    lines += [_read(a, json_mode) for a in step.json_fields if a.ref]
    lines += [_read(a, "text") for a in step.form if a.ref]
    return lines


def _url(step: ChainStep, query: list[Arg], auth: AuthPlan | None) -> tuple[str, bool]:
    """Return the step's URL as one shell word, and whether curl must take brackets and braces in it literally.

    Literal query pairs are encoded here; values from responses were read percent-encoded into variables.
    """
    names = {a.var for a in step.path_args}
    pieces = [("BASE_URL", True)] + [(var, True) if var in names else (text, False) for text, var in step.path_pieces]
    literal = urlencode([(a.name, str(a.literal)) for a in query if a.ref is None])
    pairs = ([[(literal, False)]] if literal else []) + [[(quote(a.name, safe="") + "=", False), (a.var, True)]
                                                         for a in query if a.ref]
    if auth and auth.kind == AuthKind.QUERY:
        pairs.append([(quote(auth.name, safe="") + "=", False), (auth.env, True)])
    for n, pair in enumerate(pairs):
        pieces += [("?" if n == 0 else "&", False), *pair]
    globoff = any(not is_var and re.search(r"[\[\]{}]", text) for text, is_var in pieces)
    return q.sh_concat(pieces), globoff


def _jq_object(step: ChainStep) -> str:
    """Return the jq program that builds a JSON body, response fields passed in as ``--argjson`` variables."""
    args = [f'--argjson {a.var} "${a.var}"' for a in step.json_fields if a.ref]
    fields = ", ".join(f"{json.dumps(a.name)}: " + (f"${a.var}" if a.ref else json_text(a.literal))
                       for a in step.json_fields)
    return " ".join(["jq -n", *args, q.sh("{" + fields + "}")])


def _json_body(step: ChainStep) -> str:
    """Return a JSON body that takes nothing from a response, as the text the shells send."""
    body = {a.name: a.literal for a in step.json_fields} if step.json_fields else step.json_value
    return json.dumps(body, indent=2, ensure_ascii=False, default=str)


def curl_chain_context(chain: ChainModel) -> dict[str, Any]:
    """Return each curl step: the lines that read earlier responses, the URL, and the curl options."""
    steps = []
    for step in chain.steps:
        lines = _shell_reads(step)
        url, globoff = _url(step, list(step.query), chain.auth)
        options = targets.curl_auth(chain.auth) + ["-H " + q.sh(f"{n}: {v}") for n, v in step.headers]
        if step.content_type and step.kind in ("json", "graphql", "raw"):
            options.append("-H " + q.sh("Content-Type: " + step.content_type))
        if step.kind in ("json", "graphql") and any(a.ref for a in step.json_fields):
            lines.append(f"BODY{step.number}=$({_jq_object(step)})")
            options.append(f'--data-raw "$BODY{step.number}"')
        elif step.kind in ("json", "graphql"):
            options.append("--data-raw " + q.sh(_json_body(step)))
        elif step.kind == "form":
            options += [targets.curl_form_pair(a.name, a.literal) if a.ref is None else
                        "--data-urlencode " + q.sh_concat([(quote(a.name, safe="[]") + "=", False), (a.var, True)])
                        for a in step.form]
        elif step.kind == "multipart":
            options += [("--form " + q.sh(f"{a.name}=@{chain.upload_name}")) if a.is_file else
                        "--form-string " + (q.sh(f"{a.name}={a.literal}") if a.ref is None else
                                            q.sh_concat([(a.name + "=", False), (a.var, True)]))
                        for a in step.form]
        elif step.kind == "raw":
            options.append("--data-raw " + q.sh(step.raw_text))
        steps.append({"step": step, "lines": lines, "url": url, "globoff": globoff, "options": options})
    return {"shell_steps": steps}


def httpie_chain_context(chain: ChainModel) -> dict[str, Any]:
    """Return each HTTPie step: the lines that read earlier responses, its flags, the URL and the request items."""
    steps = []
    for step in chain.steps:
        flags: list[str] = []
        lines = _shell_reads(step)
        literal = [(a.name, str(a.literal)) for a in step.query if a.ref is None]
        query_items = targets.httpie_items_of(literal, "==")
        in_url = [a for a in step.query if a.ref or query_items is None]
        url, _ = _url(step, in_url, None)
        items = list(query_items or []) + targets.httpie_auth(chain.auth, flags)
        items += [i for i in (targets.httpie_item(n, ":", v) for n, v in step.headers) if i]
        items += _httpie_body(step, chain, flags, lines)
        steps.append({"step": step, "lines": lines, "url": url, "flags": flags, "options": items})
    return {"shell_steps": steps}


def _httpie_body(step: ChainStep, chain: ChainModel, flags: list[str], lines: list[str]) -> list[str]:
    """Return the body items (or the --raw body built with jq) of one HTTPie step."""
    if step.kind in ("json", "graphql") and step.json_fields:
        items = [targets.httpie_item(a.name, "=" if isinstance(a.literal, str) and step.kind == "json" else ":=",
                                     a.literal if isinstance(a.literal, str) and step.kind == "json"
                                     else json.dumps(a.literal, ensure_ascii=False))
                 if a.ref is None else _ref_item(a.name, ":=", a.var) for a in step.json_fields]
        if None not in items:
            return items  # type: ignore[return-value]
        flags.append("--json")
        if not step.refs:
            return ["--raw " + q.sh(_json_body(step))]
        lines.append(f"BODY{step.number}=$({_jq_object(step)})")
        return [f'--raw "$BODY{step.number}"']
    if step.kind == "json":
        flags.append("--json")
        return ["--raw " + q.sh(_json_body(step))]
    if step.kind == "form":
        items = [targets.httpie_item(a.name, "=", str(a.literal)) if a.ref is None else _ref_item(a.name, "=", a.var)
                 for a in step.form]
        if None not in items:
            flags.append("--form")
            return items  # type: ignore[return-value]
        pairs = ", ".join(f"[{json.dumps(a.name)}, " + (f"${a.var}" if a.ref else json.dumps(str(a.literal))) + "]"
                          for a in step.form)
        args = " ".join(f'--arg {a.var} "${a.var}"' for a in step.form if a.ref)
        program = q.sh(f'[{pairs}] | map(map(@uri) | join("=")) | join("&")')
        lines.append(f"BODY{step.number}=$(jq -rn {args + ' ' if args else ''}{program})")
        return [q.sh("Content-Type:application/x-www-form-urlencoded"), f'--raw "$BODY{step.number}"']
    if step.kind == "multipart":
        flags.append("--multipart")
        return [q.sh(targets.httpie_key(a.name) + "@" + chain.upload_name) if a.is_file else
                q.sh(targets.httpie_key(a.name) + "=" + str(a.literal)) if a.ref is None else
                q.sh_concat([(targets.httpie_key(a.name) + "=", False), (a.var, True)]) for a in step.form]
    if step.kind == "raw":
        header = [] if not step.content_type else [q.sh("Content-Type:" + step.content_type)]
        return header + ["--raw " + q.sh(step.raw_text)]
    return []


def _ref_item(name: str, sep: str, var: str) -> str | None:
    """Return an HTTPie item whose value is a shell variable, or None when the name cannot be an item."""
    return q.sh_concat([(name + sep, False), (var, True)]) if targets.httpie_item(name, sep, "x") else None
