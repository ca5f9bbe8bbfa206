"""The data-flow graph of one API: each operation's required inputs and outputs, producers linked to consumers."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from src.rag.planning.names import (ATTRIBUTES, described_owner, path_owner, resource_of_path, schema_owner, split_name,
                                    words)
from src.rag.textutil import split_identifier
from src.rag.types import ApiSpec, Operation, Response, SchemaDef, SchemaField

MAX_LINKS = 8
_PATH_VAR = re.compile(r"\{([^{}]+)\}")
_SCALAR = re.compile(r"^(string|integer|number|array<(string|integer)>)", re.IGNORECASE)
# Attributes that identify a resource interchangeably (Kubernetes names its objects, Twilio gives them SIDs).
_SAME_KIND = {"id": {"id", "sid", "uuid"}, "sid": {"sid", "id"}, "uuid": {"uuid", "id"}}
_WEAK_KIND = {"id": {"name", "slug", "key"}, "name": {"id"}}
MIN_SCORE = 4.0
_OWN_IDS = {"id", "sid", "uuid", "name", "slug", "uri"}


@dataclass(frozen=True)
class FlowInput:
    """A value an operation cannot be called without: a path parameter, required query parameter or body field."""

    name: str
    location: str
    type: str = "string"
    resource: tuple[str, ...] = ()
    attribute: str = "id"
    description: str = ""


@dataclass(frozen=True)
class FlowOutput:
    """A response field an operation returns, as a path such as ``items[].metadata.name``."""

    field: str
    attribute: str
    owner: tuple[str, ...] = ()


@dataclass(frozen=True)
class Link:
    """One producer of an input: which operation returns it, in which field, and how sure the match is."""

    producer: str
    field: str
    score: float


@dataclass(frozen=True)
class OperationFlow:
    """An operation's node in the graph."""

    key: str
    summary: str = ""
    inputs: tuple[FlowInput, ...] = ()
    outputs: tuple[FlowOutput, ...] = ()


@dataclass
class DataFlowGraph:
    """Nodes per operation key, and for each (operation, input) its producers, best first."""

    api: str
    operations: dict[str, OperationFlow] = field(default_factory=dict)
    links: dict[str, dict[str, tuple[Link, ...]]] = field(default_factory=dict)

    def producers(self, key: str, name: str) -> tuple[Link, ...]:
        """Return the producers of one input of one operation, best first."""
        return self.links.get(key, {}).get(name, ())

    def to_json(self) -> dict[str, Any]:
        """Return the stored JSON form."""
        return {"api": self.api,
                "operations": {k: asdict(v) for k, v in self.operations.items()},
                "links": {k: {n: [asdict(link) for link in ls] for n, ls in v.items()} for k, v in self.links.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DataFlowGraph:
        """Rebuild a graph from `to_json` output."""
        ops = {k: OperationFlow(v["key"], v.get("summary", ""),
                                tuple(FlowInput(**{**i, "resource": tuple(i["resource"])}) for i in v["inputs"]),
                                tuple(FlowOutput(**{**o, "owner": tuple(o["owner"])}) for o in v["outputs"]))
               for k, v in data.get("operations", {}).items()}
        links = {k: {n: tuple(Link(**link) for link in ls) for n, ls in v.items()} for k, v in data.get("links", {}).items()}
        return cls(data.get("api", ""), ops, links)


def build_graph(spec: ApiSpec) -> DataFlowGraph:
    """Build the data-flow graph of an API from its normalised spec."""
    schemas = {s.name: s for s in spec.schemas}
    by_owner = schemas_by_owner(schemas)
    graph = DataFlowGraph(spec.api_id)
    for op in spec.operations:
        if op.is_webhook:
            continue
        graph.operations[op.key] = OperationFlow(op.key, op.summary, required_inputs(op),
                                                 operation_outputs(op, schemas, by_owner))
    index = _OutputIndex(graph.operations.values())
    for node in graph.operations.values():
        found = {i.name: index.producers(node.key, i) for i in node.inputs}
        graph.links[node.key] = {name: links for name, links in found.items() if links}
    return graph


def required_inputs(op: Operation) -> tuple[FlowInput, ...]:
    """Return the inputs an operation needs: every path variable, required query parameters, required body fields."""
    params = {p.name: p for p in op.parameters}
    out: list[FlowInput] = []
    for name in dict.fromkeys(_PATH_VAR.findall(op.path)):
        p = params.get(name)
        res, attr = split_name(name)
        res = res or path_owner(op.path, name)
        out.append(FlowInput(name, "path", p.type if p else "string", res, attr, p.description if p else ""))
    for p in op.parameters:
        if p.location == "query" and p.required and not p.deprecated:
            res, attr = split_name(p.name)
            out.append(FlowInput(p.name, "query", p.type, res or described_owner(p.description), attr, p.description))
    body = op.request_body
    if body is not None and op.method.upper() not in {"GET", "HEAD"}:
        declared = {f.name for f in body.fields}
        for f in body.fields:
            if f.required and not f.read_only and not _nested(f.name, declared):
                res, attr = split_name(f.name)
                out.append(FlowInput(f.name, "body", f.type, res or described_owner(f.description), attr, f.description))
    return tuple(out)


def _nested(name: str, declared: set[str]) -> bool:
    return any(name.startswith(p + ".") for p in declared if p != name)


def success_response(op: Operation) -> Response | None:
    """Return the first 2xx response that describes a body (else the first 2xx)."""
    ok = [r for r in op.responses if r.status.startswith("2") or r.status.lower() == "default"]
    return next((r for r in ok if r.fields), ok[0] if ok else None)


def operation_outputs(op: Operation, schemas: dict[str, SchemaDef],
                      by_owner: dict[tuple[str, ...], SchemaDef] | None = None) -> tuple[FlowOutput, ...]:
    """Return the identifying fields an operation's success response carries, array items included."""
    resp = success_response(op)
    if resp is None:
        return ()
    by_owner = by_owner if by_owner is not None else schemas_by_owner(schemas)
    prefix = "[]." if resp.is_list else ""
    owner = schema_owner(resp.schema_name) or resource_of_path(op.path)
    root = schemas.get(resp.schema_name)
    fields = root.fields if root is not None and not resp.is_list else resp.fields
    arrays = {f.name for f in fields if "." not in f.name and f.type.lower().startswith("array")}
    out: list[FlowOutput] = []
    for path, owner_name in resp.leaf_fields:
        out += _field_outputs(path, SchemaField(path.rsplit(".", 1)[-1], "string"), schema_owner(owner_name) or owner)
    for f in fields if not resp.leaf_fields else ():  # older stored specs and Postman only have these
        if f.name.split(".", 1)[0] in arrays and "." in f.name:
            continue  # described below from the item schema, with the array marked
        out += _field_outputs(prefix + f.name, f, owner)
        if f.type.lower().startswith("object") and "." not in f.name and not any(g.name.startswith(f.name + ".") for g in fields):
            inner = _schema_of(f.type, schemas) or by_owner.get(tuple(words(f.name)))
            for g in inner.fields if inner is not None else ():
                if g.name.count(".") <= 1:
                    out += _field_outputs(f"{prefix}{f.name}.{g.name}", g, schema_owner(inner.name))
        if f.name in arrays:
            # refs are resolved at parse time, so the item schema is found by its name or the list's resource
            inner = _schema_of(f.type, schemas) or by_owner.get(owner)
            item_owner = schema_owner(inner.name) if inner is not None else owner
            for g in inner.fields if inner is not None else ():
                if g.name.count(".") <= 1:
                    out += _field_outputs(f"{prefix}{f.name}[].{g.name}", g, item_owner)
    # specs split over many files often describe a response best by its example
    known = {o.field for o in out}
    out += [o for o in example_outputs(resp.example, owner) if o.field not in known]
    first: dict[str, FlowOutput] = {}
    for o in out:
        first.setdefault(o.field, o)
    return tuple(first.values())


def example_outputs(value: Any, owner: tuple[str, ...], path: str = "", depth: int = 3) -> list[FlowOutput]:
    """Return outputs read off a response example: scalar leaves, arrays marked ``[]``, owners from parent keys."""
    if isinstance(value, list):
        return example_outputs(value[0], owner, path + "[]", depth) if value else []
    if not isinstance(value, dict) or depth <= 0:
        return []
    out: list[FlowOutput] = []
    for key, sub in list(value.items())[:60]:
        child = f"{path}.{key}" if path and not path.endswith("[]") else f"{path}{'.' if path.endswith('[]') else ''}{key}"
        if isinstance(sub, (str, int)) and not isinstance(sub, bool):
            out += _field_outputs(child, SchemaField(str(key), "string"), owner)
        elif isinstance(sub, (dict, list)):
            out += example_outputs(sub, tuple(words(str(key))) or owner, child, depth - 1)
    return out


def schemas_by_owner(schemas: dict[str, SchemaDef]) -> dict[tuple[str, ...], SchemaDef]:
    """Map resource words to the named schema that describes that resource (shortest name wins)."""
    found: dict[tuple[str, ...], SchemaDef] = {}
    for name in sorted(schemas, key=len):
        owner = schema_owner(name)
        if owner and schemas[name].fields:
            found.setdefault(owner, schemas[name])
    return found


def _field_outputs(path: str, f: SchemaField, owner: tuple[str, ...]) -> list[FlowOutput]:
    if not _SCALAR.match(f.type or "string") and f.type not in {"any", ""}:
        return []
    res, attr = split_name(path.rsplit(".", 1)[-1])
    if res and not (len(res) == 1 and res[0] in owner) and attr != "name":
        return [FlowOutput(path, attr, res)]  # a reference to another resource (`charge.customer`)
    return [FlowOutput(path, attr, owner)]


def _schema_of(type_text: str, schemas: dict[str, SchemaDef]) -> SchemaDef | None:
    match = re.fullmatch(r"(?:array<)?([^<>|]+)>?(?:\|null)?", type_text or "")
    return schemas.get(match.group(1)) if match else None


class _OutputIndex:
    """Outputs grouped by (attribute, last owner word) so linking is a lookup, not a scan; results memoised."""

    def __init__(self, nodes) -> None:
        self.by_key: dict[tuple[str, str], list[tuple[str, FlowOutput]]] = defaultdict(list)
        self.by_attr: dict[str, list[tuple[str, FlowOutput]]] = defaultdict(list)
        self.resources: set[str] = set()
        for node in nodes:
            for out in node.outputs:
                self.by_key[(out.attribute, out.owner[-1] if out.owner else "")].append((node.key, out))
                if len(out.owner) > 1:  # `controllerrevisions` in a path names a ControllerRevision
                    self.by_key[(out.attribute, "".join(out.owner))].append((node.key, out))
                self.by_attr[out.attribute].append((node.key, out))
                if out.owner and out.field.rsplit(".", 1)[-1].removeprefix("[]").lower() in _OWN_IDS:
                    self.resources.add(out.owner[-1])
        self._memo: dict[tuple, tuple[Link, ...]] = {}

    def producers(self, consumer: str, inp: FlowInput) -> tuple[Link, ...]:
        """Return the best producers of one input (never the consumer itself)."""
        bare = not split_identifier(inp.name) or split_identifier(inp.name)[-1] not in ATTRIBUTES
        if bare and inp.location != "path" and (not inp.resource or inp.resource[-1] not in self.resources):
            return ()  # a plain body field (`endpoint`, `amount`) is a value to choose, not one to fetch
        hint = () if inp.resource else tuple(sorted(set(words(inp.description))))
        memo_key = (inp.attribute, inp.resource, hint)
        if memo_key not in self._memo:
            self._memo[memo_key] = self._ranked(inp, set(hint))
        return tuple(link for link in self._memo[memo_key] if link.producer != consumer)[:MAX_LINKS]

    def _ranked(self, inp: FlowInput, hint: set[str]) -> tuple[Link, ...]:
        kinds = {inp.attribute} | _SAME_KIND.get(inp.attribute, set()) | _WEAK_KIND.get(inp.attribute, set())
        if not inp.resource:
            pool = [e for k in kinds for e in self.by_attr.get(k, []) if e[1].owner and e[1].owner[-1] in hint]
            return _best_links(inp, pool)
        for cut in range(len(inp.resource)):
            # `subscription_exposed_id` names a subscription: drop trailing words no resource is called
            resource = inp.resource[: len(inp.resource) - cut]
            pool = [e for k in kinds for e in self.by_key.get((k, resource[-1]), [])]
            links = _best_links(FlowInput(inp.name, inp.location, inp.type, resource, inp.attribute, inp.description), pool)
            if links:
                return links
        return ()


def _best_links(target: FlowInput, pool: list[tuple[str, FlowOutput]]) -> tuple[Link, ...]:
    """Score every candidate output and keep the best field per producer, best producers first."""
    best: dict[str, Link] = {}
    for key, out in pool:
        score = link_score(target, out, key)
        if score >= MIN_SCORE and (key not in best or score > best[key].score):
            best[key] = Link(key, out.field, round(score, 2))
    ranked = sorted(best.values(), key=lambda link: (-link.score, len(link.producer), link.producer))
    return tuple(ranked[: MAX_LINKS + 1])


def link_score(inp: FlowInput, out: FlowOutput, producer: str) -> float:
    """Score how surely an output feeds an input: attribute kind, resource identity, how the producer returns it."""
    if out.attribute == inp.attribute or out.attribute in _SAME_KIND.get(inp.attribute, set()):
        score = 2.0
    else:
        score = 1.0
    if inp.resource:
        if tuple(out.owner[-len(inp.resource):]) == inp.resource or "".join(out.owner) == inp.resource[-1]:
            score += 3.0
        elif out.owner and out.owner[-1] == inp.resource[-1]:
            score += 2.0
    else:
        score += 2.5  # the caller matched the owner against the input's description
    method, path = producer.split(" ", 1)
    produced = resource_of_path(path)
    if inp.resource and produced and inp.resource[-1] in (produced[-1], "".join(produced)):
        score += 1.0  # the producer's own resource is the one the input names
        if method == "POST" and "[]" not in out.field:
            score += 0.5
        if method == "GET" and out.field.startswith(("[]", "data[]", "items[]")):
            score += 0.5
    if out.field.count("[]") > 1:
        score -= 1.0
    # the resource's own id field beats a reference to it held by some other object (`discount.customer`)
    last = out.field.rsplit(".", 1)[-1].removeprefix("[]")
    score += 0.25 if last.lower() in {inp.attribute, "id", "name", "sid", "uuid"} else 0.0
    return score - 0.1 * out.field.replace("[]", "").count(".")


def scan_producers(graph: DataFlowGraph, inp: FlowInput, consumer: str) -> tuple[Link, ...]:
    """Find producers of an input the stored links do not cover (an optional field), by scanning every output."""
    pool = [(node.key, out) for node in graph.operations.values() if node.key != consumer for out in node.outputs]
    return _best_links(inp, pool)[:MAX_LINKS]
