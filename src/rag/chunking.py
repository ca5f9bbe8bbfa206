"""Turn a normalised `ApiSpec` into chunks: one per operation, schema, auth scheme and doc section, plus an overview.

Each chunk keeps the full detail in its stored document (`text`) and a dense digest for the embedder
(`embed_text`) sized to what all-MiniLM-L6-v2 reads (256 word pieces, roughly 900 characters of prose).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from src.rag.textutil import first_sentence, path_resources, plain, split_identifier, truncate
from src.rag.types import ApiSpec, Chunk, ChunkKind, DocSection, Operation, SchemaDef, SchemaField

EMBED_CHARS = 900
MAX_FIELDS = 40


def chunk_spec(spec: ApiSpec) -> list[Chunk]:
    """Return every chunk of an API, with deterministic ids ``{api}:{kind}:{key}``."""
    chunks = [_overview_chunk(spec)]
    chunks += [_operation_chunk(spec, op) for op in spec.operations]
    chunks += [_schema_chunk(spec, s) for s in spec.schemas]
    chunks += [_auth_chunk(spec, i) for i in range(len(spec.auth_schemes))]
    chunks += [_doc_chunk(spec, i, d) for i, d in enumerate(spec.docs)]
    return _dedupe(chunks)


def text_hash(text: str) -> str:
    """Return the content hash used for embedding caches and change detection."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _dedupe(chunks: list[Chunk]) -> list[Chunk]:
    seen: dict[str, Chunk] = {}
    for c in chunks:
        seen.setdefault(c.id, c)
    return list(seen.values())


def _base_meta(spec: ApiSpec, kind: ChunkKind, title: str, source: str) -> dict:
    return {
        "api": spec.api_id,
        "api_title": spec.title,
        "version": spec.version,
        "kind": kind.value,
        "title": title,
        "source": source,
        "method": "",
        "path": "",
        "operation_id": "",
        "tags": "",
        "deprecated": False,
    }


def _make(spec: ApiSpec, kind: ChunkKind, key: str, text: str, embed: str, meta: dict) -> Chunk:
    embed = truncate(embed, EMBED_CHARS)
    meta["hash"] = text_hash(embed + "\x00" + text)
    return Chunk(id=f"{spec.api_id}:{kind.value}:{key}", api=spec.api_id, kind=kind, text=text, embed_text=embed, metadata=meta)


def _fields_line(fields: tuple[SchemaField, ...], limit: int = MAX_FIELDS) -> list[str]:
    lines = []
    for f in fields[:limit]:
        bits = [f.type, "required" if f.required else "optional"]
        if f.enum:
            bits.append("one of " + ", ".join(map(str, f.enum[:8])))
        desc = f": {first_sentence(f.description, 160)}" if f.description else ""
        lines.append(f"  - {f.name} ({', '.join(bits)}){desc}")
    if len(fields) > limit:
        lines.append(f"  - … {len(fields) - limit} more fields")
    return lines


def operation_title(op: Operation) -> str:
    """Return the display title of an operation: ``POST /v1/refunds — Create a refund``."""
    label = plain(op.summary) or first_sentence(op.description, 80) or " ".join(split_identifier(op.operation_id))
    return f"{op.method} {op.path}" + (f" — {truncate(label, 100)}" if label else "")


def operation_document(spec: ApiSpec, op: Operation) -> str:
    """Render the full stored document of an operation (what BM25 and the answer composer read)."""
    lines = [f"{op.method} {op.path}", f"API: {spec.title} {spec.version}"]
    if op.operation_id:
        lines.append(f"Operation id: {op.operation_id} ({' '.join(split_identifier(op.operation_id))})")
    if op.summary:
        lines.append(f"Summary: {op.summary}")
    if op.tags:
        lines.append("Tags: " + ", ".join(op.tags))
    if op.deprecated:
        lines.append("Deprecated: yes")
    if op.description:
        lines.append("Description: " + truncate(plain(op.description), 1500))
    if op.parameters:
        lines.append("Parameters:")
        for p in op.parameters[:MAX_FIELDS]:
            bits = [p.location, p.type, "required" if p.required else "optional"]
            if p.enum:
                bits.append("one of " + ", ".join(map(str, p.enum[:8])))
            desc = f": {first_sentence(p.description, 160)}" if p.description else ""
            lines.append(f"  - {p.name} ({', '.join(bits)}){desc}")
    body = op.request_body
    if body and (body.fields or body.schema_name):
        lines.append(f"Request body ({body.content_type}{', required' if body.required else ''})"
                     + (f" schema {body.schema_name}" if body.schema_name else "") + ":")
        lines += _fields_line(body.fields)
    for resp in op.responses[:6]:
        lines.append(f"Response {resp.status}: {first_sentence(resp.description, 160)}"
                     + (f" (schema {resp.schema_name})" if resp.schema_name else ""))
        if resp.status.startswith("2"):
            lines += _fields_line(resp.fields, 15)
    if op.security:
        lines.append("Auth: " + ", ".join(op.security))
    return "\n".join(lines)


def operation_digest(spec: ApiSpec, op: Operation) -> str:
    """Build the dense text the embedder reads: intent words first, then names of inputs and outputs."""
    parts = [
        plain(op.summary) or first_sentence(op.description, 160),
        " ".join(split_identifier(op.operation_id)),
        f"{op.method} {' '.join(path_resources(op.path))}",
        ", ".join(op.tags),
        first_sentence(op.description, 300) if op.summary else "",
        "parameters: " + ", ".join(" ".join(split_identifier(p.name)) for p in op.parameters[:20]) if op.parameters else "",
    ]
    if op.request_body and op.request_body.fields:
        parts.append("body: " + ", ".join(f.name for f in op.request_body.fields[:20]))
    return ". ".join(p for p in parts if p)


def operation_keywords(op: Operation) -> str:
    """Build the compact text BM25 ranks an operation by: intent words, resources, input and output names.

    Long field descriptions are left out on purpose: they drown the few words that say what the call does.
    """
    top_fields = [f.name for f in (op.request_body.fields if op.request_body else ()) if "." not in f.name]
    ok = next((r for r in op.responses if r.status.startswith("2")), None)
    parts = [
        plain(op.summary), plain(op.summary), " ".join(split_identifier(op.operation_id)),
        " ".join(path_resources(op.path)), " ".join(op.tags), truncate(plain(op.description), 400),
        " ".join(p.name for p in op.parameters[:25]), " ".join(top_fields[:25]),
        first_sentence(ok.description, 160) if ok else "",
    ]
    return "\n".join(p for p in parts if p)


def _operation_chunk(spec: ApiSpec, op: Operation) -> Chunk:
    kind = ChunkKind.WEBHOOK if op.is_webhook else ChunkKind.OPERATION
    meta = _base_meta(spec, kind, operation_title(op), op.pointer)
    meta.update(method=op.method, path=op.path, operation_id=op.operation_id, tags=",".join(op.tags), deprecated=op.deprecated,
                kw=operation_keywords(op))
    return _make(spec, kind, op.key, operation_document(spec, op), operation_digest(spec, op), meta)


def _schema_chunk(spec: ApiSpec, schema: SchemaDef) -> Chunk:
    lines = [f"Schema {schema.name} ({schema.type})", f"API: {spec.title} {spec.version}"]
    if schema.description:
        lines.append("Description: " + truncate(plain(schema.description), 1000))
    if schema.alternatives:
        lines.append("One of: " + ", ".join(schema.alternatives))
    if schema.enum:
        lines.append("Values: " + ", ".join(map(str, schema.enum[:30])))
    if schema.fields:
        lines.append("Fields:")
        lines += _fields_line(schema.fields)
    digest = f"{' '.join(split_identifier(schema.name))} schema. {first_sentence(schema.description, 300)} fields: " + ", ".join(
        f.name for f in schema.fields[:30]
    )
    meta = _base_meta(spec, ChunkKind.SCHEMA, f"Schema {schema.name}", schema.pointer)
    meta["kw"] = digest
    return _make(spec, ChunkKind.SCHEMA, schema.name, "\n".join(lines), digest, meta)


def _auth_chunk(spec: ApiSpec, index: int) -> Chunk:
    a = spec.auth_schemes[index]
    where = f" in {a.location} '{a.param_name}'" if a.location else ""
    text = f"Authentication scheme {a.name}: {a.type} {a.scheme}{where}.\nAPI: {spec.title} {spec.version}\n{a.description}".strip()
    meta = _base_meta(spec, ChunkKind.AUTH, f"Auth {a.name}", a.pointer)
    return _make(spec, ChunkKind.AUTH, a.name, text, f"authentication {a.name} {a.type} {a.scheme} {first_sentence(a.description)}", meta)


def _doc_chunk(spec: ApiSpec, index: int, doc: DocSection) -> Chunk:
    heading = " > ".join(doc.heading_path) or spec.title
    meta = _base_meta(spec, ChunkKind.DOC, heading, doc.pointer or f"#/docs/{index}")
    return _make(spec, ChunkKind.DOC, f"{index}:{heading[:80]}", f"{heading}\n{doc.text}", f"{heading}. {doc.text}", meta)


def _overview_chunk(spec: ApiSpec) -> Chunk:
    tags = sorted({t for op in spec.operations for t in op.tags})
    lines = [
        f"{spec.title} {spec.version} ({spec.format.value})",
        f"Base URL: {spec.base_url or 'not declared'}",
        f"Operations: {len(spec.operations)}; schemas: {len(spec.schemas)}",
    ]
    if spec.auth_schemes:
        lines.append("Authentication: " + ", ".join(f"{a.name} ({a.type} {a.scheme})".strip() for a in spec.auth_schemes))
    if tags:
        lines.append("Tags: " + ", ".join(tags[:60]))
    if spec.description:
        lines.append(truncate(plain(spec.description), 1500))
    meta = _base_meta(spec, ChunkKind.OVERVIEW, f"{spec.title} overview", "#/info")
    digest = f"{spec.title} API overview. {first_sentence(spec.description, 400)} Tags: {', '.join(tags[:40])}"
    return _make(spec, ChunkKind.OVERVIEW, "overview", "\n".join(lines), digest, meta)


def iter_batches(items: list, size: int) -> Iterator[list]:
    """Yield successive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
