"""Parse Postman collections (v2.0 and v2.1) into an `ApiSpec`, with every secret replaced by a placeholder."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from src.core.errors import SpecError
from src.rag.parsing.base import SourceDocument, as_dict, as_list, describe_count_warning, text_of, unique_keys
from src.rag.parsing.postman_redact import earlier_redactions, redact_collection
from src.rag.parsing.postman_request import RequestReader, auth_scheme, pm_text
from src.rag.parsing.redact import SECRET_NAME, Redactor, placeholder
from src.rag.parsing.refs import pointer
from src.rag.serialize import spec_from_jsonable, to_jsonable
from src.rag.types import ApiSpec, AuthScheme, Operation, SpecFormat

MAX_DEPTH = 32


class PostmanParser:
    """Parser for Postman collection exports."""

    def parse(self, doc: SourceDocument) -> ApiSpec:
        """Read folders and requests; folder names become tags and secrets never leave this function."""
        redactor = Redactor()
        data = redact_collection(as_dict(doc.data), redactor)
        redactor.count += earlier_redactions(data)
        base: tuple[str, ...] = ()
        if isinstance(data.get("collection"), dict):
            data, base = data["collection"], ("collection",)
        if not isinstance(data.get("item"), list):
            raise SpecError(f"{doc.name}: the Postman collection at {pointer(*base, 'item')} has no list of requests; export the collection again (v2.1).")
        variables = _variables(as_list(data.get("variable")), redactor)
        reader = RequestReader(redactor, variables)
        collection_auth = as_dict(data.get("auth"))
        ops: list[Operation] = []
        schemes: dict[str, AuthScheme] = {}
        inherited = (collection_auth, pointer(*base, "auth"))
        _walk(reader, as_list(data["item"]), (), inherited, base + ("item",), ops, schemes, 0)
        for op in ops:
            for name in op.security:
                schemes.setdefault(name, reader.schemes.get(name) or AuthScheme(name=name, type="http", scheme=name))
        schemes.update({k: v for k, v in reader.schemes.items() if k not in schemes})
        servers = _servers(ops, reader)
        ops = [_with_server(op, servers, reader) for op in ops]
        ops = unique_keys(ops, _suffix)
        info = as_dict(data.get("info"))
        spec = ApiSpec(
            title=redactor.text(text_of(info.get("name"))) or doc.name.rsplit(".", 1)[0],
            version=_version(info.get("version")),
            format=SpecFormat.POSTMAN,
            description=redactor.text(pm_text(info.get("description"))),
            servers=servers,
            operations=tuple(ops),
            auth_schemes=tuple(schemes.values()),
            security=(auth_scheme(collection_auth)[0],) if auth_scheme(collection_auth) else (),
            warnings=tuple(describe_count_warning(ops) + redactor.warning()),
            source_name=doc.source,
        )
        return _scrubbed(spec, redactor)


def _walk(reader: RequestReader, items: list[Any], folders: tuple[str, ...], auth: tuple[dict[str, Any], str],
          path: tuple[Any, ...], ops: list[Operation], schemes: dict[str, AuthScheme], depth: int) -> None:
    """Visit folders depth-first; a folder's auth (object, pointer) applies to its requests unless they set one."""
    if depth > MAX_DEPTH:
        return
    for index, item in enumerate(items):
        item = as_dict(item)
        here = path + (index,)
        if isinstance(item.get("item"), list):
            own = as_dict(item.get("auth"))
            folder_auth = (own, pointer(*here, "auth")) if own else auth
            name = text_of(item.get("name"))
            _walk(reader, item["item"], folders + ((name,) if name else ()), folder_auth, here + ("item",), ops, schemes, depth + 1)
        elif "request" in item:
            op = reader.operation(item, folders, auth, pointer(*here))
            if op is not None:
                ops.append(op)


def _variables(raw: list[Any], redactor: Redactor) -> dict[str, str]:
    """Return collection variables; secret-named ones resolve to their placeholder, never their value."""
    out: dict[str, str] = {}
    for var in raw:
        var = as_dict(var)
        key = text_of(var.get("key")) or text_of(var.get("id"))
        if not key:
            continue
        value = var.get("value")
        if SECRET_NAME.search(key) or var.get("type") == "secret":
            if isinstance(value, str) and value.strip() and not value.strip().startswith("{{"):
                redactor.secrets.add(value.strip())
                redactor.count += 1
            out[key] = placeholder(key)
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            out[key] = redactor.value(key, str(value))
    return out


def _servers(ops: list[Operation], reader: RequestReader) -> tuple[str, ...]:
    """Return the absolute base URLs requests use, most used first; unresolved `{{host}}` ones only if none is absolute."""
    counts = Counter(reader.bases.get(op.pointer, "") for op in ops)
    bases = [b for b, _ in counts.most_common() if b]
    absolute = tuple(b for b in bases if b.startswith(("http://", "https://")))
    return absolute or tuple(bases)


def _with_server(op: Operation, servers: tuple[str, ...], reader: RequestReader) -> Operation:
    """Give an operation its own base URL when it differs from the collection's first absolute one."""
    import dataclasses

    base = reader.bases.get(op.pointer, "")
    if not base or (servers and base == servers[0]) or not base.startswith(("http://", "https://")):
        return op
    return dataclasses.replace(op, servers=(base,))


def _suffix(op: Operation, n: int) -> str:
    """Tell duplicate `METHOD /path` requests apart by their names, deterministically."""
    slug = re.sub(r"[^a-z0-9]+", "-", op.summary.lower()).strip("-")[:40]
    return f"#{slug}" if slug and n == 2 else f"#{slug or 'request'}-{n}"


def _version(value: Any) -> str:
    """Read info.version as a string, accepting v2.0's {major, minor, patch} object."""
    if isinstance(value, dict):
        parts = [str(value.get(k)) for k in ("major", "minor", "patch") if value.get(k) is not None]
        return ".".join(parts) or "0"
    return text_of(value) or "0"


def _scrubbed(spec: ApiSpec, redactor: Redactor) -> ApiSpec:
    """Make sure no removed secret literal survives anywhere in the spec (descriptions, examples, names)."""
    if not redactor.secrets:
        return spec
    data = to_jsonable(spec)

    def clean(value: Any) -> Any:
        """Scrub every string inside a JSON-like value."""
        if isinstance(value, str):
            return redactor.scrub(value)
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    return spec_from_jsonable(clean(data))
