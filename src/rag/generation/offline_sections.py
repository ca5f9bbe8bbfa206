"""Markdown sections of an offline answer; every spec-derived string is escaped or kept inside a code span."""

from __future__ import annotations

import re
from typing import Any

from src.core.security import escape_markdown
from src.rag.generation.offline_match import Candidate
from src.rag.codegen import build_request
from src.rag.textutil import first_sentence, plain, split_identifier, surface_word, tokenize, truncate
from src.rag.types import ApiSpec, AuthScheme, Operation, Parameter, SchemaField, SpecFormat

MAX_REQUIRED = 12
MAX_OPTIONAL = 5
_OPENAPI = {SpecFormat.OPENAPI_30, SpecFormat.OPENAPI_31, SpecFormat.SWAGGER_20}
_CLAIM = re.compile(r"(\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE)\s+|\\#)/")
_WHERE = {"path": "the path", "summary": "the summary", "description": "the description",
          "parameters": "the parameter names"}


def md_code(text: Any) -> str:
    """Return an inline code span that no backtick, newline or markup in ``text`` can escape."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())[:300]
    run = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (run + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_prose(text: str, limit: int = 220) -> str:
    """Return description text as one escaped line: tags and link targets dropped, length capped.

    Endpoint-like text in spec prose (``GET /quotes`` in a Postman request name) is quoted, not claimed by
    the answer, so its slash is escaped: it renders the same but is not taken for an endpoint mention.
    """
    out = []
    # Spec prose often marks identifiers with backticks; keep those as (safe) code spans.
    for i, part in enumerate(re.split(r"`([^`\n]{1,80})`", truncate(plain(text), limit))):
        if i % 2 and not _CLAIM.match(part + " "):
            out.append(md_code(part))
        else:
            out.append(_CLAIM.sub(r"\1\\/", escape_markdown(part if i % 2 == 0 else f"`{part}`")))
    return "".join(out)


def md_fence(code: str, language: str) -> str:
    """Return a fenced code block whose fence is longer than any backtick run inside the code."""
    run = max((len(m) for m in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, run + 1)
    return f"{fence}{language}\n{code.rstrip()}\n{fence}"


def pointer(cand: Candidate) -> str:
    """Return the operation's JSON pointer (the hit's source when the operation has none)."""
    return cand.op.pointer or cand.hit.source


def sub_pointer(spec: ApiSpec, op: Operation, *parts: str) -> str:
    """Return a pointer below the operation when the spec format places that part there, else the operation's."""
    if spec.format in _OPENAPI and op.pointer.startswith(("#/paths/", "#/webhooks/")):
        if parts[0] != "requestBody" or spec.format != SpecFormat.SWAGGER_20:
            return "/".join((op.pointer, *(p.replace("~", "~0").replace("/", "~1") for p in parts)))
    return op.pointer


def summary_of(op: Operation) -> str:
    """Return the operation's summary, or the first sentence of its description when it has none."""
    # Postman request names are often just "GET /quotes", which the heading already says.
    summary = "" if _CLAIM.match(op.summary.strip() + " ") else op.summary
    return (summary or first_sentence(op.description, 120)).strip().rstrip(".")


def why_line(cand: Candidate) -> str:
    """Explain why retrieval ranks this operation here and which of the question's words it matches, and where."""
    ranked = f"Why it ranks here: {'; '.join(cand.hit.reasons)}. " if cand.hit.reasons else ""
    if not cand.matches:
        return ranked + "It is the closest match to your question by meaning (no exact word overlap)."
    names = [p.name for p in cand.op.parameters] + [f.name for f in _body_fields(cand.op) if "." not in f.name]
    found = []
    for term in sorted(cand.terms, key=lambda t: min(i for i, w in enumerate(_order(cand)) if w == t)):
        places = [_WHERE[p] for p, words in cand.matches.items() if term in words and p != "parameters"]
        if not places and term in cand.matches.get("parameters", ()):
            params = [n for n in names if term in tokenize(" ".join(split_identifier(n)))][:2]
            places.append("the parameter" + ("s " if len(params) > 1 else " ") + " and ".join(map(md_code, params)))
        # The stem is an index key ("movy"); the user reads the word as the spec writes it ("movies").
        shown = surface_word(term, f"{cand.op.path} {cand.op.summary} {cand.op.description} {' '.join(names)}")
        found.append(f"*{escape_markdown(shown)}* ({', '.join(places)})")
    return ranked + "Matched words from your question: " + "; ".join(found) + "."


def _order(cand: Candidate) -> list[str]:
    return [t for words in cand.matches.values() for t in words]


def _body_fields(op: Operation) -> tuple[SchemaField, ...]:
    return op.request_body.fields if op.request_body else ()


def _facts(type_: str, location: str, required: bool, enum: tuple, default: Any) -> str:
    bits = [md_code(type_ or "any")]
    if location:
        bits.append(escape_markdown(location))
    bits.append("required" if required else "optional")
    if enum:
        shown = ", ".join(md_code(e) if str(e) else md_code('""') for e in enum[:8])
        bits.append("one of " + shown + (f" (+{len(enum) - 8} more)" if len(enum) > 8 else ""))
    if default is not None:
        bits.append("default " + md_code(default))
    return ", ".join(bits)


def _item(name: str, facts: str, description: str) -> str:
    desc = md_prose(description, 160)
    return f"- {md_code(name)} ({facts})" + (f" — {desc}" if desc else "")


def _pick(items: list, cand: Candidate, text_of, limit: int) -> list:
    """Choose the optional items worth showing, kept in spec order.

    Items score for question words the path does not already carry, for being in the code sample, and
    for what the spec says about them (enum, description, example).
    """
    terms = cand.terms - set(cand.matches.get("path", ()))
    request = build_request(cand.spec, cand.op)
    in_sample = {n for n, _ in request.query} | (set(request.body) if isinstance(request.body, dict) else set())

    def score(item) -> int:
        name, desc, enum, hinted = text_of(item)
        words = set(tokenize(" ".join(split_identifier(name))))
        return 3 * len(words & terms) + 2 * (name in in_sample) + bool(enum) + bool(desc) + bool(hinted)

    keep = {id(i) for i in sorted(items, key=score, reverse=True)[:limit]}
    return [i for i in items if id(i) in keep]


def parameters_block(cand: Candidate) -> list[str]:
    """List required parameters and the most relevant optional ones."""
    params = [p for p in cand.op.parameters if not p.deprecated]
    if not params:
        return []
    required = [p for p in params if p.required]
    optional = [p for p in params if not p.required]
    shown = _pick(optional, cand, lambda p: (p.name, p.description, p.enum, p.default is not None), MAX_OPTIONAL)
    lines = [f"**Parameters** (source: {md_code(pointer(cand))})"]
    lines += [_param(p) for p in required[:MAX_REQUIRED]] + [_param(p) for p in shown]
    rest = len(required[MAX_REQUIRED:]) + len(optional) - len(shown)
    return lines + ([f"- …and {rest} more optional parameters in the spec."] if rest else [])


def _param(p: Parameter) -> str:
    return _item(p.name, _facts(p.type, p.location, p.required, p.enum, p.default), p.description)


def body_block(cand: Candidate) -> list[str]:
    """Describe the request body: content type, required fields, the most relevant optional fields."""
    body = cand.op.request_body
    if body is None or not (body.fields or body.example is not None or body.raw_example or body.schema_name):
        return []
    fields = [f for f in body.fields if not f.deprecated and "." not in f.name]
    required = [f for f in fields if f.required]
    optional = [f for f in fields if not f.required]
    shown = _pick(optional, cand, lambda f: (f.name, f.description, f.enum, f.example is not None), MAX_OPTIONAL)
    where = sub_pointer(cand.spec, cand.op, "requestBody")
    head = f"**Request body** {md_code(body.content_type)}" + (" (required)" if body.required else "")
    lines = [f"{head} — source: {md_code(where)}"]
    if body.schema_name:
        lines.append(f"Schema {md_code(body.schema_name)}." + (f" {md_prose(body.description)}" if body.description else ""))
    lines += [_field(f) for f in required[:MAX_REQUIRED]] + [_field(f) for f in shown]
    rest = len(required[MAX_REQUIRED:]) + len(optional) - len(shown)
    if rest:
        lines.append(f"- …and {rest} more fields in the spec.")
    if not required and fields:
        lines.append("The spec marks no body field as required.")
    return lines


def _field(f: SchemaField) -> str:
    return _item(f.name, _facts(f.type, "", f.required, f.enum, f.default), f.description)


def auth_block(spec: ApiSpec, op: Operation) -> list[str]:
    """Say how to authenticate, citing each declared scheme."""
    names = op.security or spec.security
    schemes = [s for s in (spec.auth_scheme(n) for n in names) if s is not None]
    if not schemes:
        header = next((v for n, v in op.headers if n.lower() == "authorization"), "")
        if header:
            return [f"**Authentication** — the request sends an {md_code('Authorization')} header "
                    f"({md_code(header.split(' ')[0] + ' …')})."]
        return ["**Authentication** — the spec declares none for this endpoint."]
    lines = ["**Authentication** — any one of:" if len(schemes) > 1 else "**Authentication**"]
    for s in schemes:
        source = f" — source: {md_code(s.pointer)}" if s.pointer else ""
        lines.append(f"- {md_code(s.name)}: {how_to_send(s)}{source}")
    return lines


def how_to_send(s: AuthScheme) -> str:
    """Say how a request carries this scheme's credentials (which header, parameter or cookie)."""
    kind, scheme = s.type.lower(), s.scheme.lower()
    if kind == "http" and scheme == "basic":
        return f"HTTP basic auth, header {md_code('Authorization: Basic <base64 user:password>')}"
    if kind == "http" and scheme in {"bearer", ""}:
        return f"HTTP bearer token, header {md_code('Authorization: Bearer <token>')}"
    if kind == "http":
        return f"HTTP {escape_markdown(scheme)} authentication"
    if kind == "apikey":
        where = {"header": "header", "query": "query parameter", "cookie": "cookie"}.get(s.location.lower(), "field")
        return f"API key in the {where} {md_code(s.param_name)}" if s.param_name else f"API key (in a {where})"
    if kind in {"oauth2", "openidconnect"}:
        return f"OAuth 2.0 access token, header {md_code('Authorization: Bearer <token>')}"
    return escape_markdown(s.type)


def response_block(cand: Candidate) -> list[str]:
    """Summarise the success response: status, description, schema and its main fields."""
    responses = cand.op.responses
    ok = next((r for r in responses if r.status.startswith("2")), None) or next(iter(responses), None)
    if ok is None:
        return []
    where = sub_pointer(cand.spec, cand.op, "responses", ok.status)
    line = f"**Response** {md_code(ok.status)}"
    if ok.description:
        line += f" — {md_prose(ok.description, 160)}"
    if ok.schema_name:
        line += f" Returns a {md_code(ok.schema_name)} object."
    main = [f for f in ok.fields if "." not in f.name]
    main = sorted(main, key=lambda f: not f.required)[:8]
    if main:
        line += " Main fields: " + ", ".join(md_code(f.name) for f in main) + "."
    return [line + f" (source: {md_code(where)})"]
