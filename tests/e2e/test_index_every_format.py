"""Every format indexes into one library, and no file displaces another (issue 3's 'inspects and indexes')."""

from __future__ import annotations

import json

from tests.conftest import shared
from tests.e2e.conftest import run_cli

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def raw_count(path) -> int:
    """Count OpenAPI operations from the raw JSON, independently of our parser."""
    doc = json.loads(path.read_text())
    return sum(1 for item in doc.get("paths", {}).values() for m in item if m in HTTP_METHODS)


def postman_requests(node) -> int:
    """Count requests in a Postman item tree."""
    return sum(postman_requests(i["item"]) if "item" in i else 1 for i in node)


def test_every_twilio_file_plus_postman_graphql_and_multifile_in_one_library(tmp_path, capsys):
    twilio = sorted(shared("specs", "twilio").glob("*.json"))
    wise = shared("postman", "wise_all_endpoints.json")
    swapi = shared("graphql", "swapi_schema.graphql")
    digitalocean = shared("specs", "digitalocean_specification.tar.gz")
    data = str(tmp_path / "lib")
    files = [str(p) for p in [*twilio, wise, swapi, digitalocean]]
    code, out, _ = run_cli(capsys, "--data-dir", data, "index", *files)
    assert code == 0, out
    listed = json.loads(run_cli(capsys, "--data-dir", data, "list", "--json")[1])
    assert len(listed) == len(files)  # nothing replaced another file with the same title and version
    by_source = {a["source"]: a for a in listed}
    assert sum(by_source[p.name]["operations"] for p in twilio) == sum(raw_count(p) for p in twilio)
    assert by_source[wise.name]["operations"] == postman_requests(json.loads(wise.read_text())["item"])
    assert by_source[digitalocean.name]["operations"] > 600
    assert by_source[swapi.name]["format"] == "graphql" and by_source[swapi.name]["operations"] > 0
    hits = json.loads(run_cli(capsys, "--data-dir", data, "search", "send an SMS message", "--json")[1])["hits"]
    assert any(h["path"] and "Messages" in h["path"] for h in hits)
