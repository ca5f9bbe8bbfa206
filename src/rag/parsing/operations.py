"""Build one `Operation` from an OpenAPI 3.x or Swagger 2.0 operation object."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from src.rag.parsing.base import as_dict, as_list, text_of
from src.rag.parsing.schemas import SchemaReader, _enum, _scalar_or_none
from src.rag.parsing.value_schema import ValueSchemas
from src.rag.types import Operation, Parameter, RequestBody, Response, SchemaField

# Response field paths kept for the data-flow graph (which response field feeds which input).
LEAF_LIMIT = 60
_IDENTIFIER = re.compile(r"(?:^|[._\]]|[a-z])(?:id|ids|Id|Ids|ID|sid|Sid|SID|uuid|uri|url|name|Name|key|slug|number|token)$")


def _identifier_paths(paths: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Keep the response fields that identify something (ids, names, URIs): what later calls take as input."""
    return tuple(p for p in paths if _IDENTIFIER.search(p[0]))[:LEAF_LIMIT]

_JSONISH = ("application/json", "+json", "/json")
_LOCATIONS = ("path", "query", "header", "cookie", "body", "formData")


@dataclass
class OpContext:
    """What every operation of one document shares."""

    reader: SchemaReader
    swagger: bool
    security: tuple[str, ...]
    values: ValueSchemas
    consumes: tuple[str, ...] = ()
    produces: tuple[str, ...] = ()


def pick_media(content: dict[str, Any]) -> tuple[str, Any]:
    """Choose the most useful media type: JSON first, then forms, then the first declared."""
    keys = [k for k in content if isinstance(k, str)]
    for test in (lambda k: k.startswith("application/json"), lambda k: any(j in k for j in _JSONISH),
                 lambda k: "form" in k, lambda k: True):
        for key in keys:
            if test(key.lower()):
                return key, content[key]
    return "", None


def security_names(value: Any) -> tuple[str, ...]:
    """Return the scheme names of a security requirement list, in order, without duplicates."""
    names: dict[str, None] = {}
    for req in as_list(value):
        for name in as_dict(req):
            names[str(name)] = None
    return tuple(names)


class OperationBuilder:
    """Reads operation objects of one document into `Operation`s."""

    def __init__(self, ctx: OpContext) -> None:
        self.ctx = ctx
        self.reader = ctx.reader

    def build(self, method: str, path: str, op: dict[str, Any], file: str, shared_params: list[tuple[Any, str]],
              ptr: str, servers: tuple[str, ...], webhook: bool = False) -> Operation:
        """Build the operation; path-level parameters are merged in, operation-level ones win."""
        params = self._merged_params(shared_params + [(p, file) for p in as_list(op.get("parameters"))])
        body_params = [(p, f) for p, f in params if p.get("in") in ("body", "formData")]
        has_security = "security" in op
        return Operation(
            method=method.upper(),
            path=path,
            operation_id=text_of(op.get("operationId")),
            summary=text_of(op.get("summary")),
            description=text_of(op.get("description")),
            tags=tuple(text_of(t) for t in as_list(op.get("tags")) if text_of(t)),
            parameters=tuple(self._parameter(p, f) for p, f in params if p.get("in") not in ("body", "formData")),
            request_body=self._swagger_body(body_params, op) if self.ctx.swagger else self._body(op.get("requestBody"), file),
            responses=self._responses(as_dict(op.get("responses")), file, op),
            security=security_names(op["security"]) if has_security else self.ctx.security,
            deprecated=op.get("deprecated") is True,
            pointer=ptr,
            is_webhook=webhook,
            servers=servers,
        )

    def _merged_params(self, raw: list[tuple[Any, str]]) -> list[tuple[dict[str, Any], str]]:
        """Resolve parameter refs and keep the last definition of each (name, location)."""
        merged: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        for node, file in raw:
            param, pfile = self.reader.resolve(node, file)
            if not isinstance(param, dict) or not text_of(param.get("name")) or "$ref" in param:
                continue
            merged[(text_of(param.get("name")), text_of(param.get("in")))] = (param, pfile)
        return list(merged.values())

    def _parameter(self, param: dict[str, Any], file: str) -> Parameter:
        """Describe one non-body parameter."""
        schema, sfile = self._param_schema(param, file)
        resolved, _ = self.reader.resolve(schema, sfile)
        resolved = as_dict(resolved)
        location = text_of(param.get("in")) or "query"
        return Parameter(
            name=text_of(param.get("name")),
            location=location,
            required=location == "path" or param.get("required") is True,
            type=self.reader.type_of(schema, sfile) if schema else "string",
            description=text_of(param.get("description")) or text_of(resolved.get("description")),
            enum=_enum(resolved),
            default=_scalar_or_none(resolved.get("default")),
            example=self._param_example(param, schema, sfile),
            deprecated=param.get("deprecated") is True,
            style=text_of(param.get("collectionFormat")) or text_of(param.get("style")),
        )

    def _param_schema(self, param: dict[str, Any], file: str) -> tuple[Any, str]:
        """Return the schema that types a parameter (Swagger 2 parameters are their own schema)."""
        if self.ctx.swagger or "schema" not in param and "type" in param:
            return param, file
        if isinstance(param.get("schema"), dict):
            return param["schema"], file
        _, media = pick_media(as_dict(param.get("content")))
        return as_dict(media).get("schema"), file

    def _param_example(self, param: dict[str, Any], schema: Any, file: str) -> Any:
        """Return a parameter example: its own, its first named example, else the schema's."""
        if param.get("example") is not None:
            return param["example"]
        for value in as_dict(param.get("examples")).values():
            example, _ = self.reader.resolve(value, file)
            if isinstance(example, dict) and example.get("value") is not None:
                return example["value"]
        return self.reader.example(schema, file) if isinstance(schema, dict) and schema is not param else None

    def _body(self, node: Any, file: str) -> RequestBody | None:
        """Describe an OpenAPI 3 request body."""
        body, bfile = self.reader.resolve(node, file)
        if not isinstance(body, dict) or "$ref" in body:
            return None
        content_type, media = pick_media(as_dict(body.get("content")))
        media = as_dict(media)
        schema = media.get("schema")
        example = self._media_example(media, bfile)
        return RequestBody(
            content_type=content_type or "application/json",
            required=body.get("required") is True,
            description=text_of(body.get("description")),
            fields=self.reader.fields(schema, bfile) if isinstance(schema, dict) else (),
            schema_name=self._schema_name(schema),
            example=None if isinstance(example, str) else example,
            raw_example=example if isinstance(example, str) else "",
            is_list=isinstance(schema, dict) and self.reader.type_of(schema, bfile).startswith("array"),
            schema=self.ctx.values.compact(schema, bfile) if isinstance(schema, dict) else None,
        )

    def _media_example(self, media: dict[str, Any], file: str) -> Any:
        """Return the media type's example, its first named example, else one built from the schema."""
        if media.get("example") is not None:
            return media["example"]
        for value in as_dict(media.get("examples")).values():
            example, _ = self.reader.resolve(value, file)
            if isinstance(example, dict) and example.get("value") is not None:
                return example["value"]
        schema = media.get("schema")
        return self.reader.example(schema, file) if isinstance(schema, dict) else None

    def _schema_name(self, schema: Any) -> str:
        """Return the component name a body schema refers to (or its array items refer to)."""
        if not isinstance(schema, dict):
            return ""
        name = self.reader.resolver.ref_name(schema)
        if not name and isinstance(schema.get("items"), dict):
            name = self.reader.resolver.ref_name(schema["items"])
        return name

    def _swagger_body(self, params: list[tuple[dict[str, Any], str]], op: dict[str, Any]) -> RequestBody | None:
        """Turn Swagger 2 `body` or `formData` parameters into a request body."""
        consumes = tuple(text_of(c) for c in as_list(op.get("consumes")) if text_of(c)) or self.ctx.consumes
        body = next(((p, f) for p, f in params if p.get("in") == "body"), None)
        if body is not None:
            param, file = body
            schema = param.get("schema")
            content_type = next((c for c in consumes if "json" in c.lower()), consumes[0] if consumes else "application/json")
            example = self.reader.example(schema, file) if isinstance(schema, dict) else None
            return RequestBody(content_type=content_type, required=param.get("required") is True,
                               description=text_of(param.get("description")),
                               fields=self.reader.fields(schema, file) if isinstance(schema, dict) else (),
                               schema_name=self._schema_name(schema), example=example,
                               is_list=isinstance(schema, dict) and self.reader.type_of(schema, file).startswith("array"),
                               schema=self.ctx.values.compact(schema, file) if isinstance(schema, dict) else None)
        form = [(p, f) for p, f in params if p.get("in") == "formData"]
        return self._form_body(form, consumes) if form else None

    def _form_body(self, form: list[tuple[dict[str, Any], str]], consumes: tuple[str, ...]) -> RequestBody:
        """Describe Swagger 2 `formData` parameters as a form request body."""
        fields = tuple(
            SchemaField(name=text_of(p.get("name")), type=self.reader.type_of(p, f), required=p.get("required") is True,
                        description=text_of(p.get("description")), enum=_enum(p), default=_scalar_or_none(p.get("default")),
                        example=self.reader.example(p, f), format="binary" if p.get("type") == "file" else text_of(p.get("format")))
            for p, f in form
        )
        multipart = any(fl.type == "file" for fl in fields) or any("multipart" in c for c in consumes)
        content_type = "multipart/form-data" if multipart else "application/x-www-form-urlencoded"
        example = {fl.name: fl.example for fl in fields if fl.example is not None} or None
        return RequestBody(content_type=content_type, required=any(fl.required for fl in fields), fields=fields,
                           example=example, schema=self.ctx.values.swagger_form(form))

    def _responses(self, responses: dict[str, Any], file: str, op: dict[str, Any]) -> tuple[Response, ...]:
        """Describe the documented responses, in the order the spec lists them."""
        produces = tuple(text_of(c) for c in as_list(op.get("produces")) if text_of(c)) or self.ctx.produces
        out = []
        for status, node in list(responses.items())[:40]:
            resp, rfile = self.reader.resolve(node, file)
            if isinstance(resp, dict) and not str(status).startswith("x-"):
                out.append(self._response(str(status), resp, rfile, produces))
        return tuple(out)

    def _response(self, status: str, resp: dict[str, Any], file: str, produces: tuple[str, ...]) -> Response:
        """Describe one response: status, description, content type and its top-level fields."""
        if self.ctx.swagger:
            schema = resp.get("schema")
            content_type = next((c for c in produces if "json" in c.lower()), produces[0] if produces else "") if schema else ""
            examples = as_dict(resp.get("examples"))
            example = examples.get(content_type, next(iter(examples.values()), None))
        else:
            content_type, media = pick_media(as_dict(resp.get("content")))
            media = as_dict(media)
            schema = media.get("schema")
            example = media.get("example")
            if example is None and as_dict(media.get("examples")):
                example = self._media_example({"examples": media["examples"]}, file)
        return Response(
            status=status,
            description=text_of(resp.get("description")),
            content_type=content_type,
            fields=self.reader.fields(schema, file, depth=1, limit=40) if isinstance(schema, dict) else (),
            schema_name=self._schema_name(schema),
            example=example,
            is_list=isinstance(schema, dict) and self.reader.type_of(schema, file).startswith("array"),
            leaf_fields=_identifier_paths(self.reader.leaf_paths(schema, file)) if isinstance(schema, dict) and status.startswith("2") else (),
        )
