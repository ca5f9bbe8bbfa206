"""Parse OpenAPI 3.0/3.1 and Swagger 2.0 documents (single or multi-file) into an `ApiSpec`."""

from __future__ import annotations

from collections import Counter
from typing import Any

from src.core.errors import SpecError
from src.rag.parsing.base import SourceDocument, as_dict, as_list, describe_count_warning, text_of, unique_keys
from src.rag.parsing.operations import OpContext, OperationBuilder, security_names
from src.rag.parsing.refs import RefResolver, pointer
from src.rag.parsing.schemas import SchemaReader
from src.rag.parsing.value_schema import ValueSchemas
from src.rag.types import ApiSpec, AuthScheme, Operation, SchemaDef, SpecFormat

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class OpenApiParser:
    """Parser for OpenAPI 3.x and Swagger 2.0 documents."""

    def parse(self, doc: SourceDocument) -> ApiSpec:
        """Parse the document, resolving refs leniently; raise `SpecError` only if it is not a spec."""
        data = doc.data
        if not isinstance(data, dict):
            raise SpecError(f"{doc.name}: the document at # is not a mapping, so it cannot be an OpenAPI spec; upload the spec's root file.")
        resolver = RefResolver(doc.path, data, doc.load_file)
        reader = SchemaReader(resolver)
        swagger = doc.format == SpecFormat.SWAGGER_20
        ctx = OpContext(reader=reader, swagger=swagger, security=security_names(data.get("security")),
                        values=ValueSchemas(resolver),
                        consumes=_strings(data.get("consumes")), produces=_strings(data.get("produces")))
        servers = _swagger_servers(data) if swagger else _servers(data.get("servers"))
        ops = _operations(data, doc.path, OperationBuilder(ctx), servers)
        schemas = _schemas(data, doc.path, reader, swagger)
        info = as_dict(data.get("info"))
        warnings = _info_warnings(info, doc.name)
        if not any(s.startswith(("http://", "https://", "ws://", "wss://")) for s in servers):
            warnings.append("The spec declares no absolute server URL, so code samples use a placeholder base URL.")
        warnings += describe_count_warning(ops) + _duplicate_id_warnings(ops) + resolver.warnings()
        return ApiSpec(
            title=text_of(info.get("title")) or _stem(doc.name),
            version=text_of(info.get("version")) or "0",
            format=doc.format,
            description=text_of(info.get("description")),
            servers=servers,
            operations=tuple(ops),
            schemas=tuple(schemas),
            auth_schemes=tuple(_auth_schemes(data, doc.path, resolver, swagger)),
            security=ctx.security,
            warnings=tuple(warnings),
            source_name=doc.source,
            body_schemas=ctx.values.defs,
        )


def _strings(value: Any) -> tuple[str, ...]:
    """Return the non-empty strings of a list."""
    return tuple(text_of(v) for v in as_list(value) if text_of(v))


def _stem(name: str) -> str:
    """Return a file name without its extension, as a fallback title."""
    return name.rsplit("/", 1)[-1].split(".", 1)[0] or "API"


def _servers(value: Any) -> tuple[str, ...]:
    """Return OpenAPI 3 server URLs with variables replaced by their defaults."""
    out: dict[str, None] = {}
    for server in as_list(value):
        server = as_dict(server)
        url = text_of(server.get("url"))
        for var, spec in as_dict(server.get("variables")).items():
            default = text_of(as_dict(spec).get("default"))
            if default:
                url = url.replace("{" + str(var) + "}", default)
        if url:
            out[url.rstrip("/") or "/"] = None
    return tuple(out)


def _swagger_servers(data: dict[str, Any]) -> tuple[str, ...]:
    """Build Swagger 2 base URLs from `schemes`, `host` and `basePath`."""
    host = text_of(data.get("host")).rstrip("/")
    if not host:
        return ()
    base = text_of(data.get("basePath"))
    base = "" if base in ("", "/") else "/" + base.strip("/")
    schemes = [s for s in _strings(data.get("schemes")) if s in ("https", "http", "wss", "ws")] or ["https"]
    schemes.sort(key=lambda s: s not in ("https", "wss"))
    return tuple(f"{scheme}://{host}{base}" for scheme in schemes)


def _operations(data: dict[str, Any], file: str, builder: OperationBuilder, servers: tuple[str, ...]) -> list[Operation]:
    """Read every operation under `paths`, then every webhook, with unique keys."""
    resolver = builder.reader.resolver
    ops: list[Operation] = []
    for section, webhook in (("paths", False), ("webhooks", True), ("x-webhooks", True)):
        items, ifile = resolver.deref(data.get(section), file)
        for path, node in as_dict(items).items():
            if not isinstance(path, str) or path.startswith("x-"):
                continue
            item, pfile = resolver.deref(node, ifile)
            ops.extend(_path_item_ops(builder, section, path, as_dict(item), pfile, servers, webhook))
    return unique_keys(ops, lambda op, n: f"#{n}")


def _path_item_ops(builder: OperationBuilder, section: str, path: str, item: dict[str, Any], file: str,
                   servers: tuple[str, ...], webhook: bool) -> list[Operation]:
    """Read the operations of one path item; path-level parameters and servers apply to each."""
    resolver = builder.reader.resolver
    shared = [(p, file) for p in as_list(item.get("parameters"))]
    item_servers = _servers(item.get("servers")) or servers
    out = []
    for method in METHODS:
        if method not in item:
            continue
        op, ofile = resolver.deref(item[method], file)
        if not isinstance(op, dict) or RefResolver.is_ref(op):
            continue
        op_servers = _servers(op.get("servers")) or item_servers
        ptr = pointer(section, path, method)
        out.append(builder.build(method, path, op, ofile, shared, ptr, op_servers, webhook))
    return out


def _schemas(data: dict[str, Any], file: str, reader: SchemaReader, swagger: bool) -> list[SchemaDef]:
    """Describe every named schema under `definitions` or `components/schemas`."""
    resolver = reader.resolver
    if swagger:
        container, cfile, base = data.get("definitions"), file, ("definitions",)
    else:
        components, cfile = resolver.deref(data.get("components"), file)
        container, base = as_dict(components).get("schemas"), ("components", "schemas")
    container, cfile = resolver.deref(container, cfile)
    return [reader.schema_def(str(name), node, cfile, pointer(*base, name))
            for name, node in as_dict(container).items() if isinstance(node, dict)]


def _auth_schemes(data: dict[str, Any], file: str, resolver: RefResolver, swagger: bool) -> list[AuthScheme]:
    """Describe the declared security schemes."""
    if swagger:
        container, cfile, base = data.get("securityDefinitions"), file, ("securityDefinitions",)
    else:
        components, cfile = resolver.deref(data.get("components"), file)
        container, base = as_dict(components).get("securitySchemes"), ("components", "securitySchemes")
    container, cfile = resolver.deref(container, cfile)
    out = []
    for name, node in as_dict(container).items():
        scheme = as_dict(resolver.deref(node, cfile)[0])
        kind = text_of(scheme.get("type")) or "unknown"
        http_scheme = text_of(scheme.get("scheme")).lower()
        if kind == "basic":
            kind, http_scheme = "http", "basic"
        out.append(AuthScheme(name=str(name), type=kind, scheme=http_scheme, location=text_of(scheme.get("in")),
                              param_name=text_of(scheme.get("name")), description=text_of(scheme.get("description")),
                              pointer=pointer(*base, name)))
    return out


def _info_warnings(info: dict[str, Any], name: str) -> list[str]:
    """Warn about a missing title or version (the spec is still indexed)."""
    out = []
    if not text_of(info.get("title")):
        out.append(f"The spec has no info.title, so it is listed under the file name '{_stem(name)}'.")
    if not text_of(info.get("version")):
        out.append("The spec has no info.version, so it is listed as version '0'.")
    return out


def _duplicate_id_warnings(ops: list[Operation]) -> list[str]:
    """Warn once about operationIds used by more than one operation."""
    counts = Counter(op.operation_id for op in ops if op.operation_id)
    dups = sorted(k for k, v in counts.items() if v > 1)
    if not dups:
        return []
    return [f"{len(dups)} operationId value(s) are used by more than one operation (e.g. '{dups[0]}'); operations are told apart by method and path."]
