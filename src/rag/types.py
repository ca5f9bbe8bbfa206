"""Frozen dataclasses that cross module boundaries: the normalised spec, chunks, hits, answers."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any

from src.rag.planning.plan import PlanStep


class SpecFormat(str, enum.Enum):
    """Source format of a specification, detected from content."""

    OPENAPI_31 = "openapi-3.1"
    OPENAPI_30 = "openapi-3.0"
    SWAGGER_20 = "swagger-2.0"
    POSTMAN = "postman"
    GRAPHQL = "graphql"
    MARKDOWN = "markdown"


class ChunkKind(str, enum.Enum):
    """What a chunk describes."""

    OPERATION = "operation"
    WEBHOOK = "webhook"
    SCHEMA = "schema"
    AUTH = "auth"
    OVERVIEW = "overview"
    DOC = "doc"


class Protocol(str, enum.Enum):
    """How an operation is called; GraphQL operations are sent as a query document over POST."""

    HTTP = "http"
    GRAPHQL = "graphql"


@dataclass(frozen=True)
class SchemaField:
    """One (possibly nested, dotted) field of a request or response body or named schema."""

    name: str
    type: str = "any"
    required: bool = False
    description: str = ""
    enum: tuple[str, ...] = ()
    default: Any = None
    example: Any = None
    deprecated: bool = False
    read_only: bool = False
    format: str = ""
    pattern: str = ""
    minimum: float | None = None


@dataclass(frozen=True)
class Parameter:
    """One operation parameter (path, query, header, cookie, formData, or GraphQL argument)."""

    name: str
    location: str
    required: bool = False
    type: str = "string"
    description: str = ""
    enum: tuple[str, ...] = ()
    default: Any = None
    example: Any = None
    deprecated: bool = False
    style: str = ""


@dataclass(frozen=True)
class RequestBody:
    """The request body of an operation, reduced to what answers and code need."""

    content_type: str = "application/json"
    required: bool = False
    description: str = ""
    fields: tuple[SchemaField, ...] = ()
    schema_name: str = ""
    example: Any = None
    raw_example: str = ""
    is_list: bool = False
    # The body's schema as compact JSON Schema; its refs point into `ApiSpec.body_schemas`.
    schema: Any = None


@dataclass(frozen=True)
class Response:
    """One documented response of an operation."""

    status: str
    description: str = ""
    content_type: str = ""
    fields: tuple[SchemaField, ...] = ()
    schema_name: str = ""
    example: Any = None
    is_list: bool = False
    leaf_fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AuthScheme:
    """A security scheme: apiKey (header/query/cookie), http (bearer/basic), oauth2, openIdConnect."""

    name: str
    type: str
    scheme: str = ""
    location: str = ""
    param_name: str = ""
    description: str = ""
    pointer: str = ""


@dataclass(frozen=True)
class Operation:
    """One callable endpoint (or GraphQL root field, or webhook) of an API."""

    method: str
    path: str
    operation_id: str = ""
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    responses: tuple[Response, ...] = ()
    security: tuple[str, ...] = ()
    deprecated: bool = False
    pointer: str = ""
    is_webhook: bool = False
    servers: tuple[str, ...] = ()
    protocol: Protocol = Protocol.HTTP
    graphql_document: str = ""
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """Return the identity of the operation inside its API: ``METHOD /path``."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class SchemaDef:
    """A named schema (OpenAPI component, GraphQL type) with its flattened fields."""

    name: str
    description: str = ""
    type: str = "object"
    fields: tuple[SchemaField, ...] = ()
    alternatives: tuple[str, ...] = ()
    enum: tuple[str, ...] = ()
    pointer: str = ""


@dataclass(frozen=True)
class DocSection:
    """A section of prose documentation, kept with its heading path."""

    heading_path: tuple[str, ...]
    text: str
    pointer: str = ""


@dataclass(frozen=True)
class ApiSpec:
    """The normalised form every parser produces; everything downstream reads only this."""

    title: str
    version: str
    format: SpecFormat
    description: str = ""
    servers: tuple[str, ...] = ()
    operations: tuple[Operation, ...] = ()
    schemas: tuple[SchemaDef, ...] = ()
    auth_schemes: tuple[AuthScheme, ...] = ()
    docs: tuple[DocSection, ...] = ()
    security: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    source_name: str = ""
    id_suffix: str = ""
    # Every schema a request body refers to, compact, by key (``{"$ref": "#/$defs/<key>"}`` points here).
    body_schemas: dict[str, Any] = field(default_factory=dict)

    @property
    def api_id(self) -> str:
        """Return the stable slug of this API, ``title-slug@version`` (plus ``~suffix`` when two files share both)."""
        return api_slug(self.title, self.version) + (f"~{self.id_suffix}" if self.id_suffix else "")

    @property
    def base_url(self) -> str:
        """Return the first server URL, or an empty string when the spec declares none."""
        return self.servers[0] if self.servers else ""

    def auth_scheme(self, name: str) -> AuthScheme | None:
        """Return the auth scheme with this name, if declared."""
        return next((a for a in self.auth_schemes if a.name == name), None)

    def operation(self, key: str) -> Operation | None:
        """Return the operation whose ``METHOD /path`` key is ``key``."""
        return next((o for o in self.operations if o.key == key), None)


def api_slug(title: str, version: str) -> str:
    """Build the stable API id from a title and a version."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "api"
    ver = re.sub(r"[^A-Za-z0-9._-]+", "-", version).strip("-")[:40] or "0"
    return f"{slug}@{ver}"


@dataclass(frozen=True)
class Chunk:
    """A unit of the index: the full stored document plus the (shorter) text that is embedded."""

    id: str
    api: str
    kind: ChunkKind
    text: str
    embed_text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its relevance score."""

    id: str
    api: str
    kind: ChunkKind
    title: str
    source: str
    score: float
    text: str = ""
    method: str | None = None
    path: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # Set by retrieval, the one judge of relevance: why the chunk ranks where it does, and whether it fits at all.
    reasons: tuple[str, ...] = ()
    fits: bool = True

    def to_json(self) -> dict[str, Any]:
        """Return the CLI/JSON view of the hit."""
        return {
            "api": self.api,
            "kind": self.kind.value,
            "method": self.method,
            "path": self.path,
            "source": self.source,
            "score": round(self.score, 6),
            "title": self.title,
        }


@dataclass(frozen=True)
class CodeSample:
    """A runnable request example built deterministically from an operation."""

    language: str
    code: str
    label: str = ""


@dataclass(frozen=True)
class Usage:
    """Token usage and estimated cost of one answer."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    estimated: bool = False
    # Who counted the tokens: "server" (reported with the answer), "server tokenizer", or "estimate".
    counted_by: str = ""


@dataclass(frozen=True)
class Answer:
    """A complete answer: Markdown text, its sources and code, and how it was produced."""

    question: str
    text: str
    sources: tuple[Hit, ...] = ()
    code: tuple[CodeSample, ...] = ()
    provider: str = "offline"
    degraded: bool = False
    degraded_reason: str = ""
    unverified: tuple[str, ...] = ()
    usage: Usage = field(default_factory=Usage)
    cached: bool = False
    plan: tuple[PlanStep, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the CLI/JSON view of the answer."""
        return {
            "answer": self.text,
            "sources": [h.to_json() | {"pointer": h.source} for h in self.sources],
            "code": [{"language": c.language, "code": c.code} for c in self.code],
            "provider": self.provider,
            "degraded": self.degraded,
            "degraded_reason": self.degraded_reason or None,
            "unverified": list(self.unverified),
            "usage": {
                "prompt_tokens": self.usage.prompt_tokens,
                "completion_tokens": self.usage.completion_tokens,
                "cost_usd": self.usage.cost_usd,
                "estimated": self.usage.estimated,
                "counted_by": self.usage.counted_by,
            },
            "cached": self.cached,
            "plan": [step.to_json() for step in self.plan],
        }


@dataclass(frozen=True)
class IngestReport:
    """What happened to one file at ingest or inspect time."""

    file: str
    ok: bool
    format: str = ""
    title: str = ""
    version: str = ""
    operations: int = 0
    schemas: int = 0
    warnings: tuple[str, ...] = ()
    error: str = ""
    api: str = ""
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    unchanged: bool = False

    def to_inspect_json(self) -> dict[str, Any]:
        """Return exactly the keys `apiassist inspect --json` promises."""
        return {
            "file": self.file,
            "ok": self.ok,
            "format": self.format,
            "title": self.title,
            "version": self.version,
            "operations": self.operations,
            "schemas": self.schemas,
            "warnings": list(self.warnings),
            "error": self.error or None,
        }
