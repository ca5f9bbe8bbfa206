"""Parse GraphQL SDL and introspection JSON (via graphql-core) into an `ApiSpec`."""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    build_ast_schema,
    build_client_schema,
    get_named_type,
    is_leaf_type,
    parse,
    value_from_ast_untyped,
)
from graphql.language import DocumentNode, NamedTypeNode, TypeDefinitionNode, visit, Visitor

from src.core.errors import SpecError
from src.rag.parsing.base import SourceDocument, as_dict, describe_count_warning
from src.rag.parsing.graphql_query import query_document
from src.rag.parsing.refs import pointer
from src.rag.types import ApiSpec, Operation, Parameter, Protocol, Response, SchemaDef, SchemaField, SpecFormat

_BUILTIN = {"String", "Int", "Float", "Boolean", "ID"}
_ROOTS = (("query", "QUERY"), ("mutation", "MUTATION"), ("subscription", "SUBSCRIPTION"))


class GraphQLParser:
    """Parser for GraphQL SDL files and introspection results."""

    def parse(self, doc: SourceDocument) -> ApiSpec:
        """Turn every root field into an operation and every named type into a schema."""
        warnings: list[str] = []
        schema = _introspected(doc) if doc.data is not None else _from_sdl(doc, warnings)
        ops = [op for kind, method in _ROOTS for op in _root_ops(schema, kind, method)]
        roots = {getattr(schema, f"{kind}_type").name for kind, _ in _ROOTS if isinstance(getattr(schema, f"{kind}_type"), GraphQLObjectType)}
        schemas = [_schema_def(t) for name, t in schema.type_map.items() if not name.startswith("__") and name not in roots and name not in _BUILTIN]
        if not ops:
            warnings.append("The schema declares no query, mutation or subscription fields, so it has no operations.")
        warnings += describe_count_warning(ops)
        warnings.append("A GraphQL schema names no endpoint URL, so code samples use a placeholder URL.")
        title = doc.name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "GraphQL API"
        return ApiSpec(title=title, version="0", format=SpecFormat.GRAPHQL,
                       description=_desc(schema) or _summary(ops),
                       operations=tuple(ops), schemas=tuple(s for s in schemas if s is not None),
                       warnings=tuple(warnings), source_name=doc.source)


def _desc(obj: Any) -> str:
    """Return an element's description; introspection data may carry anything there."""
    value = getattr(obj, "description", None)
    return value.strip() if isinstance(value, str) else ""


def _summary(ops: list[Operation]) -> str:
    """Describe the schema by its operation counts."""
    counts = {m: sum(1 for o in ops if o.method == m) for _, m in _ROOTS}
    return "GraphQL API with " + ", ".join(f"{n} {m.lower()} field(s)" for m, n in counts.items() if n) + "." if ops else "GraphQL API."


def _introspected(doc: SourceDocument) -> GraphQLSchema:
    """Build a schema from an introspection result (`{__schema}` or `{data: {__schema}}`)."""
    data = as_dict(doc.data)
    data = as_dict(data.get("data")) if "data" in data and "__schema" not in data else data
    try:
        return _materialised(build_client_schema(data, assume_valid=True))  # type: ignore[arg-type]
    except (GraphQLError, TypeError, KeyError, ValueError, AttributeError) as err:
        raise SpecError(f"{doc.name}: the GraphQL introspection result at #/__schema is incomplete ({_first_line(err)}); export it again with a full introspection query.") from None


def _from_sdl(doc: SourceDocument, warnings: list[str]) -> GraphQLSchema:
    """Parse SDL; types it uses but never defines become custom scalars (with a warning)."""
    try:
        ast = parse(doc.text, no_location=True)
    except GraphQLError as err:
        where = f" at line {err.locations[0].line}, column {err.locations[0].column}" if err.locations else ""
        raise SpecError(f"{doc.name}: GraphQL syntax error{where}: {_first_line(err).removeprefix('Syntax Error: ')}; fix the schema and upload it again.") from None
    missing = _undefined_types(ast)
    if missing:
        warnings.append(f"{len(missing)} type(s) are used but never defined (e.g. {sorted(missing)[0]}); they are treated as custom scalars.")
        ast = parse(doc.text + "\n" + "\n".join(f"scalar {n}" for n in sorted(missing)))
    try:
        return _materialised(build_ast_schema(ast, assume_valid=True, assume_valid_sdl=True))
    except (GraphQLError, TypeError, ValueError, KeyError, AttributeError) as err:
        raise SpecError(f"{doc.name}: the GraphQL schema cannot be built ({_first_line(err)}); fix the type definitions and upload it again.") from None


def _materialised(schema: GraphQLSchema) -> GraphQLSchema:
    """Resolve every lazy part of the schema now, so a malformed one fails here with a clear error."""
    for named in schema.type_map.values():
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for field in named.fields.values():
                _ = getattr(field, "args", {}), field.type
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            _ = named.interfaces
        elif isinstance(named, GraphQLUnionType):
            _ = named.types
        elif isinstance(named, GraphQLEnumType):
            _ = named.values
    return schema


def _undefined_types(ast: DocumentNode) -> set[str]:
    """Return type names referenced in the document but defined nowhere."""
    defined = {d.name.value for d in ast.definitions if isinstance(d, TypeDefinitionNode)} | _BUILTIN

    class Names(Visitor):
        """Collects every referenced type name."""

        def __init__(self) -> None:
            super().__init__()
            self.used: set[str] = set()

        def enter_named_type(self, node: NamedTypeNode, *_: Any) -> None:
            """Record a referenced type name."""
            self.used.add(node.name.value)

    names = Names()
    visit(ast, names)
    return {n for n in names.used - defined if re.fullmatch(r"[_A-Za-z]\w*", n)}


def _first_line(err: Exception) -> str:
    """Return the first line of an error message, without a trailing period."""
    return (str(err).strip().splitlines() or [type(err).__name__])[0].rstrip(".")


def _root_ops(schema: GraphQLSchema, kind: str, method: str) -> list[Operation]:
    """Describe every field of one root type as an operation."""
    root = getattr(schema, f"{kind}_type")
    if not isinstance(root, GraphQLObjectType):
        return []
    return [_operation(root.name, kind, method, name, field) for name, field in root.fields.items()]


def _operation(root: str, kind: str, method: str, name: str, field: Any) -> Operation:
    """Describe one root field: arguments, return type and a ready query document."""
    named = get_named_type(field.type)
    description = _desc(field)
    return Operation(
        method=method,
        path=name,
        operation_id=name,
        summary=description.split("\n", 1)[0][:200],
        description=description,
        tags=(root,),
        parameters=tuple(_argument(arg_name, arg) for arg_name, arg in field.args.items()),
        responses=(Response(status="200", description=f"Returns {field.type}.", content_type="application/json",
                            fields=_fields(named)[:40], schema_name=named.name),),
        deprecated=field.deprecation_reason is not None,
        pointer=pointer("types", root, "fields", name),
        protocol=Protocol.GRAPHQL,
        graphql_document=query_document(kind, name, field),
    )


def _argument(name: str, arg: Any) -> Parameter:
    """Describe one argument as a parameter in location `argument`."""
    default = _default(arg)
    named = get_named_type(arg.type)
    enum = tuple(named.values) if isinstance(named, GraphQLEnumType) else ()
    return Parameter(name=name, location="argument", required=isinstance(arg.type, GraphQLNonNull) and default is None,
                     type=str(arg.type), description=_desc(arg), enum=enum[:100], default=default,
                     deprecated=getattr(arg, "deprecation_reason", None) is not None)


def _default(arg: Any) -> Any:
    """Return an argument's or input field's default as plain data (None when it has none)."""
    if arg.default_value is not Undefined:
        return _plain(arg.default_value)
    holder = getattr(arg, "default", None)
    if holder is None:
        return None
    if holder.value is not Undefined:
        return _plain(holder.value)
    return _plain(value_from_ast_untyped(holder.literal)) if holder.literal is not None else None


def _plain(value: Any) -> Any:
    """Reduce a default value to plain JSON data."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _fields(named: Any) -> tuple[SchemaField, ...]:
    """Describe the fields of an object, interface or input type."""
    if isinstance(named, GraphQLInputObjectType):
        return tuple(SchemaField(name=n, type=str(f.type), description=_desc(f),
                                 required=isinstance(f.type, GraphQLNonNull) and _default(f) is None,
                                 default=_default(f))
                     for n, f in named.fields.items())
    if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
        return tuple(SchemaField(name=n, type=str(f.type), description=_desc(f),
                                 required=isinstance(f.type, GraphQLNonNull), deprecated=f.deprecation_reason is not None)
                     for n, f in named.fields.items())
    return ()


def _schema_def(named: Any) -> SchemaDef | None:
    """Describe a named type as a schema (scalars that are plain leaves are kept too)."""
    kind = {GraphQLObjectType: "object", GraphQLInterfaceType: "interface", GraphQLInputObjectType: "input",
            GraphQLEnumType: "enum", GraphQLUnionType: "union"}.get(type(named), "scalar" if is_leaf_type(named) else "")
    if not kind:
        return None
    return SchemaDef(
        name=named.name,
        description=_desc(named),
        type=kind,
        fields=_fields(named),
        alternatives=tuple(t.name for t in named.types) if isinstance(named, GraphQLUnionType) else (),
        enum=tuple(named.values)[:200] if isinstance(named, GraphQLEnumType) else (),
        pointer=pointer("types", named.name),
    )
