"""Every format indexes into one library, and no file displaces another (issue 3's 'inspects and indexes').

The library is indexed once per test session (`format_library` in conftest); each test reads it.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import shared
from tests.e2e.conftest import INDEX_TIMEOUT_S, run_cli

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
pytestmark = pytest.mark.timeout(INDEX_TIMEOUT_S)


def raw_count(path) -> int:
    """Count OpenAPI operations from the raw JSON, independently of our parser."""
    doc = json.loads(path.read_text())
    return sum(1 for item in doc.get("paths", {}).values() for m in item if m in HTTP_METHODS)


def postman_requests(node) -> int:
    """Count requests in a Postman item tree."""
    return sum(postman_requests(i["item"]) if "item" in i else 1 for i in node)


def _listed(capsys, lib) -> dict[str, dict]:
    capsys.readouterr()
    listed = json.loads(run_cli(capsys, "--data-dir", lib["data"], "list", "--json")[1])
    return {a["source"]: a for a in listed}


def test_no_file_replaces_another_with_the_same_title_and_version(format_library, capsys):
    by_source = _listed(capsys, format_library)
    assert len(by_source) == len(format_library["files"])


def test_operation_counts_match_the_raw_files(format_library, capsys):
    by_source = _listed(capsys, format_library)
    twilio, wise = format_library["twilio"], format_library["wise"]
    assert sum(by_source[p.name]["operations"] for p in twilio) == sum(raw_count(p) for p in twilio)
    assert by_source[wise.name]["operations"] == postman_requests(json.loads(wise.read_text())["item"])
    assert by_source[format_library["digitalocean"].name]["operations"] > 600
    swapi = by_source[format_library["swapi"].name]
    assert swapi["format"] == "graphql" and swapi["operations"] > 0


def test_search_across_formats_finds_twilio_messages(format_library, capsys):
    capsys.readouterr()
    hits = json.loads(run_cli(capsys, "--data-dir", format_library["data"], "search", "send an SMS message",
                              "--json")[1])["hits"]
    assert any(h["path"] and "Messages" in h["path"] for h in hits)
