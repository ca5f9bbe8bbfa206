"""Every Postman collection, GraphQL schema and licence/doc file in the shared data parses with the right counts."""

from __future__ import annotations

import json
import re

import graphql
import pytest

from src.rag.parsing import inspect_path, parse_path
from src.rag.types import Protocol, SpecFormat
from tests.parsing.conftest import data_dir, files_under

POSTMAN_FILES = [p for p in files_under("postman") if p.suffix == ".json"]
GRAPHQL_FILES = [p for p in files_under("graphql") if p.suffix == ".graphql"]
TEXT_FILES = [p for p in files_under("specs") + files_under("postman") + files_under("graphql")
              if p.suffix not in (".json", ".yaml", ".yml", ".graphql", ".gz")]


def count_requests(items) -> int:
    """Count request items in a Postman item tree."""
    return sum(count_requests(i["item"]) if "item" in i else int("request" in i) for i in items)


def count_root_fields(sdl: str) -> dict[str, int]:
    """Count query/mutation/subscription root fields with graphql-core directly."""
    schema = graphql.build_schema(sdl, assume_valid=True)
    roots = {"QUERY": schema.query_type, "MUTATION": schema.mutation_type, "SUBSCRIPTION": schema.subscription_type}
    return {k: len(t.fields) for k, t in roots.items() if t is not None}


@pytest.mark.parametrize("path", POSTMAN_FILES, ids=lambda p: p.name)
def test_postman_collection_counts_every_request(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    report = inspect_path(path)
    assert report.ok, report.error
    assert report.format == "postman"
    assert report.operations == count_requests(raw["item"])


@pytest.mark.parametrize("path", GRAPHQL_FILES, ids=lambda p: p.name)
def test_graphql_schema_counts_every_root_field(path):
    expected = count_root_fields(path.read_text(encoding="utf-8"))
    spec = parse_path(path)
    assert spec.format == SpecFormat.GRAPHQL
    got = {m: sum(1 for o in spec.operations if o.method == m) for m in expected}
    assert got == expected
    assert all(o.protocol == Protocol.GRAPHQL and o.graphql_document for o in spec.operations)
    for op in spec.operations[:50]:
        graphql.parse(op.graphql_document)  # every generated document is valid GraphQL syntax


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: p.name)
def test_licence_and_text_files_parse_as_documentation(path):
    text = path.read_text(encoding="utf-8")
    expected = len({m.group(0) for m in re.finditer(r"\b(GET|POST|PUT|PATCH|DELETE) /\S*", text)})
    report = inspect_path(path)
    assert report.ok, report.error
    assert report.format == "markdown"
    assert report.operations == expected


def test_swapi_root_type_is_root_not_query():
    spec = parse_path(data_dir("graphql") / "swapi_schema.graphql")
    film = spec.operation("QUERY film")
    assert film is not None and film.tags == ("Root",)
    assert {p.name for p in film.parameters} >= {"id", "filmID"}
    assert all(p.location == "argument" for p in film.parameters)
    assert "query Film(" in film.graphql_document and "film(" in film.graphql_document
    assert any(s.name == "Film" and s.type == "object" for s in spec.schemas)
    assert not any(s.name == "Root" for s in spec.schemas)


def test_wise_collection_details():
    spec = parse_path(data_dir("postman") / "wise_all_endpoints.json")
    keys = [o.key for o in spec.operations]
    assert len(keys) == len(set(keys))
    assert "GET /v1/borderless-accounts/{accountId}/statement.json" in keys
    assert spec.servers[0] == "https://api.transferwise.com"
    op = spec.operation("GET /v1/borderless-accounts")
    assert op.tags == ("borderless",) and op.security == ("bearerAuth",)
    assert [(p.name, p.location) for p in op.parameters] == [("profileId", "query")]
    assert all(o.pointer.startswith("#/item/") for o in spec.operations)
