"""Build ready-to-send GraphQL query documents for root fields: variables plus a sensible selection set."""

from __future__ import annotations

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
)

MAX_SCALARS = 8
MAX_NESTED = 3
MAX_VARIABLES = 12


def query_document(keyword: str, name: str, field: GraphQLField) -> str:
    """Return e.g. `query Repository($owner: String!) { repository(owner: $owner) { id name } }`."""
    args = sorted(field.args.items(), key=lambda kv: not isinstance(kv[1].type, GraphQLNonNull))[:MAX_VARIABLES]
    declared = ", ".join(f"${arg}: {spec.type}" for arg, spec in args)
    passed = ", ".join(f"{arg}: ${arg}" for arg, _ in args)
    op_name = (name[:1].upper() + name[1:]) or "Operation"
    head = f"{keyword} {op_name}" + (f"({declared})" if declared else "")
    call = name + (f"({passed})" if passed else "")
    selection = selection_set(field.type, depth=2, indent="    ")
    return f"{head} {{\n  {call}{selection}\n}}\n"


def selection_set(type_: object, depth: int, indent: str) -> str:
    """Return ` { ... }` selecting scalar fields (one level of objects when few scalars), or '' for leaves."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if isinstance(named, GraphQLUnionType):
        lines = ["__typename"] + [f"... on {member.name}{selection_set(member, 1, indent + '  ')}" for member in named.types[:5]]
    elif isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
        lines = _object_lines(named, depth, indent)
    else:
        return ""
    body = "".join(f"\n{indent}{line}" for line in lines)
    return f" {{{body}\n{indent[:-2]}}}"


def _object_lines(named: GraphQLObjectType | GraphQLInterfaceType, depth: int, indent: str) -> list[str]:
    """Pick scalar fields without required arguments first; add a few object fields when scalars are scarce."""
    callable_fields = [(n, f) for n, f in named.fields.items() if not any(isinstance(a.type, GraphQLNonNull) for a in f.args.values())]
    scalars = [n for n, f in callable_fields if is_leaf_type(get_named_type(f.type)) and f.deprecation_reason is None]
    preferred = [n for n in ("id", "name", "title", "login", "slug", "url") if n in scalars]
    chosen = list(dict.fromkeys(preferred + scalars))[:MAX_SCALARS]
    if depth > 1 and len(chosen) < 3:
        objects = [(n, f) for n, f in callable_fields if not is_leaf_type(get_named_type(f.type)) and f.deprecation_reason is None]
        objects.sort(key=lambda nf: nf[0] not in ("nodes", "edges", "node", "pageInfo"))
        for n, f in objects[:MAX_NESTED]:
            nested = selection_set(f.type, depth - 1, indent + "  ")
            if nested:
                chosen.append(n + nested)
    return chosen or ["__typename"]
