"""Read an operation's request-body schema straight from the raw spec files, for jsonschema validation.

Validation is JSON Schema's, except that a `oneOf` with an OpenAPI discriminator mapping checks the
alternative the value's discriminator names, as OpenAPI defines it.
"""

from __future__ import annotations

import copy
import io
import json
import posixpath
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

from src.rag.codegen.schema_check import OpenApi202012Validator, OpenApiDraft4Validator

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RawSpec:
    """The raw documents of one spec (a file or a .tar.gz bundle) and a validator factory over them."""

    def __init__(self, path: Path, root: str | None = None) -> None:
        if path.name.endswith(".tar.gz"):
            with tarfile.open(path, "r:gz") as tar:
                self.files = {posixpath.normpath(m.name.lstrip("./")): tar.extractfile(m).read()
                              for m in tar.getmembers() if m.isfile()}
            self.root = posixpath.normpath(root or "")
        else:
            self.files, self.root = {path.name: path.read_bytes()}, path.name
        self._docs: dict[str, Any] = {}
        doc = self.doc(self.root)
        self.swagger = "swagger" in doc
        self.draft = DRAFT202012 if str(doc.get("openapi", "")).startswith("3.1") else DRAFT4
        self.registry = Registry(retrieve=self._retrieve)

    def doc(self, name: str) -> Any:
        """Return one loaded document, with request-side readOnly fields no longer required."""
        if name not in self._docs:
            raw = self.files[name]
            data = json.loads(raw) if name.endswith(".json") else yaml.load(io.BytesIO(raw), Loader=_LOADER)
            self._docs[name] = _request_side(copy.deepcopy(data))
        return self._docs[name]

    def _retrieve(self, uri: str) -> Resource:
        return Resource.from_contents(self.doc(uri.removeprefix("file:///")), default_specification=self.draft)

    def follow(self, name: str, tokens: list[str]) -> tuple[str, list[str], Any]:
        """Walk a pointer from a document, following $refs on the way; return where the node really is."""
        node, here = self.doc(name), []
        for token in tokens:
            name, here, node = self._deref(name, here, node)
            node = node[int(token)] if isinstance(node, list) else node[token]
            here = here + [token]
        return self._deref(name, here, node)

    def _deref(self, name: str, here: list[str], node: Any) -> tuple[str, list[str], Any]:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            target, _, fragment = node["$ref"].partition("#")
            name = posixpath.normpath(posixpath.join(posixpath.dirname(name), target)) if target else name
            here = [unquote(t).replace("~1", "/").replace("~0", "~") for t in fragment.split("/") if t]
            node = self.doc(name)
            for token in here:
                node = node[int(token)] if isinstance(node, list) else node[token]
        return name, here, node

    def validator(self, name: str, tokens: list[str]):
        """Return a validator for the schema at a place in the documents."""
        pointer = "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens)
        cls = OpenApi202012Validator if self.draft is DRAFT202012 else OpenApiDraft4Validator
        return cls({"$ref": f"file:///{name}#/{pointer}"}, registry=self.registry)


def _request_side(node: Any) -> Any:
    """Drop readOnly properties from `required` (they bind responses only) and read Swagger `file` as a string."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict) and isinstance(node.get("required"), list):
            node["required"] = [r for r in node["required"]
                                if not (isinstance(props.get(r), dict) and props[r].get("readOnly"))]
        if node.get("type") == "file":
            node["type"] = "string"
        if isinstance(props, dict):  # a few specs hold a bare string where a property schema belongs
            node["properties"] = {k: v if isinstance(v, (dict, bool)) else {} for k, v in props.items()}
        if "items" in node and not isinstance(node["items"], (dict, list, bool)):
            node["items"] = {}
        for value in node.values():
            _request_side(value)
    elif isinstance(node, list):
        for value in node:
            _request_side(value)
    return node


def pointer_tokens(pointer: str) -> list[str]:
    """Split ``#/paths/~1v1~1refunds/post`` into raw tokens."""
    return [unquote(t).replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("#").split("/") if t]


def body_validator(raw: RawSpec, pointer: str, content_type: str):
    """Return a validator for an operation's request body (OpenAPI 3 media schema or Swagger body/formData)."""
    name, here, op = raw.follow(raw.root, pointer_tokens(pointer))
    if raw.swagger:
        return _swagger_validator(raw, name, here, op, pointer)
    name, here, body = raw.follow(name, here + ["requestBody"])
    media = next((k for k in body.get("content", {}) if k.split(";")[0].strip().lower() == content_type), None)
    if media is None or "schema" not in body["content"][media]:
        return None
    return raw.validator(name, here + ["content", media, "schema"])


def _swagger_validator(raw: RawSpec, name: str, here: list[str], op: dict, pointer: str):
    path_item_tokens = pointer_tokens(pointer)[:-1]
    pname, phere, path_item = raw.follow(raw.root, path_item_tokens)
    params = [(name, here + ["parameters", str(i)]) for i in range(len(op.get("parameters", [])))]
    params += [(pname, phere + ["parameters", str(i)]) for i in range(len(path_item.get("parameters", [])))]
    form: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for file, tokens in params:
        f, t, param = raw.follow(file, tokens)
        if param.get("in") == "body":
            return raw.validator(f, t + ["schema"])
        if param.get("in") == "formData":
            form["properties"][param["name"]] = {k: v for k, v in param.items() if k in {"type", "enum", "items"}}
            if param.get("required"):
                form["required"].append(param["name"])
    return OpenApiDraft4Validator(form) if form["properties"] else None
