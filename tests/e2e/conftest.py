"""Libraries of real specs, each indexed once per test session through the CLI and shared by every test
that reads it (indexing is the slow part; no test embeds the same specs twice)."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from tests.conftest import shared


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process (the model stays loaded between calls) and return (code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def big_library(tmp_path_factory):
    """Index Stripe and Kubernetes once; returns the data dir."""
    data = tmp_path_factory.mktemp("library")
    stripe = shared("specs", "stripe_spec3_2022-04.json")
    k8s = shared("specs", "kubernetes_swagger.json")
    assert main(["--data-dir", str(data), "index", str(stripe), str(k8s)]) == 0
    return data


# A session library is indexed in the setup of whichever test needs it first, so those tests allow for it.
INDEX_TIMEOUT_S = 1500


def _index(data, files) -> None:
    assert main(["--data-dir", str(data), "index", *map(str, files)]) == 0


@pytest.fixture(scope="session")
def format_library(tmp_path_factory):
    """Index every Twilio file, a Postman collection, a GraphQL schema and a multi-file archive once."""
    twilio = sorted(shared("specs", "twilio").glob("*.json"))
    wise = shared("postman", "wise_all_endpoints.json")
    swapi = shared("graphql", "swapi_schema.graphql")
    digitalocean = shared("specs", "digitalocean_specification.tar.gz")
    data = tmp_path_factory.mktemp("formats") / "lib"
    files = [*twilio, wise, swapi, digitalocean]
    _index(data, files)
    return {"data": str(data), "files": files, "twilio": twilio, "wise": wise, "swapi": swapi,
            "digitalocean": digitalocean}


@pytest.fixture(scope="session")
def remaining_library(tmp_path_factory):
    """Index the shared specs no other session library holds: Discord, OpenAI, Artsy and GitHub's GraphQL."""
    files = [shared("specs", "discord_openapi.json"), shared("specs", "openai_openapi.yaml"),
             shared("graphql", "artsy_metaphysics_schemaV2.graphql"), shared("graphql", "github_schema.graphql")]
    data = tmp_path_factory.mktemp("remaining") / "lib"
    _index(data, files)
    return {"data": str(data), "files": files}


def search_paths(capsys, data, query: str, k: int = 5, *extra: str) -> list[str]:
    """Return the ``METHOD /path`` of each hit of a CLI search."""
    code, out, _ = run_cli(capsys, "--data-dir", str(data), "search", query, "--top-k", str(k), "--json", *extra)
    assert code == 0
    return [f"{h['method']} {h['path']}" for h in json.loads(out)["hits"] if h["method"]]
